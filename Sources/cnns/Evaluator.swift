import CNNKit
import CNNScript

/// Runs prepared source in the session with Ctrl-C armed, and reports errors on stderr. Every mode
/// (script, `-e`, pipe, shell, transcript) evaluates through this one step; the modes differ only in
/// what they do next.
struct Evaluator {
    enum Outcome: Equatable {
        case ok
        /// The error was reported.
        case failed(ScriptError)
        /// Ctrl-C stopped the run (`CancelledError`).
        case cancelled
        /// The run finished, but Ctrl-C was pressed while it ran (e.g. `fit` stopped early on purpose).
        case interrupted
    }

    let session: Session
    /// Paint `error:` and the caret (stderr is a terminal and colour is allowed).
    let errorColor: Bool

    /// Runs an entry `session.prepare` made ready, or reports why it is not.
    func evaluate(_ prepared: Prepared, echo: EchoMode) -> Outcome {
        switch prepared {
        case .ready(let program):
            return outcome { session.execute(program, echo: echo) }
        case .incomplete(let error), .failed(let error):
            report(error)
            return .failed(error)
        }
    }

    /// Runs a meta-command line (`:who`, `:timeit …`) with Ctrl-C armed; `quit` is true after `:quit`.
    func evaluateMeta(_ line: String, history: [String]) -> (outcome: Outcome, quit: Bool) {
        var quit = false
        let result = outcome {
            let (result, isQuit) = session.executeMeta(line, history: history)
            quit = isQuit
            return result
        }
        return (result, quit)
    }

    private func outcome(_ body: () -> RunOutcome) -> Outcome {
        var result = RunOutcome.ok
        let interrupted = Interrupts.guarding { result = body() }
        switch result {
        case .ok: return interrupted ? .interrupted : .ok
        case .cancelled: return .cancelled
        case .failed(let error):
            report(error)
            return interrupted ? .cancelled : .failed(error)
        }
    }

    /// Writes an error report on stderr (painted when `errorColor`).
    func report(_ error: ScriptError) {
        FileDescriptorWriter.standardError.write(renderError(error, color: errorColor))
    }
}

extension Evaluator.Outcome {
    /// The exit status of a run that ends with this outcome.
    var status: Int32 {
        switch self {
        case .ok: return 0
        case .failed: return 1
        case .cancelled, .interrupted: return 130
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
        // Each shell entry is numbered from 1, as Python's `<stdin>` is; piped lines keep their line
        // numbers so errors point into the piped file.
        var reader = EntryReader(session: evaluator.session, file: "<stdin>", numberedFromOne: interactive)
        var lineNumber = 0
        var failed = false

        /// Runs one entry; returns an exit status when the loop must stop.
        func run(_ entry: SourceEntry) -> Int32? {
            refreshPresentation()
            return handle(evaluator.evaluate(entry.prepared, echo: .all))
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
            let prompt = reader.isOpen ? Self.continuationPrompt : Self.prompt
            switch editor.read(prompt: prompt) {
            case .interrupted:
                reader.cancel()
            case .end:
                if let entry = reader.finish() {
                    // Ctrl-D inside an open entry shows what is missing; only an empty line exits.
                    if let status = run(entry) { return status }
                    if interactive { continue }
                }
                return !interactive && failed ? 1 : 0
            case .line(let line):
                lineNumber += 1
                editor.remember(line)
                // Meta-commands (`:who`, `:timeit x + 1`) are whole lines outside any open entry.
                if !reader.isOpen, Session.isMeta(line) {
                    refreshPresentation()
                    let (outcome, quit) = evaluator.evaluateMeta(line, history: editor.historyEntries)
                    if let status = handle(outcome) { return status }
                    if quit { return !interactive && failed ? 1 : 0 }
                    continue
                }
                if let entry = reader.add(line, number: lineNumber), let status = run(entry) {
                    return status
                }
            }
        }
    }
}

/// A script's entries run one after another (`--keep-going` and `--transcript`): the one loop that
/// stops at the first failure unless `keepGoing`, and at Ctrl-C.
struct EntryLoop {
    let keepGoing: Bool

    enum End: Equatable {
        /// Every entry ran (some may have failed, with `keepGoing`).
        case finished
        /// An entry failed and the loop stopped there.
        case stoppedAtError
        case interrupted
    }

    /// Runs `each` on the entries in order; returns how the loop ended, how many entries ran, and
    /// whether any failed.
    func run(_ entries: [SourceEntry], _ each: (SourceEntry) -> Evaluator.Outcome) -> (end: End, ran: Int, failed: Bool) {
        var failed = false
        for (k, entry) in entries.enumerated() {
            switch each(entry) {
            case .ok: continue
            case .failed:
                failed = true
                if !keepGoing { return (.stoppedAtError, k + 1, true) }
            case .cancelled, .interrupted: return (.interrupted, k + 1, failed)
            }
        }
        return (.finished, entries.count, failed)
    }

    /// The exit status of a loop that ended so.
    static func status(_ end: End, failed: Bool) -> Int32 {
        switch end {
        case .finished: return failed ? 1 : 0
        case .stoppedAtError: return 1
        case .interrupted: return 130
        }
    }
}
