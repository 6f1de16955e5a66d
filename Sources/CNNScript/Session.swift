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

    /// Runs a chunk of source (a whole file, a `-e` string or one interactive entry). `echo` says which
    /// expression statements print their value through `output` (`.all` in the shell and pipes, `.last`
    /// for `-e`, `.none` for script files); a trailing `;` always silences. `firstLine` numbers the chunk's
    /// first line in error messages (pipes feed statement by statement). Throws `ScriptError`, or
    /// `CancelledError` when `Engine.requestCancel()` was called during the run.
    public func run(_ source: String, file: String, firstLine: Int = 1, echo: EchoMode = .all) throws {
        remember(source, file: file, firstLine: firstLine)
        currentFile = file
        let stmts: [Stmt]
        do {
            stmts = try Parser.parse(source, file: file, firstLine: firstLine)
        } catch let e as SyntaxError {
            throw scriptError(file: file, at: e.pos, e.message)
        }
        do {
            try interpreter.run(stmts, echo: echo)
        } catch let e as RuntimeError {
            throw scriptError(file: e.file ?? file, at: e.pos ?? SourcePos(line: firstLine, column: 1), e.message)
        } catch let e as OpError {
            throw scriptError(file: file, at: SourcePos(line: firstLine, column: 1), e.description)
        } catch let e as CancelledError {
            throw e
        } catch {
            // Builtins convert their errors; this keeps the promise that run throws only ScriptError.
            throw scriptError(file: file, at: SourcePos(line: firstLine, column: 1), "\(error)")
        }
    }

    /// True when `source` ends inside an open bracket, brace or string, or after an operator: the
    /// shell asks for another line.
    public static func isIncomplete(_ source: String) -> Bool {
        do {
            _ = try Parser.parse(source)
            return false
        } catch let e as SyntaxError {
            return e.incomplete
        } catch {
            return false
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

extension Session {
    /// The reference of every builtin as Markdown, generated from the one registry (for the docs).
    public static func builtinReference() -> String { Builtins.markdownReference() }

    /// The names of every builtin function, for hosts that want them (completion, docs).
    public static var builtinNames: [String] { Builtins.all.map(\.name) }
}
