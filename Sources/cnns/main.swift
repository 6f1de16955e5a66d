import ArgumentParser
import CNNKit
import Foundation

// A CNNS_ISA the CPU cannot honour (or a misspelt one) is said once, before anything runs.
if let note = Kernels.selectionNote {
    FileDescriptorWriter.standardError.write("cnns: warning: \(note)\n")
}

// `cnns bench …` belongs to the benchmark and has its own argument handling: dispatch it before the
// main parser sees the words.
let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "bench" {
    exit(BenchCommand.run(arguments: Array(arguments.dropFirst())))
}

let command: CNNSCommand
do {
    command = try CNNSCommand.parse(arguments)
} catch {
    // --help and --version "fail" with a success code; every real parse error is bad usage: status 2
    // (ArgumentParser's own default would be 64).
    let message = CNNSCommand.fullMessage(for: error)
    if CNNSCommand.exitCode(for: error) == .success {
        FileDescriptorWriter.standardOutput.write(message + "\n")
        exit(0)
    }
    FileDescriptorWriter.standardError.write(message + "\n")
    exit(2)
}
exit(Runner(command: command, terminal: Terminal()).run())
