import CNNScript

/// A piece of source that runs as one unit, with the number of its first line for error messages.
struct Entry: Equatable {
    var source: String
    var firstLine: Int
}

/// Groups input lines into entries the way the shell does: a line that leaves a bracket, brace or
/// string open (`Session.isIncomplete`) continues on the next lines until it is closed. Blank lines
/// between entries are skipped but still counted.
struct EntryBuffer {
    private var lines: [String] = []
    private var first = 1

    /// True while an entry is open (the shell shows the continuation prompt).
    var isOpen: Bool { !lines.isEmpty }

    /// Adds line `number` (1-based); returns the entry when this line completes one.
    mutating func add(_ line: String, number: Int) -> Entry? {
        if lines.isEmpty {
            if line.allSatisfy(\.isWhitespace) { return nil }
            first = number
        }
        lines.append(line)
        let source = lines.joined(separator: "\n")
        if Session.isIncomplete(source) { return nil }
        lines = []
        return Entry(source: source, firstLine: first)
    }

    /// Hands over the entry still open at the end of input (running it reports what is missing).
    mutating func finish() -> Entry? {
        defer { lines = [] }
        return lines.isEmpty ? nil : Entry(source: lines.joined(separator: "\n"), firstLine: first)
    }

    /// Drops the open entry (Ctrl-C).
    mutating func cancel() { lines = [] }
}

/// Splits a whole script into its top-level entries, for `--keep-going`, which must be able to go on
/// after a failed statement. Knowing the whole text, it can look ahead: an entry whose first line
/// starts with `else` belongs to the `if` before it (`}` and `else` on separate lines), which a shell
/// reading line by line cannot know.
func splitEntries(_ text: String) -> [Entry] {
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    var buffer = EntryBuffer()
    var ranges: [ClosedRange<Int>] = []  // 0-based line ranges
    func append(_ entry: Entry, last: Int) {
        let range = (entry.firstLine - 1)...last
        if startsWithElse(entry.source), let previous = ranges.last {
            ranges[ranges.count - 1] = previous.lowerBound...range.upperBound
        } else {
            ranges.append(range)
        }
    }
    for (index, line) in lines.enumerated() {
        if let entry = buffer.add(line, number: index + 1) { append(entry, last: index) }
    }
    if let entry = buffer.finish() { append(entry, last: lines.count - 1) }
    return ranges.map { Entry(source: lines[$0].joined(separator: "\n"), firstLine: $0.lowerBound + 1) }
}

private func startsWithElse(_ source: String) -> Bool {
    let trimmed = source.drop { $0.isWhitespace }
    guard trimmed.hasPrefix("else") else { return false }
    guard let next = trimmed.dropFirst(4).first else { return true }
    return !(next.isLetter || next.isNumber || next == "_")
}
