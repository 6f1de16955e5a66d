import CEditLine
import Foundation

/// The one place that reads lines of input (STYLE 6, after lua.c and linenoise).
///
/// On a terminal it wraps libedit through its readline-compatible API (the native `el_set`/`history`
/// calls are C variadic functions, which Swift cannot call): prompts, emacs-style editing, history kept
/// in a private file, and tab completion. Anywhere else it reads plain lines with no prompt, so piped
/// input goes through exactly the same loop as typing.
final class LineEditor {
    enum Input: Equatable {
        case line(String)
        /// Ctrl-C while editing: the caller drops the entry being typed.
        case interrupted
        /// Ctrl-D on an empty line, or the end of piped input.
        case end
    }

    /// True when reading from a terminal through libedit.
    let interactive: Bool
    private let history: HistoryFile?
    private var lastRemembered: String?
    /// What `remember` kept when reading a pipe (for `:history`; nothing is saved to disk then).
    private var pipedLines: [String] = []

    /// The input history, oldest first: on a terminal every entry libedit holds (earlier sessions
    /// included, deduplicated as `remember` stores them), from a pipe the lines read so far.
    var historyEntries: [String] {
        guard interactive else { return pipedLines }
        var entries: [String] = []
        for i in 0..<Int(history_length) {
            if let entry = history_get(history_base + Int32(i)), let text = entry.pointee.line {
                entries.append(String(cString: text))
            }
        }
        return entries
    }

    /// The completer the C callback reaches; libedit's callbacks carry no context pointer.
    fileprivate static var completer: ((String) -> [String])?

    /// - Parameters:
    ///   - interactive: edit lines with libedit (stdin is a terminal) or read plain lines.
    ///   - historyFile: where history persists; nil keeps it for this session only.
    ///   - completer: candidates for the word before the cursor, given the line up to the cursor.
    init(interactive: Bool, historyFile: HistoryFile?, completer: @escaping (String) -> [String]) {
        self.interactive = interactive
        var file = interactive ? historyFile : nil
        file?.prepare()
        self.history = file
        guard interactive else { return }
        LineEditor.completer = completer

        rl_readline_name = UnsafePointer(strdup("cnns"))  // `cnns:` lines in ~/.editrc apply to us
        // Prompts and redraws go where the user looks: stdout, unless it is redirected to a file.
        rl_outstream = isatty(STDOUT_FILENO) == 1 ? stdout : stderr
        // libedit handles SIGINT (and SIGTSTP, SIGCONT, SIGWINCH) itself while a line is being read:
        // it restores the terminal, passes the signal on to our handler and makes the read fail, so
        // readline() returns NULL and `Interrupts.take()` tells Ctrl-C apart from end of input.
        rl_catch_signals = 1
        rl_initialize()
        using_history()
        stifle_history(Int32(HistoryFile.maximumEntries))

        // libedit splits words on rl_basic_word_break_characters (not the completer_ variant): at every
        // character that cannot be part of a name, so `model.la`, `stride:` and `"data/tr` complete the
        // way the session's candidates expect (see `completionReplacements`).
        rl_basic_word_break_characters = UnsafePointer(strdup(" \t\n\"'`\\@$><=;|&{}()[],+-*/%^!~:.#"))
        rl_completion_append_character = 0
        rl_attempted_completion_function = completeWord
        // Ctrl-R searches the history backwards as the user types, as in bash (libedit's emacs map
        // binds ^R to redisplay otherwise).
        _ = rl_parse_and_bind("bind ^R em-inc-search-prev")

        if let history, history.isUsable {
            _ = read_history(history.path)
            lastRemembered = Self.newestHistoryEntry()
        }
    }

    /// Reads one line (without its newline). `prompt` is shown only on a terminal.
    func read(prompt: String) -> Input {
        guard interactive else {
            guard let line = Swift.readLine(strippingNewline: true) else { return .end }
            return .line(line)
        }
        _ = Interrupts.take()
        rl_resize_terminal()  // the window may have changed size while a statement ran
        guard let raw = readline(prompt) else {
            if Interrupts.take() > 0 {
                FileDescriptorWriter.standardOutput.write("^C\n")
                return .interrupted
            }
            // libedit has echoed `^D`; whatever comes next starts on a new line.
            FileDescriptorWriter.standardOutput.write("\n")
            return .end
        }
        defer { free(raw) }
        return .line(String(cString: raw))
    }

    /// Adds a typed line to the history, unless it is blank or repeats the previous entry (an older
    /// copy of it is removed), and saves
    /// the history file at once so a closed terminal loses nothing. The whole (stifled, at most
    /// `HistoryFile.maximumEntries`) list is rewritten: libedit's `append_history` writes one entry too
    /// many (20221030), which would double every line.
    func remember(_ line: String) {
        guard !line.allSatisfy(\.isWhitespace), line != lastRemembered else { return }
        lastRemembered = line
        guard interactive else {
            pipedLines.append(line)
            return
        }
        // History keeps each line once, at its newest place (bash's erasedups): an earlier copy is
        // dropped, so Up and Ctrl-R walk distinct entries across sessions.
        let earlier = historyEntries
        if earlier.contains(line) {
            clear_history()
            for entry in earlier where entry != line { _ = add_history(entry) }
        }
        _ = add_history(line)
        if let history, history.isUsable {
            _ = write_history(history.path)
        }
    }

