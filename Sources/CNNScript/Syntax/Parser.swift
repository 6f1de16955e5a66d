/// Recursive-descent parser with one function per precedence level, lowest first:
///
/// | level | operators | associativity |
/// | --- | --- | --- |
/// | pipe | `|>` (`a |> f(b)` is `f(a, b)`, `a |> f` is `f(a)`) | left |
/// | or | `or`, `||` | left |
/// | and | `and`, `&&` | left |
/// | not | `not`, `!` (prefix, as Python's `not`) | — |
/// | comparison | `== != < <= > >=` | left |
/// | additive | `+ -` | left |
/// | multiplicative | `* / @` | left |
/// | unary | prefix `-`, `+` | — |
/// | power | `**` (binds tighter than a unary minus on its left: `-2**2` is -4, as in Python) | right |
/// | postfix | call `f(…)`, index `x[…]`, member `.name` | left |
///
/// A binary operator at the end of a line continues the expression on the next line, and so does a
/// line that starts with `|>`. Errors met at the end of the input are marked incomplete.
struct Parser {
    private var tokens: [Token]
    private var current = 0
    private let unclosed: [Token]
    private let file: String
    /// Nesting of expressions and blocks: deep nesting is refused before it could exhaust the stack.
    private var depth = 0
    static let maxDepth = 200

    init(tokens: [Token], unclosed: [Token], file: String) {
        self.tokens = tokens
        self.unclosed = unclosed
        self.file = file
    }

    /// Parses a whole chunk of source into statements.
    static func parse(_ source: String, file: String = "<input>", firstLine: Int = 1) throws -> [Stmt] {
        let (tokens, unclosed) = try Lexer.tokenize(source, firstLine: firstLine)
        var parser = Parser(tokens: tokens, unclosed: unclosed, file: file)
        return try parser.program()
    }

    // MARK: - Token helpers

    private var peek: Token { tokens[min(current, tokens.count - 1)] }
    private func peek(_ ahead: Int) -> Token { tokens[min(current + ahead, tokens.count - 1)] }
    private func check(_ kind: TokenKind) -> Bool { peek.kind == kind }

    @discardableResult
    private mutating func advance() -> Token {
        let t = peek
        if current < tokens.count - 1 { current += 1 }
        return t
    }

    private mutating func match(_ kinds: TokenKind...) -> Token? {
        if kinds.contains(peek.kind) { return advance() }
        return nil
    }

    private mutating func skipNewlines() {
        while check(.newline) { advance() }
    }

    private func error(_ message: String, at token: Token) -> SyntaxError {
        if token.kind == .eof {
            var text = message
            if let open = unclosed.last {
                text += " ('\(open.text)' opened at \(open.pos) is not closed)"
            }
            // Point just past the last real token, on a line the user can see, not past the end.
            let last = tokens.last { $0.kind != .newline && $0.kind != .eof }
            return SyntaxError(message: text, pos: last?.end ?? token.pos, incomplete: true)
        }
        return SyntaxError(message: message, pos: token.pos, incomplete: false)
    }

    private mutating func expect(_ kind: TokenKind, _ what: String) throws -> Token {
        if check(kind) { return advance() }
        throw error("expected \(what), found \(peek.display)", at: peek)
    }

    // MARK: - Statements

    private mutating func program() throws -> [Stmt] {
        let stmts = try statements(until: .eof)
        _ = try expect(.eof, "end of input")
        return stmts
    }

    /// Statements separated by newlines or `;`, up to (not including) `end`.
    private mutating func statements(until end: TokenKind) throws -> [Stmt] {
        var stmts: [Stmt] = []
        while true {
            while check(.newline) || check(.semicolon) { advance() }
            if check(end) || check(.eof) { return stmts }
            var stmt = try statement()
            if check(.semicolon) {
                stmt.silenced = true
                advance()
            } else if !check(.newline) && !check(end) && !check(.eof) {
                throw error("expected a new line or ';' after the statement, found \(peek.display)", at: peek)
            }
            stmts.append(stmt)
        }
    }

    private mutating func block() throws -> [Stmt] {
        try enter()
        defer { depth -= 1 }
        _ = try expect(.leftBrace, "'{'")
        let body = try statements(until: .rightBrace)
        _ = try expect(.rightBrace, "'}'")
        return body
    }

