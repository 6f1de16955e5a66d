import ArgumentParser
import CNNKit
import Foundation

// A CNNS_ISA the CPU cannot honour (or a misspelt one) is said once, before anything runs.
if let note = Kernels.selectionNote {
    FileDescriptorWriter.standardError.write("cnns: warning: \(note)\n")
}

/// The command `arguments` spell, or the process ends: --help and --version print to stdout with
/// status 0, and every real parse error is bad usage, status 2 (ArgumentParser's own default is 64).
func parsed<Command: ParsableCommand>(_: Command.Type, _ arguments: [String]) -> Command {
    do {
        return try Command.parse(arguments)
    } catch {
        let message = Command.fullMessage(for: error)
        if Command.exitCode(for: error) == .success {
            FileDescriptorWriter.standardOutput.write(message + "\n")
            exit(0)
        }
        FileDescriptorWriter.standardError.write(message + "\n")
        exit(2)
    }
}

// `cnns bench …` is a command of its own: dispatched before the main parser, which hands every word
// after a script's name to the script, sees it.
let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "bench" {
    exit(parsed(BenchCommand.self, Array(arguments.dropFirst())).runCases())
}
exit(Runner(command: parsed(CNNSCommand.self, arguments), terminal: Terminal()).run())
