import CNNKit

/// How the host (the `cnns` executable) presents output. The language never touches the terminal:
/// it only asks these questions.
public struct Presentation: Sendable {
    public var color: Bool          // ANSI colours allowed
    public var unicode: Bool        // Unicode block/box characters allowed
    public var width: Int           // terminal width in columns
    /// The host's stdout is a terminal: progress (`fit`) may redraw a line in place with "\r" and an
    /// ANSI clear-line. When false (a pipe or a file) progress prints one plain line per epoch.
    public var live: Bool
    /// The terminal shows 24-bit colour (`COLORTERM=truecolor` or `24bit`): heat maps use exact colours
    /// rather than the xterm 256-colour cube.
    public var trueColor: Bool
    public init(color: Bool = false, unicode: Bool = false, width: Int = 80, live: Bool = false, trueColor: Bool = false) {
        self.color = color; self.unicode = unicode; self.width = width; self.live = live; self.trueColor = trueColor
    }
}

/// A script error with its place: rendered as `FILE:LINE:COL: error: MESSAGE`, the source line and a caret.
public struct ScriptError: Error, CustomStringConvertible, Equatable, Sendable {
    public var file: String
    public var line: Int
    public var column: Int
    public var message: String
    public var sourceLine: String
    public init(file: String, line: Int, column: Int, message: String, sourceLine: String) {
        self.file = file; self.line = line; self.column = column; self.message = message; self.sourceLine = sourceLine
    }
    public var description: String { "\(file):\(line):\(column): error: \(message)" }

    /// The message, the source line and a caret under the column. Tabs before the column are kept so
    /// the caret lines up however the terminal expands them.
    public var rendered: String {
        let lead = sourceLine.prefix(max(0, column - 1)).map { $0 == "\t" ? "\t" : " " }.joined()
        return description + "\n" + sourceLine + "\n" + lead + "^"
    }
}

/// Which expression statements print their value: every one (the shell, pipes), only the last (`-e`)
/// or none (script files).
public enum EchoMode: Sendable { case all, last, none }