    private mutating func statement() throws -> Stmt {
        let start = peek
        switch start.kind {
        case .fn where peek(1).kind == .identifier:
            advance()
            let name = advance()
            let decl = try functionRest(name: name.text, pos: start.pos)
            return Stmt(kind: .function(decl), pos: start.pos)
        case .forKeyword:
            advance()
            let variable = try expect(.identifier, "a loop variable after 'for'")
            _ = try expect(.inKeyword, "'in' after the loop variable")
            let sequence = try expression()
            let body = try block()
            return Stmt(kind: .forLoop(variable.text, sequence, body), pos: start.pos)
        case .ifKeyword:
            return try ifStatement()
        case .elseKeyword:
            throw error("'else' without a matching 'if'", at: start)
        default:
            break
        }
        let first = try expression()
        if check(.comma) {
            var targets = [try target(first)]
            while match(.comma) != nil {
                targets.append(try target(try expression()))
            }
            let eq = try expect(.assign, "'=' after the names to unpack")
            skipNewlines()
            let value = try expression()
            return Stmt(kind: .unpack(targets, value), pos: eq.pos)
        }
        if check(.assign) {
            let t = try target(first)
            advance()
            skipNewlines()
            let value = try expression()
            return Stmt(kind: .assign(t, value), pos: t.pos)
        }
        return Stmt(kind: .expression(first), pos: first.pos)
    }

    private func target(_ e: Expr) throws -> Target {
        guard let t = Parser.assignable(e) else {
            throw SyntaxError(message: "cannot assign to this expression (assign to a name, a member or an index)", pos: e.pos, incomplete: false)
        }
        return t
    }

    /// The assignment target an expression denotes: a name, a member or an index; nil for anything else.
    static func assignable(_ e: Expr) -> Target? {
        switch e.kind {
        case .name(let n): return .name(n, e.pos)
        case .member(let base, let n): return .member(base, n, e.pos)
        case .index(let base, let items): return .index(base, items, e.pos)
        default: return nil
        }
    }

    private mutating func ifStatement() throws -> Stmt {
        let start = advance()
        var branches: [(Expr, [Stmt])] = []
        branches.append((try expression(), try block()))
        var elseBlock: [Stmt]?
        // `else` may follow the closing brace on the same line or on the next one.
        while true {
            var look = 0
            while peek(look).kind == .newline { look += 1 }
            guard peek(look).kind == .elseKeyword else { break }
            for _ in 0..<look { advance() }
            advance()
            if match(.ifKeyword) != nil {
                branches.append((try expression(), try block()))
            } else {
                elseBlock = try block()
                break
            }
        }
        return Stmt(kind: .ifChain(branches, elseBlock), pos: start.pos)
    }

    /// After `fn name` (or `fn` alone): `(params) = expr` or `(params) { stmts }`.
    private mutating func functionRest(name: String?, pos: SourcePos) throws -> FunctionDecl {
        _ = try expect(.leftParen, "'(' after \(name.map { "fn \($0)" } ?? "fn")")
        var params: [ParamDecl] = []
        var seen = Set<String>()
        if !check(.rightParen) {
            repeat {
                if check(.rightParen) { break }
                let p = try expect(.identifier, "a parameter name")
                guard seen.insert(p.text).inserted else {
                    throw error("parameter '\(p.text)' appears twice", at: p)
                }
                var def: Expr?
                if match(.assign, .colon) != nil {
                    def = try expression()
                } else if params.last?.defaultValue != nil {
                    throw error("parameter '\(p.text)' needs a default value: it follows one that has a default", at: p)
                }
                params.append(ParamDecl(name: p.text, defaultValue: def, pos: p.pos))
            } while match(.comma) != nil
        }
        _ = try expect(.rightParen, "')' after the parameters")
        if match(.assign) != nil {
            skipNewlines()
            return FunctionDecl(name: name, params: params, body: .expression(try expression()), pos: pos, file: file)
        }
        if check(.leftBrace) {
            return FunctionDecl(name: name, params: params, body: .block(try block()), pos: pos, file: file)
        }
        throw error("expected '=' or '{' after the parameters of \(name.map { "fn \($0)" } ?? "fn"), found \(peek.display)", at: peek)
    }

