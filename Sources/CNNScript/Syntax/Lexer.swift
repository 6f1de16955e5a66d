/// Turns source text into tokens (Crafting Interpreters' scanner).
///
/// Newlines end statements, except inside `( … )` and `[ … ]`, where an expression simply continues on
/// the next line; inside `{ … }` they separate the block's statements again. `#` starts a comment that
/// runs to the end of the line.
struct Lexer {
    private let chars: [Character]
    private var index = 0
    private(set) var line: Int
    private(set) var column = 1
    /// Open brackets, innermost last: decides whether a newline is a separator.
    private(set) var openBrackets: [Token] = []

    init(_ source: String, firstLine: Int = 1) {
        chars = Array(source)
        line = firstLine
    }

    /// All tokens, ending with `.eof`. Throws `SyntaxError` (incomplete for an unterminated string).
    static func tokenize(_ source: String, firstLine: Int = 1) throws -> (tokens: [Token], unclosed: [Token]) {
        var lexer = Lexer(source, firstLine: firstLine)
        var tokens: [Token] = []
        while true {
            var t = try lexer.next()
            t.end = SourcePos(line: lexer.line, column: lexer.column)
            tokens.append(t)
            if t.kind == .eof { break }
        }
        return (tokens, lexer.openBrackets)
    }

    private var peek: Character? { index < chars.count ? chars[index] : nil }
    private var peekNext: Character? { index + 1 < chars.count ? chars[index + 1] : nil }

    private mutating func advance() -> Character {
        let c = chars[index]
        index += 1
        if c == "\n" { line += 1; column = 1 } else { column += 1 }
        return c
    }

    private var newlineSignificant: Bool {
        guard let top = openBrackets.last else { return true }
        return top.kind == .leftBrace
    }

    mutating func next() throws -> Token {
        while let c = peek {
            if c == "\n" {
                let pos = SourcePos(line: line, column: column)
                _ = advance()
                if newlineSignificant { return Token(kind: .newline, text: "\\n", pos: pos) }
            } else if c == " " || c == "\t" || c == "\r" {
                _ = advance()
            } else if c == "#" {
                while let d = peek, d != "\n" { _ = advance() }
            } else {
                break
            }
        }
        let pos = SourcePos(line: line, column: column)
        guard let c = peek else { return Token(kind: .eof, text: "", pos: pos) }
        if c.isNumber && c.isASCII { return try number(pos) }
        if c.isLetter || c == "_" { return identifier(pos) }
        if c == "\"" { return try string(pos) }
        return try symbol(pos)
    }

    private mutating func identifier(_ pos: SourcePos) -> Token {
        var text = ""
        while let c = peek, c.isLetter || c.isNumber || c == "_" { text.append(advance()) }
        return Token(kind: TokenKind.keywords[text] ?? .identifier, text: text, pos: pos)
    }

    private mutating func digits(into text: inout String) {
        while let c = peek, c.isASCII, c.isNumber { text.append(advance()) }
    }

    private mutating func number(_ pos: SourcePos) throws -> Token {
        var text = ""
        digits(into: &text)
        // `1.5` is a number; `1.` or `1.x` is not (a member access on a number is an error later).
        if peek == ".", let d = peekNext, d.isASCII, d.isNumber {
            text.append(advance())
            digits(into: &text)
        }
        if let e = peek, e == "e" || e == "E" {
            let save = (index, line, column)
            var exp = String(advance())
            if let s = peek, s == "+" || s == "-" { exp.append(advance()) }
            if let d = peek, d.isASCII, d.isNumber {
                digits(into: &exp)
                text += exp
            } else {
                (index, line, column) = save
            }
        }
        if let c = peek, c.isLetter || c == "_" {
            throw SyntaxError(message: "unexpected '\(c)' after number \(text)", pos: SourcePos(line: line, column: column), incomplete: false)
        }
        guard let value = Double(text) else {
            throw SyntaxError(message: "malformed number \(text)", pos: pos, incomplete: false)
        }
        return Token(kind: .number, text: text, number: value, pos: pos)
    }

    private mutating func string(_ pos: SourcePos) throws -> Token {
        _ = advance()
        var text = ""
        while true {
            guard let c = peek else {
                throw SyntaxError(message: "unterminated string (opened at \(pos))", pos: pos, incomplete: true)
            }
            _ = advance()
            if c == "\"" { break }
            if c == "\\" {
                let escPos = SourcePos(line: line, column: column - 1)
                guard let e = peek else {
                    throw SyntaxError(message: "unterminated string (opened at \(pos))", pos: pos, incomplete: true)
                }
                _ = advance()
                switch e {
                case "n": text.append("\n")
                case "t": text.append("\t")
                case "r": text.append("\r")
                case "\"": text.append("\"")
                case "\\": text.append("\\")
                case "0": text.append("\0")
                default:
                    throw SyntaxError(message: "unknown escape '\\\(e)' in string (use \\n \\t \\\" \\\\)", pos: escPos, incomplete: false)
                }
            } else {
                text.append(c)
            }
        }
        return Token(kind: .string, text: text, pos: pos)
    }

    private mutating func symbol(_ pos: SourcePos) throws -> Token {
        let c = advance()
        func make(_ kind: TokenKind, _ text: String) -> Token { Token(kind: kind, text: text, pos: pos) }
        func match(_ d: Character) -> Bool {
            if peek == d { _ = advance(); return true }
            return false
        }
        switch c {
        case "+": return make(.plus, "+")
        case "-": return make(.minus, "-")
        case "*": return match("*") ? make(.starStar, "**") : make(.star, "*")
        case "/": return make(.slash, "/")
        case "@": return make(.at, "@")
        case "=": return match("=") ? make(.equalEqual, "==") : make(.assign, "=")
        case "!": return match("=") ? make(.bangEqual, "!=") : make(.not, "!")
        case "<": return match("=") ? make(.lessEqual, "<=") : make(.less, "<")
        case ">": return match("=") ? make(.greaterEqual, ">=") : make(.greater, ">")
        case "&":
            if match("&") { return make(.and, "&&") }
            throw SyntaxError(message: "unexpected '&' (did you mean '&&' or 'and'?)", pos: pos, incomplete: false)
        case "|":
            if match(">") { return make(.pipe, "|>") }
            if match("|") { return make(.or, "||") }
            throw SyntaxError(message: "unexpected '|' (did you mean '|>' or '||'?)", pos: pos, incomplete: false)
        case ",": return make(.comma, ",")
        case ":": return make(.colon, ":")
        case ";": return make(.semicolon, ";")
        case ".": return make(.dot, ".")
        case "(", "[", "{":
            let t = make(c == "(" ? .leftParen : c == "[" ? .leftBracket : .leftBrace, String(c))
            openBrackets.append(t)
            return t
        case ")", "]", "}":
            let kind: TokenKind = c == ")" ? .rightParen : c == "]" ? .rightBracket : .rightBrace
            let opener: TokenKind = c == ")" ? .leftParen : c == "]" ? .leftBracket : .leftBrace
            guard let top = openBrackets.last else {
                throw SyntaxError(message: "unmatched '\(c)'", pos: pos, incomplete: false)
            }
            guard top.kind == opener else {
                throw SyntaxError(message: "'\(c)' does not match '\(top.text)' opened at \(top.pos)", pos: pos, incomplete: false)
            }
            openBrackets.removeLast()
            return make(kind, String(c))
        default:
            throw SyntaxError(message: "unexpected character '\(c)'", pos: pos, incomplete: false)
        }
    }
}
