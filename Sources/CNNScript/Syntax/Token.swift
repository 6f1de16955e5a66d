/// A place in the source: 1-based line and column (columns count characters, not bytes).
struct SourcePos: Equatable, Hashable, Sendable, CustomStringConvertible {
    var line: Int
    var column: Int
    var description: String { "\(line):\(column)" }
}

/// The kinds of token the lexer produces. Word operators (`and`, `or`, `not`) and their symbol
/// spellings (`&&`, `||`, `!`) produce the same kind, so the parser treats them alike.
enum TokenKind: Equatable, Hashable, Sendable {
    case number, string, identifier
    // keywords
    case fn, forKeyword, inKeyword, ifKeyword, elseKeyword, trueKeyword, falseKeyword, noneKeyword, noGrad
    case and, or, not
    // operators
    case plus, minus, star, slash, starStar, at, pipe
    case equalEqual, bangEqual, less, lessEqual, greater, greaterEqual
    case assign, comma, colon, semicolon, dot
    case leftParen, rightParen, leftBracket, rightBracket, leftBrace, rightBrace
    case newline, eof

    static let keywords: [String: TokenKind] = [
        "fn": .fn, "for": .forKeyword, "in": .inKeyword, "if": .ifKeyword, "else": .elseKeyword,
        "true": .trueKeyword, "false": .falseKeyword, "none": .noneKeyword, "no_grad": .noGrad,
        "and": .and, "or": .or, "not": .not,
    ]
}

/// One token with its place. `number` holds the value of a number literal, `text` the decoded
/// contents of a string literal or the spelling of anything else.
struct Token: Equatable, Sendable {
    var kind: TokenKind
    var text: String
    var number: Double = 0
    var pos: SourcePos
    /// Just past the token's last character: errors at the end of the input point here.
    var end: SourcePos? = nil

    /// How the token is named in error messages: `'('`, `end of input`, `identifier 'x'`.
    var display: String {
        switch kind {
        case .eof: return "end of input"
        case .newline: return "end of line"
        case .number: return "number \(text)"
        case .string: return "string"
        case .identifier: return "'\(text)'"
        default: return "'\(text)'"
        }
    }
}

/// A syntax error. `incomplete` is set when the input simply stopped too early (an open bracket,
/// brace or string, a trailing operator): the shell then asks for a continuation line instead of
/// reporting it.
struct SyntaxError: Error, Equatable, Sendable {
    var message: String
    var pos: SourcePos
    var incomplete: Bool
}