    // MARK: - Expressions

    mutating func expression() throws -> Expr {
        try enter()
        defer { depth -= 1 }
        return try pipe()
    }

    /// Counts one level of nesting; the caller undoes it with `defer { depth -= 1 }`.
    private mutating func enter() throws {
        depth += 1
        guard depth <= Parser.maxDepth else {
            throw error("expression nested too deeply (more than \(Parser.maxDepth) levels)", at: peek)
        }
    }

    private mutating func pipe() throws -> Expr {
        var lhs = try orExpr()
        while true {
            // A line that starts with `|>` continues the pipeline above it.
            var look = 0
            while peek(look).kind == .newline { look += 1 }
            guard peek(look).kind == .pipe else { return lhs }
            for _ in 0..<look { advance() }
            advance()
            skipNewlines()
            let rhs = try orExpr()
            if case .call(let callee, let args) = rhs.kind {
                lhs = Expr(kind: .call(callee, [Argument(label: nil, value: lhs, pos: lhs.pos)] + args), pos: rhs.pos)
            } else {
                lhs = Expr(kind: .call(rhs, [Argument(label: nil, value: lhs, pos: lhs.pos)]), pos: rhs.pos)
            }
        }
    }

    private mutating func orExpr() throws -> Expr {
        var lhs = try andExpr()
        while let op = match(.or) {
            skipNewlines()
            lhs = Expr(kind: .logical(.or, lhs, try andExpr()), pos: op.pos)
        }
        return lhs
    }

    private mutating func andExpr() throws -> Expr {
        var lhs = try notExpr()
        while let op = match(.and) {
            skipNewlines()
            lhs = Expr(kind: .logical(.and, lhs, try notExpr()), pos: op.pos)
        }
        return lhs
    }

    private mutating func notExpr() throws -> Expr {
        try enter()
        defer { depth -= 1 }
        if let op = match(.not) {
            return Expr(kind: .not(try notExpr()), pos: op.pos)
        }
        return try comparison()
    }

    private static let comparisons: [TokenKind: BinaryOperator] = [
        .equalEqual: .eq, .bangEqual: .ne, .less: .lt, .lessEqual: .le, .greater: .gt, .greaterEqual: .ge,
    ]

    private mutating func comparison() throws -> Expr {
        var lhs = try additive()
        while let op = Parser.comparisons[peek.kind] {
            let t = advance()
            skipNewlines()
            lhs = Expr(kind: .binary(op, lhs, try additive()), pos: t.pos)
        }
        return lhs
    }

    private mutating func additive() throws -> Expr {
        var lhs = try multiplicative()
        while check(.plus) || check(.minus) {
            let t = advance()
            skipNewlines()
            lhs = Expr(kind: .binary(t.kind == .plus ? .add : .sub, lhs, try multiplicative()), pos: t.pos)
        }
        return lhs
    }

    private mutating func multiplicative() throws -> Expr {
        var lhs = try unary()
        while check(.star) || check(.slash) || check(.at) {
            let t = advance()
            skipNewlines()
            let op: BinaryOperator = t.kind == .star ? .mul : t.kind == .slash ? .div : .matmul
            lhs = Expr(kind: .binary(op, lhs, try unary()), pos: t.pos)
        }
        return lhs
    }

    private mutating func unary() throws -> Expr {
        try enter()
        defer { depth -= 1 }
        if let t = match(.minus) { return Expr(kind: .negate(try unary()), pos: t.pos) }
        if let t = match(.plus) { return Expr(kind: .plus(try unary()), pos: t.pos) }
        return try power()
    }

    private mutating func power() throws -> Expr {
        let base = try postfix()
        if let t = match(.starStar) {
            skipNewlines()
            return Expr(kind: .binary(.pow, base, try unary()), pos: t.pos)
        }
        return base
    }