    /// True when the terminal itself echoes Ctrl-C as `^C` (ECHO and ECHOCTL set, as they are while a
    /// statement runs): the message that follows then needs a line of its own.
    var terminalEchoesControlCharacters: Bool {
        guard interactive else { return false }
        var modes = termios()
        guard tcgetattr(STDIN_FILENO, &modes) == 0 else { return false }
        let wanted = tcflag_t(ECHO | ECHOCTL)
        return modes.c_lflag & wanted == wanted
    }

    private static func newestHistoryEntry() -> String? {
        guard history_length > 0,
              let entry = history_get(history_base + history_length - 1),
              let text = entry.pointee.line else { return nil }
        return String(cString: text)
    }
}

/// Where the shell's history lives: `$XDG_STATE_HOME/cnns/history`, else `~/.local/state/cnns/history`.
/// Directories we create are 0700 and the file is 0600 (libedit also sets 0600 whenever it writes).
struct HistoryFile {
    static let maximumEntries = 1000

    let path: String
    private(set) var isUsable = false

    init?(environment: [String: String]) {
        // The XDG spec says relative paths in these variables are invalid and must be ignored.
        if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") {
            path = state + "/cnns/history"
        } else if let home = environment["HOME"], home.hasPrefix("/") {
            path = home + "/.local/state/cnns/history"
        } else {
            return nil
        }
    }

    /// Creates the missing directories (0700) and the file (0600). On failure, says so once on stderr
    /// and keeps history for this session only.
    mutating func prepare() {
        let directory = (path as NSString).deletingLastPathComponent
        var built = ""
        for component in directory.split(separator: "/") {
            built += "/" + component
            if mkdir(built, 0o700) != 0 && errno != EEXIST {
                warn("cannot create \(built): \(String(cString: strerror(errno)))")
                return
            }
        }
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            warn("cannot open \(path): \(String(cString: strerror(errno)))")
            return
        }
        close(fd)
        isUsable = true
    }

    private func warn(_ reason: String) {
        FileDescriptorWriter.standardError.write("cnns: history will not be saved: \(reason)\n")
    }
}

/// libedit's completion hook: `text` is the word before the cursor, split at the break characters.
/// Returns a malloc'd, NULL-terminated array whose first element replaces `text` (the candidates'
/// common prefix) followed by the candidates, as readline expects; libedit frees it.
private func completeWord(_ text: UnsafePointer<CChar>?, _ start: Int32, _ end: Int32)
    -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
{
    rl_attempted_completion_over = 1  // never fall back to libedit's own file-name completion
    let word = text.map { String(cString: $0) } ?? ""
    let line = rl_line_buffer.map { String(cString: $0) } ?? word
    let prefix = String(decoding: Array(line.utf8.prefix(Int(max(0, end)))), as: UTF8.self)
    let candidates = LineEditor.completer?(prefix) ?? []
    let replacements = completionReplacements(prefix: prefix, word: word, candidates: candidates)
    guard !replacements.isEmpty else { return nil }
    let entries = replacements.count == 1 ? replacements : [commonPrefix(replacements)] + replacements
    guard let raw = malloc((entries.count + 1) * MemoryLayout<UnsafeMutablePointer<CChar>?>.stride) else {
        return nil
    }
    let result = raw.bindMemory(to: UnsafeMutablePointer<CChar>?.self, capacity: entries.count + 1)
    for (i, entry) in entries.enumerated() { result[i] = strdup(entry) }
    result[entries.count] = nil
    return result
}

/// What replaces libedit's `word` (the end of `prefix`) for each candidate, sorted, without repeats.
///
/// The session's candidates are whole words that replace *its* idea of the partial word: the
/// identifier before the cursor, a member after `.`, a file name after the last `/` inside a string.
/// libedit may have split the word differently (`my-fi` in a path is two words to it), so the partial
/// word is recovered per candidate as the longest end of `prefix` that begins the candidate, and the
/// replacement for libedit's word is adjusted by the difference.
func completionReplacements(prefix: String, word: String, candidates: [String]) -> [String] {
    let typed = Array(prefix)
    let wordLength = min(word.count, typed.count)
    var seen = Set<String>()
    var result: [String] = []
    for candidate in candidates where !candidate.isEmpty {
        let letters = Array(candidate)
        var partial = min(letters.count, typed.count)
        while partial > 0 && Array(typed[(typed.count - partial)...]) != Array(letters[..<partial]) { partial -= 1 }
        let replacement: String
        if partial >= wordLength {
            replacement = String(letters[(partial - wordLength)...])
        } else {
            replacement = String(typed[(typed.count - wordLength)..<(typed.count - partial)]) + candidate
        }
        if seen.insert(replacement).inserted { result.append(replacement) }
    }
    return result.sorted()
}

/// The longest common prefix of the strings, by whole characters.
func commonPrefix(_ words: [String]) -> String {
    guard var prefix = words.first else { return "" }
    for word in words.dropFirst() {
        while !word.hasPrefix(prefix) { prefix.removeLast() }
    }
    return prefix
}
