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
            status = evaluator.evaluate(session.prepare(code, file: "<-e>"), echo: .last).status
        } else if let path = command.scriptPath, let outputPath = command.transcript {
            // A transcript is a document: plain text at a fixed width, no colour, no redrawing.
            session.presentation = Presentation(color: false, unicode: presentation.unicode, width: 100, live: false)
            guard let text = readScript(path) else { return 1 }
            return Transcript(session: session, keepGoing: command.keepGoing)
                .run(script: text, path: path, outputPath: outputPath)
        } else if let path = command.scriptPath {
            status = runScript(path, session: session, evaluator: evaluator)
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
    /// one program, parsed as a whole; with it, each top-level entry runs on its own so later ones still run.
    private func runScript(_ path: String, session: Session, evaluator: Evaluator) -> Int32 {
        guard let text = readScript(path) else { return 1 }
        guard command.keepGoing else {
            return evaluator.evaluate(session.prepare(text, file: path), echo: .none).status
        }
        let run = EntryLoop(keepGoing: true).run(session.entries(of: text, file: path)) {
            evaluator.evaluate($0.prepared, echo: .none)
        }
        return EntryLoop.status(run.end, failed: run.failed)
    }

    /// The script's text, or nil after saying on stderr why it cannot be read.
    private func readScript(_ path: String) -> String? {
        do {
            return try Session.readSource(path)
        } catch {
            FileDescriptorWriter.standardError.write("cnns: cannot read \(path): \(error)\n")
            return nil
        }
    }
}
