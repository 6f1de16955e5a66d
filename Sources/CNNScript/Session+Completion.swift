import CNNKit
import Foundation

extension Session {
    /// Completion candidates for the word that ends at the end of `prefix`: inside a string, the names
    /// of files (`load("data/tr` → `train.npy`, directories with a trailing `/`); after `x.` the members of
    /// `x`; otherwise the labels of the function being called (`stride:`), variables, builtins and
    /// keywords. Each candidate is the whole word, to replace the partial one.
    public func completions(for prefix: String) -> [String] {
        if Session.isMeta(prefix) { return metaCompletions(prefix) }
        let chars = Array(prefix)
        if let path = Completion.openString(chars) { return Completion.files(matching: path) }
        var start = chars.count
        while start > 0, chars[start - 1].isLetter || chars[start - 1].isNumber || chars[start - 1] == "_" { start -= 1 }
        let word = String(chars[start...])
        if start > 0, chars[start - 1] == "." {
            return memberCompletions(before: Array(chars[..<(start - 1)])).filter { $0.hasPrefix(word) }
        }
        var candidates: [String] = []
        if let callee = Completion.enclosingCall(Array(chars[..<start])) {
            candidates += labels(of: callee).filter { $0.hasPrefix(word) }.sorted()
            // A typed start that begins a label of the call (`conv(x, k, st`) means that label: offer
            // only the labels, so one Tab gives `stride:`; other names come back once no label fits.
            if !word.isEmpty, !candidates.isEmpty { return candidates }
        }
        guard !word.isEmpty || !candidates.isEmpty else { return [] }
        var names = Set(globals.allNames)
        names.formUnion(Builtins.all.map(\.name))
        names.formUnion(Constants.names)
        names.formUnion(TokenKind.keywords.keys.filter { $0.count > 2 })
        candidates += names.filter { $0.hasPrefix(word) && !word.isEmpty }.sorted()
        return candidates
    }

    /// `:ti` → `:timeit`, `:time`; after `:load `, `:save ` or `:run ` file names; after `:del `, `:who ` and
    /// `:save FILE ` variable names; after `:help ` meta-commands and builtins.
    private func metaCompletions(_ prefix: String) -> [String] {
        let body = prefix.drop { $0.isWhitespace }.dropFirst()
        let words = body.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        guard let command = words.first else { return [] }
        let current = words.last ?? ""
        if words.count == 1 {
            return Session.metaCommands.map(\.name).filter { $0.hasPrefix(command) }
        }
        switch command {
        case "load" where words.count == 2, "save" where words.count == 2, "run" where words.count == 2:
            return Completion.files(matching: current)
        case "del", "who", "whos", "save":
            return globals.allNames.filter { $0.hasPrefix(current) }
        case "help":
            let names = Session.metaCommands.map(\.name) + Builtins.all.map(\.name)
            return Set(names).filter { $0.hasPrefix(current) }.sorted()
        default:
            return []
        }
    }

    private func labels(of callee: String) -> [String] {
        let function: Function?
        if case .function(let f)? = globals.lookup(callee) {
            function = f
        } else {
            function = Builtins.byName[callee].map { Function(.builtin($0)) }
        }
        return function?.parameters.filter { $0.passing != .variadic }.map { "\($0.name):" } ?? []
    }

    /// Members of the value named by a chain like `model.layers` (no calls are evaluated).
    private func memberCompletions(before chars: [Character]) -> [String] {
        var start = chars.count
        while start > 0, chars[start - 1].isLetter || chars[start - 1].isNumber || chars[start - 1] == "_" || chars[start - 1] == "." {
            start -= 1
        }
        let path = String(chars[start...]).split(separator: ".").map(String.init)
        guard let first = path.first, var value = globals.lookup(first) else { return [] }
        for name in path.dropFirst() {
            guard let next = try? interpreter.member(value, name, at: SourcePos(line: 1, column: 1)) else { return [] }
            value = next
        }
        switch value {
        case .tensor: return Interpreter.tensorMembers + Interpreter.gradMembers
        case .object(let o): return o.memberNames.sorted()
        default: return []
        }
    }
}

enum Completion {
    /// The text of the string literal still open at the end of `chars`, or nil when none is open.
    static func openString(_ chars: [Character]) -> String? {
        var inString = false
        var start = 0
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if inString {
                if c == "\\" { i += 1 } else if c == "\"" { inString = false }
            } else if c == "#" {
                return nil
            } else if c == "\"" {
                inString = true
                start = i + 1
            }
            i += 1
        }
        return inString ? String(chars[min(start, chars.count)...]) : nil
    }

    /// Entries of the directory part of `path` whose names start with its last part.
    static func files(matching path: String) -> [String] {
        let slash = path.lastIndex(of: "/")
        let dir = slash.map { String(path[...$0]) } ?? ""
        let partial = slash.map { String(path[path.index(after: $0)...]) } ?? path
        let expanded = dir.hasPrefix("~") ? (dir as NSString).expandingTildeInPath : dir
        let listing = (try? FileManager.default.contentsOfDirectory(atPath: expanded.isEmpty ? "." : expanded)) ?? []
        var names: [String] = []
        for name in listing.sorted() where name.hasPrefix(partial) && (partial.hasPrefix(".") || !name.hasPrefix(".")) {
            var isDir: ObjCBool = false
            let full = (expanded.isEmpty ? "" : expanded.hasSuffix("/") ? expanded : expanded + "/") + name
            _ = FileManager.default.fileExists(atPath: full, isDirectory: &isDir)
            names.append(isDir.boolValue ? name + "/" : name)
            if names.count >= 200 { break }
        }
        return names
    }

    /// The name of the function whose argument list is open at the end of `chars`, if any.
    static func enclosingCall(_ chars: [Character]) -> String? {
        var depth = 0
        var inString = false
        var opens: [Int] = []
        for (i, c) in chars.enumerated() {
            if inString {
                if c == "\"" { inString = false }
                continue
            }
            switch c {
            case "\"": inString = true
            case "(", "[", "{": opens.append(i); depth += 1
            case ")", "]", "}": if !opens.isEmpty { opens.removeLast() }
            default: break
            }
        }
        guard let open = opens.last, chars[open] == "(" else { return nil }
        var end = open
        while end > 0, chars[end - 1] == " " { end -= 1 }
        var begin = end
        while begin > 0, chars[begin - 1].isLetter || chars[begin - 1].isNumber || chars[begin - 1] == "_" { begin -= 1 }
        return begin < end ? String(chars[begin..<end]) : nil
    }

    /// The candidate closest to a misspelt name, when it is close enough to be a likely typo.
    static func nearest(_ name: String, among candidates: [String]) -> String? {
        // Two-letter names are one typo away from too many others for a guess to help.
        guard name.count > 2 else { return nil }
        let limit = max(1, name.count / 3)
        var best: (String, Int)?
        for c in Set(candidates) where c != name {
            let d = distance(name, c)
            if d <= limit, d < (best?.1 ?? Int.max) || (d == best?.1 && c < (best?.0 ?? "")) { best = (c, d) }
        }
        return best?.0
    }

    /// Levenshtein distance.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var row = [i] + [Int](repeating: 0, count: b.count)
            for j in 1...b.count {
                row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = row
        }
        return previous[b.count]
    }
}
