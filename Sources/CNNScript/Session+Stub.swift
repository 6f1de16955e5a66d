// TEMPORARY interface stub so that parallel work compiles; the language's owner replaces it.
import CNNKit

/// How the host (the `cnns` executable) presents output. The language never touches the terminal:
/// it only asks these questions.
public struct Presentation: Sendable {
    public var color: Bool          // ANSI colours allowed
    public var unicode: Bool        // Unicode block/box characters allowed
    public var width: Int           // terminal width in columns
    public init(color: Bool = false, unicode: Bool = false, width: Int = 80) {
        self.color = color; self.unicode = unicode; self.width = width
    }
}

/// A script error with its place: rendered as `FILE:LINE:COL: error: MESSAGE`, the source line and a caret.
public struct ScriptError: Error, CustomStringConvertible, Sendable {
    public var file: String
    public var line: Int
    public var column: Int
    public var message: String
    public var sourceLine: String
    public init(file: String, line: Int, column: Int, message: String, sourceLine: String) {
        self.file = file; self.line = line; self.column = column; self.message = message; self.sourceLine = sourceLine
    }
    public var description: String { "\(file):\(line):\(column): error: \(message)" }
    public var rendered: String { description + "\n" + sourceLine + "\n" + String(repeating: " ", count: max(0, column - 1)) + "^" }
}

public enum EchoMode: Sendable { case all, last, none }

/// One interpreter session: variables, the random generator and settings live here across inputs.
public final class Session {
    /// Receives everything the program prints (values, `print`, `show`), as text with newlines.
    public var output: (String) -> Void
    public var presentation: Presentation
    /// The script's command-line arguments (`args`).
    public var args: [String] = []

    public init(presentation: Presentation = Presentation(), seed: UInt64 = 0, output: @escaping (String) -> Void) {
        self.presentation = presentation
        self.output = output
    }

    /// Runs a chunk of source (a whole file, a `-e` string or one interactive entry). `echo` says which
    /// expression statements print their value through `output` (`.all` in the shell and pipes, `.last`
    /// for `-e`, `.none` for script files); a trailing `;` always silences. `firstLine` numbers the chunk's
    /// first line in error messages (pipes feed statement by statement). Throws `ScriptError`, or
    /// `CancelledError` when `Engine.requestCancel()` was called during the run.
    public func run(_ source: String, file: String, firstLine: Int = 1, echo: EchoMode = .all) throws {
        throw ScriptError(file: file, line: 1, column: 1, message: "not implemented", sourceLine: source)
    }

    /// True when `source` ends inside an open bracket, brace or string: the shell asks for another line.
    public static func isIncomplete(_ source: String) -> Bool { false }

    /// Completion candidates for the word that ends at the end of `prefix`.
    public func completions(for prefix: String) -> [String] { [] }
}
