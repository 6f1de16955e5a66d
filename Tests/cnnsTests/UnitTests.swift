@testable import cnns
import CNNScript
import Foundation
import Testing

/// The host's own small decisions, tested without a subprocess.
@Suite("cnns host logic")
struct HostLogicTests {
    @Test("completion: whole-word candidates become replacements for libedit's word")
    func completionReplacement() {
        // Identifiers: libedit's word and the session's partial word agree.
        #expect(completionReplacements(prefix: "y = con", word: "con", candidates: ["conv", "concat", "conv"])
                == ["concat", "conv"])
        // Members after `.` and labels: the candidate is the member or label.
        #expect(completionReplacements(prefix: "model.la", word: "la", candidates: ["layers"]) == ["layers"])
        #expect(completionReplacements(prefix: "conv(x, k, st", word: "st", candidates: ["stride:"]) == ["stride:"])
        // A file name in a string: libedit split `my-fi` at `-`, the session replaces all of it.
        #expect(completionReplacements(prefix: "load(\"data/my-fi", word: "fi", candidates: ["my-file.npy"])
                == ["file.npy"])
        // libedit's word longer than the session's (a break character it does not know about).
        #expect(completionReplacements(prefix: "a$bc", word: "a$bc", candidates: ["bcd"]) == ["a$bcd"])
        // Nothing typed yet: every candidate as is.
        #expect(completionReplacements(prefix: "f(", word: "", candidates: ["x:", "y:"]) == ["x:", "y:"])
        #expect(completionReplacements(prefix: "zz", word: "zz", candidates: []) == [])
    }

    @Test("the common prefix is taken by whole characters")
    func commonPrefixOfWords() {
        #expect(commonPrefix(["convolve", "conv", "concat"]) == "con")
        #expect(commonPrefix(["été", "étude"]) == "ét")
        #expect(commonPrefix(["x"]) == "x")
        #expect(commonPrefix(["a", "b"]) == "")
        #expect(commonPrefix([]) == "")
    }

    @Test("colour follows --color, NO_COLOR, TERM=dumb, the TTY and piped input")
    func colourDecision() {
        func terminal(tty: Bool, _ environment: [String: String] = [:]) -> Terminal {
            Terminal(stdinIsTTY: tty, stdoutIsTTY: tty, stderrIsTTY: tty, environment: environment)
        }
        #expect(terminal(tty: true).colorForOutput(.auto, readingPipe: false))
        #expect(!terminal(tty: false).colorForOutput(.auto, readingPipe: false))
        #expect(!terminal(tty: true).colorForOutput(.auto, readingPipe: true))
        #expect(!terminal(tty: true, ["NO_COLOR": "1"]).colorForOutput(.auto, readingPipe: false))
        #expect(terminal(tty: true, ["NO_COLOR": ""]).colorForOutput(.auto, readingPipe: false))
        #expect(!terminal(tty: true, ["TERM": "dumb"]).colorForOutput(.auto, readingPipe: false))
        #expect(terminal(tty: false, ["NO_COLOR": "1"]).colorForOutput(.always, readingPipe: true))
        #expect(!terminal(tty: true).colorForOutput(.never, readingPipe: false))
        #expect(!terminal(tty: true, ["NO_COLOR": "yes"]).colorForErrors(.auto))
        #expect(terminal(tty: true).colorForErrors(.auto))
        // 24-bit colour is the terminal's to say (COLORTERM); the language reads it from the presentation.
        #expect(terminal(tty: true, ["COLORTERM": "truecolor"]).presentation(color: .auto, readingPipe: false).trueColor)
        #expect(terminal(tty: true, ["COLORTERM": "24BIT"]).trueColor)
        #expect(!terminal(tty: true, ["COLORTERM": "yes"]).trueColor && !terminal(tty: true).trueColor)
    }

    @Test("Unicode only on a terminal whose locale allows it; width from COLUMNS off a terminal")
    func unicodeAndWidth() {
        func terminal(tty: Bool, _ environment: [String: String]) -> Terminal {
            Terminal(stdinIsTTY: tty, stdoutIsTTY: tty, stderrIsTTY: tty, environment: environment)
        }
        #expect(terminal(tty: true, [:]).unicode)
        #expect(terminal(tty: true, ["LANG": "en_US.UTF-8"]).unicode)
        #expect(terminal(tty: true, ["LC_ALL": "C.utf8", "LANG": "C"]).unicode)
        #expect(!terminal(tty: true, ["LANG": "C"]).unicode)
        #expect(!terminal(tty: true, ["LC_CTYPE": "POSIX"]).unicode)
        #expect(!terminal(tty: false, ["LANG": "en_US.UTF-8"]).unicode)
        #expect(!terminal(tty: true, ["TERM": "dumb"]).unicode)
        #expect(terminal(tty: false, ["COLUMNS": "132"]).width == 132)
        #expect(terminal(tty: false, ["COLUMNS": "wide"]).width == 80)
        #expect(terminal(tty: false, [:]).width == 80)
    }

    @Test("error reports are painted without changing their text")
    func paintedErrors() {
        let error = ScriptError(file: "a.cnns", line: 3, column: 5, message: "boom", sourceLine: "x = boom")
        #expect(renderError(error, color: false) == error.rendered + "\n")
        let painted = renderError(error, color: true)
        let stripped = painted.replacingOccurrences(of: "\u{1B}\\[[0-9;]*m", with: "", options: .regularExpression)
        #expect(stripped == error.rendered + "\n")
        #expect(painted.contains("\u{1B}[1;31merror:"))
    }

    @Test("history lives under XDG_STATE_HOME (absolute only), else ~/.local/state")
    func historyLocation() {
        #expect(HistoryFile(environment: ["XDG_STATE_HOME": "/s", "HOME": "/h"])?.path == "/s/cnns/history")
        #expect(HistoryFile(environment: ["XDG_STATE_HOME": "rel", "HOME": "/h"])?.path == "/h/.local/state/cnns/history")
        #expect(HistoryFile(environment: ["HOME": "/h"])?.path == "/h/.local/state/cnns/history")
        #expect(HistoryFile(environment: [:]) == nil)
    }
}
