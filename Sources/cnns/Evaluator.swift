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
        outcome(file: file, line: entry.firstLine) {
            try session.run(entry.source, file: file, firstLine: entry.firstLine, echo: echo)
        }
    }

    /// Runs a meta-command line (`:who`, `:timeit …`) with Ctrl-C armed; `quit` is true after `:quit`.
    func evaluateMeta(_ line: String, history: [String]) -> (outcome: Outcome, quit: Bool) {
        var quit = false
        let result = outcome(file: "<stdin>", line: 1) {
            quit = try session.runMeta(line, history: history) == .quit
        }
        return (result, quit)
    }

    private func outcome(file: String, line: Int, _ body: () throws -> Void) -> Outcome {
        var failure: Error?
        let interrupted = Interrupts.guarding {
            do {
                try body()
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
            FileDescriptorWriter.standardError.write("\(file):\(line): error: \(error)\n")
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
            return handle(evaluator.evaluate(numbered, file: "<stdin>", echo: .all))
        }

        /// What an outcome means for the loop: an exit status when it must stop.
        func handle(_ outcome: Evaluator.Outcome) -> Int32? {
            switch outcome {
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
                // Meta-commands (`:who`, `:timeit x + 1`) are whole lines outside any open entry.
                if !buffer.isOpen, Session.isMeta(line) {
                    refreshPresentation()
                    let (outcome, quit) = evaluator.evaluateMeta(line, history: editor.historyEntries)
                    if let status = handle(outcome) { return status }
                    if quit { return !interactive && failed ? 1 : 0 }
                    continue
                }
                if let entry = buffer.add(line, number: lineNumber), let status = run(entry) {
                    return status
                }
            }
        }
    }
}
