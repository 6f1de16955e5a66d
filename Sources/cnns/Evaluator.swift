import CNNKit
import CNNScript

/// Runs source in the session with Ctrl-C armed, and reports errors on stderr. Every mode (script,
/// `-e`, pipe, shell) evaluates through this one step; the modes differ only in what they do next.
struct Evaluator {
    enum Outcome: Equatable {
        case ok
        /// A `ScriptError` (or any other error) was reported.
        case failed
        /// Ctrl-C stopped the run (`CancelledError`).
        case cancelled
        /// The run finished, but Ctrl-C was pressed while it ran (e.g. `fit` stopped early on purpose).
        case interrupted
    }

    let session: Session
    /// Paint `error:` and the caret (stderr is a terminal and colour is allowed).
    let errorColor: Bool

    func evaluate(_ entry: Entry, file: String, echo: EchoMode) -> Outcome {
        var failure: Error?
        let interrupted = Interrupts.guarding {
            do {
                try session.run(entry.source, file: file, firstLine: entry.firstLine, echo: echo)
            } catch {
                failure = error
            }
        }
        switch failure {
        case nil:
            return interrupted ? .interrupted : .ok
        case is CancelledError:
            return .cancelled
        case let error as ScriptError:
            FileDescriptorWriter.standardError.write(renderError(error, color: errorColor))
            return interrupted ? .cancelled : .failed
        case let error?:
            // The language reports its errors as ScriptError; anything else still gets a place.
            FileDescriptorWriter.standardError.write("\(file):\(entry.firstLine): error: \(error)\n")
            return interrupted ? .cancelled : .failed
        }
    }
}

/// The read–eval–print loop over a `LineEditor`. On a terminal it is the interactive shell: it never
/// exits on an error, Ctrl-C cancels the entry being typed or the statement running, Ctrl-D exits. Fed
/// from a pipe it is the same loop without prompts: it stops at the first error (status 1) unless
/// `keepGoing`, and Ctrl-C ends it with status 130.
struct ReadEvalPrintLoop {
    let editor: LineEditor
    let evaluator: Evaluator
    let keepGoing: Bool
    /// Called before each statement runs, so the session sees the current terminal width.
    var refreshPresentation: () -> Void = {}

    static let prompt = "cnns> "
    static let continuationPrompt = "  ... "

    /// Returns the exit status.
    func run() -> Int32 {
        let interactive = editor.interactive
        var buffer = EntryBuffer()
        var lineNumber = 0
        var failed = false

        /// Runs one entry; returns an exit status when the loop must stop.
        func run(_ entry: Entry) -> Int32? {
            refreshPresentation()
            // Each shell entry is numbered from 1, as Python's `<stdin>` is; piped lines keep their
            // line numbers so errors point into the piped file.
            let numbered = interactive ? Entry(source: entry.source, firstLine: 1) : entry
            switch evaluator.evaluate(numbered, file: "<stdin>", echo: .all) {
            case .ok:
                return nil
            case .failed:
                failed = true
                return interactive || keepGoing ? nil : 1
            case .cancelled:
                if interactive {
                    let newline = editor.terminalEchoesControlCharacters ? "\n" : ""
                    FileDescriptorWriter.standardError.write(newline + "interrupted\n")
                    return nil
                }
                return 130
            case .interrupted:
                return interactive ? nil : 130
            }
        }

        while true {
            let prompt = buffer.isOpen ? Self.continuationPrompt : Self.prompt
            switch editor.read(prompt: prompt) {
            case .interrupted:
                buffer.cancel()
            case .end:
                if let entry = buffer.finish() {
                    // Ctrl-D inside an open entry shows what is missing; only an empty line exits.
                    if let status = run(entry) { return status }
                    if interactive { continue }
                }
                return !interactive && failed ? 1 : 0
            case .line(let line):
                lineNumber += 1
                editor.remember(line)
                if let entry = buffer.add(line, number: lineNumber), let status = run(entry) {
                    return status
                }
            }
        }
    }
}
