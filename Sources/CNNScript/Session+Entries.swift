import CNNKit
import Foundation

/// One top-level entry of input: the lines that run as one unit, and what `Session.prepare` made of
/// them (`.ready` or `.failed`; an entry still open when the input ends is `.failed`, its error saying
/// what is missing).
public struct SourceEntry {
    /// The entry's lines as written.
    public var text: String
    /// The 1-based number of `text`'s first line in the input.
    public var line: Int
    public var prepared: Prepared
}

/// Groups input lines into entries the way the shell reads them: a line that leaves a bracket, brace
/// or string open (`Prepared.incomplete`) continues on the next lines until it is closed, and each
/// entry is parsed once, as it completes. Blank lines between entries are skipped but still counted.
public struct EntryReader {
    let session: Session
    let file: String
    /// Number every entry's lines from 1 (the interactive shell, as Python's `<stdin>` does) rather than
    /// by their line in the input (pipes and scripts, so errors point into the file).
    let numberedFromOne: Bool
    private var lines: [String] = []
    private var first = 1
    private var missing: ScriptError?

    public init(session: Session, file: String, numberedFromOne: Bool = false) {
        self.session = session
        self.file = file
        self.numberedFromOne = numberedFromOne
    }

    /// True while an entry is open (the shell shows the continuation prompt).
    public var isOpen: Bool { !lines.isEmpty }

    /// Adds line `number` (1-based); returns the entry when this line completes one. A reader that
    /// knows the input ahead (a whole script) passes the next line that is not blank or a comment:
    /// when it starts with `else`, the entry stays open for it (`}` and `else` on separate lines).
    public mutating func add(_ line: String, number: Int, next: String? = nil) -> SourceEntry? {
        if lines.isEmpty {
            if line.allSatisfy(\.isWhitespace) { return nil }
            first = number
        }
        lines.append(line)
        let text = lines.joined(separator: "\n")
        let prepared = session.prepare(text, file: file, firstLine: numberedFromOne ? 1 : first)
        if case .incomplete(let error) = prepared {
            missing = error
            return nil
        }
        if let next, EntryReader.startsWithElse(next) {
            missing = nil
            return nil
        }
        lines = []
        return SourceEntry(text: text, line: first, prepared: prepared)
    }

    static func startsWithElse(_ line: String) -> Bool {
        let trimmed = line.drop { $0.isWhitespace }
        guard trimmed.hasPrefix("else") else { return false }
        guard let next = trimmed.dropFirst(4).first else { return true }
        return !(next.isLetter || next.isNumber || next == "_")
    }

    /// The entry still open at the end of input, failed with what it misses.
    public mutating func finish() -> SourceEntry? {
        defer { cancel() }
        guard !lines.isEmpty else { return nil }
        let text = lines.joined(separator: "\n")
        guard let missing else {
            // Held open for an `else` that did not come: it stands as it is.
            return SourceEntry(text: text, line: first, prepared: session.prepare(text, file: file, firstLine: first))
        }
        return SourceEntry(text: text, line: first, prepared: .failed(missing))
    }

    /// Drops the open entry (Ctrl-C).
    public mutating func cancel() {
        lines = []
        missing = nil
    }
}

extension Session {
    /// A whole script as its top-level entries, for hosts that run it entry by entry (`--keep-going`,
    /// `--transcript`): read line by line as the shell reads them, and, knowing the whole text, with
    /// two look-aheads the shell cannot make: an `else` on the line after a `}` continues the `if`
    /// (`EntryReader.add(_:number:next:)`), and comment lines belong to the statement after them (a
    /// comment after the last statement is no entry). Statements sharing a line stay one entry.
    public func entries(of script: String, file: String) -> [SourceEntry] {
        let lines = script.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
        }
        func isFiller(_ line: String) -> Bool {
            let trimmed = line.drop { $0.isWhitespace }
            return trimmed.isEmpty || trimmed.hasPrefix("#")
        }
        var reader = EntryReader(session: self, file: file)
        var read: [SourceEntry] = []
        for (index, line) in lines.enumerated() {
            let next = lines[(index + 1)...].first { !isFiller($0) }
            if let entry = reader.add(line, number: index + 1, next: next) { read.append(entry) }
        }
        if let entry = reader.finish() { read.append(entry) }

        // Comment-only entries join the entry after them (prepared again with their lines).
        var entries: [SourceEntry] = []
        var comments: Int?
        for entry in read {
            if case .ready(let program) = entry.prepared, program.isEmpty {
                comments = comments ?? entry.line
                continue
            }
            guard let start = comments else {
                entries.append(entry)
                continue
            }
            let end = entry.line + entry.text.split(separator: "\n", omittingEmptySubsequences: false).count - 1
            let text = lines[(start - 1)..<end].joined(separator: "\n")
            entries.append(SourceEntry(text: text, line: start, prepared: prepare(text, file: file, firstLine: start)))
            comments = nil
        }
        return entries
    }
}

/// Why a script file could not be read, in the system's words (`No such file or directory`).
public struct UnreadableSource: Error, CustomStringConvertible {
    public var description: String
}

extension Session {
    /// The text of a script file, for every way a file is run (`cnns FILE`, `-i`, `--transcript`,
    /// `:run`): read by the engine's `FileReader` (in chunks, Ctrl-C checked between them), decoded as
    /// UTF-8 (invalid bytes become U+FFFD, which the lexer then rejects with a place), without the
    /// byte-order mark some editors start a file with. Throws `UnreadableSource`, or `CancelledError`.
    public static func readSource(_ path: String) throws -> String {
        let bytes: [UInt8]
        do {
            bytes = try FileReader.read(path)
        } catch let failure as FileReader.Failure {
            switch failure.reason {
            case .unreadable(let why): throw UnreadableSource(description: why)
            case .notRegularFile:
                var info = stat()
                let directory = stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
                throw UnreadableSource(description: directory ? String(cString: strerror(EISDIR)) : "not a regular file")
            case .tooLarge, .changedWhileReading:
                throw UnreadableSource(description: failure.description)
            }
        }
        let start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        return String(decoding: bytes[start...], as: UTF8.self)
    }
}
