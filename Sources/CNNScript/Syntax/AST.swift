/// The syntax tree. Every node carries the position errors should point at: a call points at its
/// callee, an operator at the operator, a literal at its first character.

enum BinaryOperator: String, Sendable {
    case add = "+", sub = "-", mul = "*", div = "/", pow = "**", matmul = "@"
    case eq = "==", ne = "!=", lt = "<", le = "<=", gt = ">", ge = ">="
}

enum LogicalOperator: String, Sendable { case and, or }

struct Argument {
    var label: String?
    var value: Expr
    var pos: SourcePos
}

/// One item inside `x[ … ]`: an index expression or a `start:end:step` slice with optional parts.
enum IndexArg {
    case single(Expr)
    case slice(start: Expr?, end: Expr?, step: Expr?)
}

struct ParamDecl {
    var name: String
    var defaultValue: Expr?
    var pos: SourcePos
}

/// A user function: `fn name(a, b = 2) = expr`, `fn name(a) { stmts }` or the anonymous `fn(a) = expr`.
/// A block body's value is the value of its last statement (an expression, or the branch an `if` took).
final class FunctionDecl {
    enum Body { case expression(Expr), block([Stmt]) }
    let name: String?
    let params: [ParamDecl]
    let body: Body
    let pos: SourcePos
    /// The file the function was written in, so errors inside it point at the right source.
    let file: String
    init(name: String?, params: [ParamDecl], body: Body, pos: SourcePos, file: String) {
        self.name = name; self.params = params; self.body = body; self.pos = pos; self.file = file
    }
}

struct Expr {
    indirect enum Kind {
        case number(Double)
        case string(String)
        case bool(Bool)
        case none
        case name(String)
        /// `[a, b, …]`: numbers (and nested literals of numbers) make a tensor, anything else a list.
        case list([Expr])
        case negate(Expr)
        case plus(Expr)
        case not(Expr)
        case binary(BinaryOperator, Expr, Expr)
        case logical(LogicalOperator, Expr, Expr)
        /// `a |> f(b)` is parsed straight into `f(a, b)`, so pipes have no node of their own.
        case call(Expr, [Argument])
        case index(Expr, [IndexArg])
        case member(Expr, String)
        case function(FunctionDecl)
        /// `no_grad { … }`: runs the block without recording gradients; its value is the block's last
        /// value, so it works as a statement (echoed in the shell) and inside expressions
        /// (`p = no_grad { model(x) }`). Assignments in the block bind in the surrounding scope.
        case noGrad([Stmt])
    }
    var kind: Kind
    var pos: SourcePos
}

/// Where an assignment stores its value.
enum Target {
    case name(String, SourcePos)
    case member(Expr, String, SourcePos)
    case index(Expr, [IndexArg], SourcePos)

    var pos: SourcePos {
        switch self {
        case .name(_, let p), .member(_, _, let p), .index(_, _, let p): return p
        }
    }
}

struct Stmt {
    indirect enum Kind {
        case expression(Expr)
        case assign(Target, Expr)
        /// `a, b = e`
        case unpack([Target], Expr)
        case function(FunctionDecl)
        case forLoop(String, Expr, [Stmt])
        /// `if c { } else if d { } else { }`: the branches in order, then the optional final else.
        case ifChain([(Expr, [Stmt])], [Stmt]?)
    }
    var kind: Kind
    var pos: SourcePos
    /// Followed by `;`: the statement's value is not echoed.
    var silenced = false
}
