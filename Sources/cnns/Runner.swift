import CNNKit
import CNNScript
import Foundation

/// Carries out a parsed command line: sets up the engine, the session and Ctrl-C, runs the script or
/// `-e` code, then the read–eval–print loop when asked for (no script, or `-i`). Returns the exit status.
struct Runner {
    let command: CNNSCommand
    let terminal: Terminal

    func run() -> Int32 {
        let entersLoop = command.interactive || (command.code == nil && command.scriptPath == nil)
        let shell = entersLoop && terminal.stdinIsTTY
        // Ctrl-C ends scripts and pipes (130); only the interactive shell survives it.
        Interrupts.install(policy: shell ? .shell : .exit)
        setlocale(LC_CTYPE, "")  // libedit needs the locale to edit UTF-8 text; numbers stay in "C"

        if let threads = command.threads { Engine.threads = threads }
        let readingPipe = entersLoop && !terminal.stdinIsTTY && command.code == nil && command.scriptPath == nil
        let presentation = terminal.presentation(color: command.color, readingPipe: readingPipe)
        let write: (String) -> Void = { FileDescriptorWriter.standardOutput.write($0) }
        let session = command.seed.map { Session(presentation: presentation, seed: $0, output: write) }
            ?? Session(presentation: presentation, output: write)
        session.args = command.scriptArguments
        let evaluator = Evaluator(session: session, errorColor: terminal.colorForErrors(command.color))

        var status: Int32 = 0
        if let code = command.code {
            status = finish(evaluator.evaluate(Entry(source: code, firstLine: 1), file: "<-e>", echo: .last))
        } else if let path = command.scriptPath, let outputPath = command.transcript {
            // A transcript is a document: plain text at a fixed width, no colour, no redrawing.
            session.presentation = Presentation(color: false, unicode: presentation.unicode, width: 100, live: false)
            do {
                let text = try readSourceFile(path)
                return Transcript(session: session, keepGoing: command.keepGoing)
                    .run(script: text, path: path, outputPath: outputPath)
            } catch {
                FileDescriptorWriter.standardError.write("cnns: cannot read \(path): \(error)\n")
                return 1
            }
        } else if let path = command.scriptPath {
            status = runScript(path, evaluator: evaluator)
        }
        guard entersLoop else { return status }
        if status == 130 {
            // `-i` on a terminal: Ctrl-C stopped the script, and the shell takes over with what it made.
            guard shell else { return status }
            FileDescriptorWriter.standardError.write("\ninterrupted\n")
        }

        let editor = LineEditor(
            interactive: shell,
            historyFile: HistoryFile(environment: terminal.environment),
            completer: { session.completions(for: $0) })
        if shell {
            session.outputs.numbered = true
            FileDescriptorWriter.standardOutput.write(
                "cnns \(cnnsVersion): help() lists what there is; :help the meta-commands; Tab completes; Ctrl-D exits.\n")
        }
        var loop = ReadEvalPrintLoop(editor: editor, evaluator: evaluator, keepGoing: command.keepGoing)
        if shell {
            let colorChoice = command.color
            loop.refreshPresentation = { session.presentation = terminal.presentation(color: colorChoice, readingPipe: false) }
        }
        let loopStatus = loop.run()
        // After `-i`, the shell decides; a piped continuation reports the first failure of either part.
        return shell || status == 0 ? loopStatus : status
    }

    /// Script files print only what they print (`echo: .none`). Without --keep-going the whole file is
    /// one run, parsed as a whole; with it, each top-level entry runs on its own so later ones still run.
    private func runScript(_ path: String, evaluator: Evaluator) -> Int32 {
        let text: String
        do {
            text = try readSourceFile(path)
        } catch {
            FileDescriptorWriter.standardError.write("cnns: cannot read \(path): \(error)\n")
            return 1
        }
        guard command.keepGoing else {
            return finish(evaluator.evaluate(Entry(source: text, firstLine: 1), file: path, echo: .none))
        }
        var failed = false
        for entry in splitEntries(text) {
            switch evaluator.evaluate(entry, file: path, echo: .none) {
            case .ok: continue
            case .failed: failed = true
            case .cancelled, .interrupted: return 130
            }
        }
        return failed ? 1 : 0
    }

    private func finish(_ outcome: Evaluator.Outcome) -> Int32 {
        switch outcome {
        case .ok: return 0
        case .failed: return 1
        case .cancelled, .interrupted: return 130
        }
    }
}

/// Why a file could not be read, in the words of `strerror`.
struct FileReadError: Error, CustomStringConvertible {
    var description: String
}

/// Reads a source file as UTF-8 (invalid bytes become U+FFFD, which the lexer then rejects with a place).
func readSourceFile(_ path: String) throws -> String {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw FileReadError(description: String(cString: strerror(errno))) }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { continue }
            throw FileReadError(description: String(cString: strerror(errno)))
        }
        if n == 0 { break }
        bytes.append(contentsOf: chunk[0..<n])
    }
    // Editors on some systems start UTF-8 files with a byte-order mark; it is not part of the program.
    let start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
    return String(decoding: bytes[start...], as: UTF8.self)
}
