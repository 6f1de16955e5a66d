/// One top-level statement of a script with its source text, for hosts that run a file statement by
/// statement (`cnns --transcript`).
public struct SourceStatement: Equatable, Sendable {
    /// The statement's lines, with the comment lines just above it; no trailing blank lines.
    public var text: String
    /// The 1-based line of `text`'s first line in the file.
    public var line: Int
}

extension Session {
    /// Splits a script into its top-level statements using the parser, so a statement spanning lines
    /// (`fn`, `if … else`, an open bracket) stays whole. Statements that share a line stay together
    /// (they run as one chunk); comments and blank lines before a statement belong to it, and a
    /// trailing comment after the last statement forms no statement of its own. Throws `ScriptError`
    /// when the script does not parse.
    public static func splitStatements(_ source: String, file: String = "<input>") throws -> [SourceStatement] {
        let statements: [Stmt]
        do {
            statements = try Parser.parse(source, file: file)
        } catch let e as SyntaxError {
            let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
            let text = e.pos.line >= 1 && e.pos.line <= lines.count ? String(lines[e.pos.line - 1]) : ""
            throw ScriptError(file: file, line: e.pos.line, column: e.pos.column, message: e.message, sourceLine: text)
        }
        let lines = source.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
        }
        let starts = Array(Set(statements.map(\.pos.line))).sorted().filter { $0 >= 1 && $0 <= lines.count }
        func isFiller(_ index: Int) -> Bool {
            let trimmed = lines[index].drop { $0.isWhitespace }
            return trimmed.isEmpty || trimmed.hasPrefix("#")
        }
        var result: [SourceStatement] = []
        var begin = 0  // 0-based first line of the next chunk (comments above a statement go with it)
        for (k, start) in starts.enumerated() {
            var end = (k + 1 < starts.count ? starts[k + 1] : lines.count + 1) - 2  // 0-based last line
            // Comment and blank lines just before the next statement belong to it.
            while end > start - 1, isFiller(end) { end -= 1 }
            while begin < start - 1, lines[begin].allSatisfy(\.isWhitespace) { begin += 1 }
            result.append(SourceStatement(text: lines[begin...end].joined(separator: "\n"), line: begin + 1))
            begin = end + 1
        }
        // A statement that ends on the line where the next one starts (`x = [1,⏎2]; y = 3`) was cut at
        // that line; joining with the following chunk until it parses mends it.
        var mended: [SourceStatement] = []
        var pending: SourceStatement?
        for chunk in result {
            if var open = pending {
                open.text += "\n" + chunk.text
                pending = open
            } else {
                pending = chunk
            }
            if let open = pending, (try? Parser.parse(open.text)) != nil {
                mended.append(open)
                pending = nil
            }
        }
        if let pending { mended.append(pending) }
        return mended
    }
}