    private mutating func postfix() throws -> Expr {
        var e = try primary()
        while true {
            if check(.leftParen) {
                advance()
                e = Expr(kind: .call(e, try arguments()), pos: e.pos)
            } else if check(.leftBracket) {
                let open = advance()
                e = Expr(kind: .index(e, try indexItems(open)), pos: open.pos)
            } else if check(.dot) {
                advance()
                let name = try expect(.identifier, "a member name after '.'")
                e = Expr(kind: .member(e, name.text), pos: name.pos)
            } else {
                return e
            }
        }
    }

    /// After `(`: positional arguments, then labeled ones (`stride: 2`), up to `)`.
    private mutating func arguments() throws -> [Argument] {
        var args: [Argument] = []
        var firstLabel: String?
        var labels = Set<String>()
        while !check(.rightParen) {
            let start = peek
            if start.kind == .identifier && peek(1).kind == .colon {
                advance(); advance()
                guard labels.insert(start.text).inserted else {
                    throw error("label '\(start.text):' is given twice", at: start)
                }
                firstLabel = firstLabel ?? start.text
                args.append(Argument(label: start.text, value: try expression(), pos: start.pos))
            } else {
                let value = try expression()
                if check(.assign), case .name(let name) = value.kind {
                    throw error("labeled arguments are written with ':', as in \(name): value", at: peek)
                }
                if let label = firstLabel {
                    throw SyntaxError(message: "positional argument after labeled argument '\(label):' (put positional arguments first)", pos: value.pos, incomplete: false)
                }
                args.append(Argument(label: nil, value: value, pos: value.pos))
            }
            if match(.comma) == nil { break }
        }
        _ = try expect(.rightParen, "',' or ')' in the argument list")
        return args
    }

    /// After `[` of an index: items such as `0`, `:`, `1:3`, `::-1`, `-1`, up to `]`.
    private mutating func indexItems(_ open: Token) throws -> [IndexArg] {
        var items: [IndexArg] = []
        repeat {
            if check(.rightBracket) && !items.isEmpty { break }
            var start: Expr?
            if !check(.colon) { start = try expression() }
            if match(.colon) != nil {
                var end: Expr?, step: Expr?
                if !check(.colon) && !check(.comma) && !check(.rightBracket) { end = try expression() }
                if match(.colon) != nil, !check(.comma) && !check(.rightBracket) { step = try expression() }
                items.append(.slice(start: start, end: end, step: step))
            } else if let s = start {
                items.append(.single(s))
            }
        } while match(.comma) != nil
        _ = try expect(.rightBracket, "',' or ']' in the index")
        if items.isEmpty { throw error("empty index []", at: open) }
        return items
    }

    private mutating func primary() throws -> Expr {
        let t = peek
        switch t.kind {
        case .number: advance(); return Expr(kind: .number(t.number), pos: t.pos)
        case .string: advance(); return Expr(kind: .string(t.text), pos: t.pos)
        case .trueKeyword: advance(); return Expr(kind: .bool(true), pos: t.pos)
        case .falseKeyword: advance(); return Expr(kind: .bool(false), pos: t.pos)
        case .noneKeyword: advance(); return Expr(kind: .none, pos: t.pos)
        case .identifier: advance(); return Expr(kind: .name(t.text), pos: t.pos)
        case .leftParen:
            advance()
            let e = try expression()
            _ = try expect(.rightParen, "')'")
            return e
        case .leftBracket:
            advance()
            var elements: [Expr] = []
            while !check(.rightBracket) {
                elements.append(try expression())
                if match(.comma) == nil { break }
            }
            _ = try expect(.rightBracket, "',' or ']' in the list")
            return Expr(kind: .list(elements), pos: t.pos)
        case .fn:
            advance()
            return Expr(kind: .function(try functionRest(name: nil, pos: t.pos)), pos: t.pos)
        case .noGrad where peek(1).kind == .leftBrace:
            advance()
            return Expr(kind: .noGrad(try block()), pos: t.pos)
        case .eof:
            throw error("expected an expression, found end of input", at: t)
        case .newline:
            throw error("expected an expression before the end of the line", at: t)
        default:
            if t.kind == .noGrad || t.kind == .forKeyword || t.kind == .inKeyword || t.kind == .ifKeyword || t.kind == .elseKeyword {
                throw error("'\(t.text)' is a keyword and cannot be used as a value", at: t)
            }
            throw error("expected an expression, found \(t.display)", at: t)
        }
    }
}
