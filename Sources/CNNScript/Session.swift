import CNNKit

/// One interpreter session: variables, the random generator and settings live here across inputs.
public final class Session {
    /// Receives everything the program prints (values, `print`, `show`), as text with newlines.
    public var output: (String) -> Void
    public var presentation: Presentation
    /// The script's command-line arguments (`args`).
    public var args: [String] = []

    /// `printopts(…)` sets these; every tensor printout uses them.
    var printOptions = PrintOptions()
    /// The session's random generator: `rand`, `randn`, `dropout` draw from it; `seed(n)` resets it.
    var rng: RandomSource
    /// Called at every statement and loop iteration; throws `CancelledError` to stop the run. The host
    /// sets and clears the engine's flag (`Engine.requestCancel()` from its SIGINT handler); tests
    /// replace this to interrupt one session without touching that process-wide flag.
    var checkCancel: () throws -> Void = { try Engine.checkCancel() }
    /// When loading a file shows a progress line (files ≥ 16 MiB on a live terminal); tests lower it.
    var loadProgress = LoadProgressLine.Settings()
    /// The result a builtin of the current statement has already printed (`evaluate`'s report), so
    /// the statement's echo does not show it again.
    var printedObject: AnyObject?
    /// `_`: the last value an expression statement printed.
    var lastValue: Value = .none
    /// Numbered results: `Out[n]` in the shell, `_n` in the language (Session+Outputs.swift).
    public var outputs = OutputHistory()
    /// The file being run, for functions defined in it.
    private(set) var currentFile = "<input>"
    let globals = Environment()
    private(set) lazy var interpreter = Interpreter(session: self, globals: globals)
    /// Lines of every chunk run so far, by file and line number, so an error inside a function defined
    /// in an earlier chunk still shows its source line.
    private var sourceLines: [String: [Int: String]] = [:]

    public init(presentation: Presentation = Presentation(), seed: UInt64 = 0, output: @escaping (String) -> Void) {
        self.presentation = presentation
        self.output = output
        self.rng = RandomSource(seed: seed)
    }

    /// Parses a chunk of source (a whole file, a `-e` string, one shell entry) once, for the host to
    /// run: `.incomplete` when it ends inside an open bracket, brace or string or after an operator (the
    /// shell asks for another line; at the end of input that error is the report), `.failed` on any
    /// other syntax error, else `.ready` with the program to hand to `run(_:echo:)`. `firstLine` numbers
    /// the chunk's first line in error messages (pipes feed entry by entry).
    public func prepare(_ source: String, file: String, firstLine: Int = 1) -> Prepared {
        remember(source, file: file, firstLine: firstLine)
        do {
            let statements = try Parser.parse(source, file: file, firstLine: firstLine)
            return .ready(Program(statements: statements, file: file, firstLine: firstLine))
        } catch let e as SyntaxError {
            let error = scriptError(file: file, at: e.pos, e.message)
            return e.incomplete ? .incomplete(error) : .failed(error)
        } catch {
            return .failed(scriptError(for: error, file: file, firstLine: firstLine))
        }
    }

    /// Runs a prepared program. `echo` says which expression statements print their value through
    /// `output` (`.all` in the shell and pipes, `.last` for `-e`, `.none` for script files); a trailing
    /// `;` always silences. Throws `ScriptError`, or `CancelledError` when `Engine.requestCancel()` was
    /// called during the run.
    public func run(_ program: Program, echo: EchoMode = .all) throws {
        currentFile = program.file
        do {
            try interpreter.run(program.statements, echo: echo)
        } catch let e as CancelledError {
            throw e
        } catch {
            throw scriptError(for: error, file: program.file, firstLine: program.firstLine)
        }
    }

    /// Runs a prepared program for a host, which then only has to report: the run's errors come back
    /// as a value, already placed.
    public func execute(_ program: Program, echo: EchoMode = .all) -> RunOutcome {
        result(file: program.file) { try run(program, echo: echo) }
    }

    /// `prepare`, then `run` (an incomplete chunk is an error here: nothing more will come).
    public func run(_ source: String, file: String, firstLine: Int = 1, echo: EchoMode = .all) throws {
        switch prepare(source, file: file, firstLine: firstLine) {
        case .ready(let program): try run(program, echo: echo)
        case .incomplete(let error), .failed(let error): throw error
        }
    }

    /// The one place where an error of the language becomes a `ScriptError` with its file, line, column
    /// and source line: a runtime error at its own place, an engine error or anything else at the
    /// chunk's first line.
    func scriptError(for error: Error, file: String, firstLine: Int) -> ScriptError {
        switch error {
        case let e as ScriptError:
            return e
        case let e as RuntimeError:
            return scriptError(file: e.file ?? file, at: e.pos ?? SourcePos(line: firstLine, column: 1), e.message)
        case let e as SyntaxError:
            return scriptError(file: file, at: e.pos, e.message)
        case let e as OpError:
            return scriptError(file: file, at: SourcePos(line: firstLine, column: 1), e.description)
        default:
            // Builtins convert their errors; this keeps the promise that a run fails only with a ScriptError.
            return scriptError(file: file, at: SourcePos(line: firstLine, column: 1), "\(error)")
        }
    }

    /// How `body` ended, its errors placed in `file`.
    func result(file: String, _ body: () throws -> Void) -> RunOutcome {
        do {
            try body()
            return .ok
        } catch is CancelledError {
            return .cancelled
        } catch {
            return .failed(scriptError(for: error, file: file, firstLine: 1))
        }
    }

    private func remember(_ source: String, file: String, firstLine: Int) {
        var lines = sourceLines[file] ?? [:]
        for (i, text) in source.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            lines[firstLine + i] = String(text.hasSuffix("\r") ? text.dropLast() : text)
        }
        sourceLines[file] = lines
    }

    private func scriptError(file: String, at pos: SourcePos, _ message: String) -> ScriptError {
        ScriptError(file: file, line: pos.line, column: pos.column, message: message,
                    sourceLine: sourceLines[file]?[pos.line] ?? "")
    }
}

/// A chunk of source the parser accepted, ready for `Session.run(_:echo:)`.
public struct Program {
    let statements: [Stmt]
    public let file: String
    public let firstLine: Int
    /// True when the chunk holds no statement (blank lines or comments only).
    public var isEmpty: Bool { statements.isEmpty }
}

/// How a run ended, as a host reports it.
public enum RunOutcome: Equatable {
    case ok
    case failed(ScriptError)
    /// Ctrl-C stopped it (`Engine.requestCancel()`).
    case cancelled
}

/// What `Session.prepare` made of a chunk of source.
public enum Prepared {
    /// The chunk ends inside an open bracket, brace or string, or after an operator; the error says
    /// what is missing, for when no more input comes.
    case incomplete(ScriptError)
    case ready(Program)
    case failed(ScriptError)
}

extension Session {
    /// The reference of every builtin as Markdown, generated from the one registry (for the docs).
    public static func builtinReference() -> String { Builtins.markdownReference() }

    /// The names of every builtin function, for hosts that want them (completion, docs).
    public static var builtinNames: [String] { Builtins.all.map(\.name) }
}
