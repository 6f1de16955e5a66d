import CNNScript
import Foundation

/// Everything `cnns` decides about the terminal: which streams are TTYs, whether to use colour and
/// Unicode, how wide the screen is. The language never asks the terminal itself; it gets the answers in a
/// `Presentation`.
struct Terminal {
    enum ColorChoice: String, CaseIterable {
        case auto, always, never
    }

    let stdinIsTTY: Bool
    let stdoutIsTTY: Bool
    let stderrIsTTY: Bool
    let environment: [String: String]

    /// Asks the process's own standard streams.
    init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.init(stdinIsTTY: isatty(STDIN_FILENO) == 1, stdoutIsTTY: isatty(STDOUT_FILENO) == 1,
                  stderrIsTTY: isatty(STDERR_FILENO) == 1, environment: environment)
    }

    init(stdinIsTTY: Bool, stdoutIsTTY: Bool, stderrIsTTY: Bool, environment: [String: String]) {
        self.stdinIsTTY = stdinIsTTY
        self.stdoutIsTTY = stdoutIsTTY
        self.stderrIsTTY = stderrIsTTY
        self.environment = environment
    }

    private var isDumb: Bool { environment["TERM"] == "dumb" }

    /// https://no-color.org: a set, non-empty `NO_COLOR` turns colour off unless the user insists.
    private var noColorRequested: Bool { !(environment["NO_COLOR"] ?? "").isEmpty }

    /// Colour for stdout. `auto` means: stdout is a terminal, `NO_COLOR` is unset or empty, `TERM` is not
    /// `dumb`, and we are not reading statements from a pipe (SPEC §1: piped input gets no colour).
    func colorForOutput(_ choice: ColorChoice, readingPipe: Bool) -> Bool {
        switch choice {
        case .always: return true
        case .never: return false
        case .auto: return stdoutIsTTY && !noColorRequested && !isDumb && !readingPipe
        }
    }

    /// Colour for error messages follows the same rule, asked of stderr.
    func colorForErrors(_ choice: ColorChoice) -> Bool {
        switch choice {
        case .always: return true
        case .never: return false
        case .auto: return stderrIsTTY && !noColorRequested && !isDumb
        }
    }

    /// Unicode blocks and box lines only on a terminal whose locale can show them. A locale that names a
    /// non-UTF-8 character set (`LANG=C`, `POSIX`, `…ISO-8859-1`) opts out; with no locale variables at
    /// all we assume a modern UTF-8 terminal, as containers rarely set one.
    var unicode: Bool {
        guard stdoutIsTTY, !isDumb else { return false }
        let locale = ["LC_ALL", "LC_CTYPE", "LANG"].lazy.compactMap { self.environment[$0] }
            .first { !$0.isEmpty }
        guard let locale else { return true }
        let l = locale.lowercased()
        return l.contains("utf-8") || l.contains("utf8")
    }

    /// Columns of the terminal on stdout (TIOCGWINSZ), else `COLUMNS`, else 80. Asked again before every
    /// shell entry so a resized window is picked up.
    var width: Int {
        if stdoutIsTTY {
            var size = winsize()
            if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 {
                return Int(size.ws_col)
            }
        }
        if let columns = environment["COLUMNS"].flatMap({ Int($0) }), columns > 0 { return columns }
        return 80
    }

    /// `COLORTERM` names 24-bit colour (`truecolor`, `24bit`), which terminals set for the programs in them.
    var trueColor: Bool {
        let v = (environment["COLORTERM"] ?? "").lowercased()
        return v == "truecolor" || v == "24bit"
    }

    func presentation(color: ColorChoice, readingPipe: Bool) -> Presentation {
        // Progress redraws in place only where a person watches stdout; a pipe or a file gets plain lines.
        Presentation(color: colorForOutput(color, readingPipe: readingPipe), unicode: unicode, width: width,
                     live: stdoutIsTTY, trueColor: trueColor)
    }
}

/// Unbuffered writes to a file descriptor. Output goes straight to `write(2)` so that stdout and stderr
/// interleave in the order things happened, and nothing is lost when a signal ends the process.
struct FileDescriptorWriter {
    let fd: Int32

    static let standardOutput = FileDescriptorWriter(fd: STDOUT_FILENO)
    static let standardError = FileDescriptorWriter(fd: STDERR_FILENO)

    func write(_ text: String) {
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { buffer in
            guard var base = buffer.baseAddress else { return }
            var left = buffer.count
            while left > 0 {
                let n = Foundation.write(fd, base, left)
                if n < 0 {
                    if errno == EINTR { continue }
                    return  // a closed pipe or full disk: nothing sensible left to say it with
                }
                left -= n
                base += n
            }
        }
    }
}

/// How a `ScriptError` looks on stderr: its own `rendered` text (clang's layout), with `error:` in bold
/// red and the caret line in green when colour is on. The language owns the layout; we only paint it.
func renderError(_ error: ScriptError, color: Bool) -> String {
    let text = error.rendered
    guard color else { return text + "\n" }
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let head = "\(error.file):\(error.line):\(error.column): error:"
    if let first = lines.first, first.hasPrefix(head) {
        let location = String(head.dropLast("error:".count))
        lines[0] = location + "\u{1B}[1;31merror:\u{1B}[0m\u{1B}[1m" + first.dropFirst(head.count) + "\u{1B}[0m"
    }
    if let last = lines.last, last.contains("^"), last.allSatisfy({ " \t^~".contains($0) }) {
        lines[lines.count - 1] = "\u{1B}[1;32m" + last + "\u{1B}[0m"
    }
    return lines.joined(separator: "\n") + "\n"
}
