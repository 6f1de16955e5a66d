import CNNKit

/// Walks the syntax tree. It never touches the terminal: whatever the program shows goes to
/// `session.output`. Every statement and loop iteration checks for a cancel (`Engine.checkCancel()`
/// unless a test replaced `session.checkCancel`), so Ctrl-C stops a running script between steps.
final class Interpreter {
    unowned let session: Session
    let globals: Environment
    /// Depth of user-function calls; deep recursion is refused before it could exhaust the stack.
    private var callDepth = 0
    static let maxCallDepth = 200

    init(session: Session, globals: Environment) {
        self.session = session
        self.globals = globals
    }

    // MARK: - Output

    /// Sends text to the session's output, ending it with a newline.
    func emit(_ text: String) {
        session.output(text.hasSuffix("\n") ? text : text + "\n")
    }

    // MARK: - Statements

    /// Runs top-level statements, echoing expression values as `echo` asks.
    func run(_ stmts: [Stmt], echo: EchoMode) throws {
        for (i, stmt) in stmts.enumerated() {
            try session.checkCancel()
            session.printedObject = nil
            switch stmt.kind {
            case .expression:
                let value = try execute(stmt, globals)
                var shown = !stmt.silenced && (echo == .all || (echo == .last && i == stmts.count - 1))
                // A builtin that printed its result itself (evaluate) is not echoed a second time.
                if case .object(let o) = value, o === session.printedObject { shown = false }
                if shown, !value.isNone {
                    let number = session.outputs.record(value)
                    emit(session.outputs.label(number, display(value, quoted: true)))
                    session.lastValue = value
                }
            default:
                try execute(stmt, globals)
            }
        }
    }

    /// Runs a statement. Its value — an expression's, or that of the branch an `if` took — becomes a
    /// function's result when the statement ends the function's body.
    @discardableResult
    func execute(_ stmt: Stmt, _ env: Environment) throws -> Value {
        try session.checkCancel()
        switch stmt.kind {
        case .expression(let e):
            return try evaluate(e, env)
        case .assign(let target, let e):
            try assign(target, try evaluate(e, env), env)
        case .unpack(let targets, let e):
            let value = try evaluate(e, env)
            let items: [Value]
            switch value {
            case .list(let l): items = l
            case .tensor(let t) where t.value.rank >= 1: items = try t.slices().map { .tensor($0) }
            default:
                throw RuntimeError("cannot unpack \(value.brief) into \(targets.count) names (expected a list)", at: stmt.pos)
            }
            guard items.count == targets.count else {
                throw RuntimeError("cannot unpack \(items.count) value\(items.count == 1 ? "" : "s") into \(targets.count) names", at: stmt.pos)
            }
            for (t, v) in zip(targets, items) { try assign(t, v, env) }
        case .function(let decl):
            env.define(decl.name ?? "fn", .function(try makeFunction(decl, env)))
        case .forLoop(let name, let sequenceExpr, let body):
            let sequence = try evaluate(sequenceExpr, env)
            let items: [Value]
            switch sequence {
            case .list(let l): items = l
            case .tensor(let t) where t.value.rank >= 1: items = try t.slices().map { .tensor($0) }
            case .object(let o as IndexableObject): items = try (0..<o.count).map { try o.element($0) }
            default:
                throw RuntimeError("for: cannot loop over \(sequence.brief) (loop over a list, range(n), a tensor's first axis, a model's layers or a data set)", at: sequenceExpr.pos)
            }
            for item in items {
                try session.checkCancel()
                env.define(name, item)
                for s in body { try execute(s, env) }
            }
        case .ifChain(let branches, let elseBlock):
            for (condition, body) in branches {
                guard try truth(condition, env) else { continue }
                return try executeBlock(body, env)
            }
            return try executeBlock(elseBlock ?? [], env)
        }
        return .none
    }

    /// Runs statements in order. The value is the last statement's unless a `;` silenced it, so
    /// `fn sign(v) { if v < 0 { -1 } else { 1 } }` gives -1 or 1.
    func executeBlock(_ stmts: [Stmt], _ env: Environment) throws -> Value {
        var result = Value.none
        for (i, s) in stmts.enumerated() {
            let v = try execute(s, env)
            if i == stmts.count - 1 && !s.silenced { result = v }
        }
        return result
    }

    private func truth(_ e: Expr, _ env: Environment) throws -> Bool {
        let v = try evaluate(e, env)
        guard let b = v.truth() else {
            throw RuntimeError("the truth of \(v.brief) is ambiguous: a condition needs one value (try max(x) > 0 or mean(x) > 0)", at: e.pos)
        }
        return b
    }

    private func assign(_ target: Target, _ value: Value, _ env: Environment) throws {
        switch target {
        case .name(let name, let pos):
            guard name != "_" else { throw RuntimeError("'_' holds the last printed value and cannot be assigned", at: pos) }
            env.define(name, value)
        case .member(let baseExpr, let name, let pos):
            let base = try evaluate(baseExpr, env)
            if case .tensor(let v) = base, !v.isConstant, name == "grad" {
                try Interpreter.setGradient(v, value, at: pos)
                return
            }
            guard case .object(let o) = base else {
                throw RuntimeError("cannot assign to member '\(name)' of \(base.brief)", at: pos)
            }
            _ = try placed(pos) {
                try o.setMember(name, value)
                return .none
            }
        case .index(let baseExpr, let items, let pos):
            let base = try evaluate(baseExpr, env)
            let updated: Value
            switch base {
            case .list(var list):
                guard items.count == 1, case .single(let indexExpr) = items[0] else {
                    throw RuntimeError("a list element is assigned with one index, as in l[0] = v", at: pos)
                }
                let i = try listIndex(try evaluate(indexExpr, env), count: list.count, at: indexExpr.pos)
                list[i] = value
                updated = .list(list)
                guard updated.nesting <= Value.maxNesting else {
                    throw RuntimeError("lists nested more than \(Value.maxNesting) deep are not supported", at: pos)
                }
            case .tensor(let v):
                // Results of ops in the graph are not leaves and cannot be edited.
                guard v.isLeaf else {
                    throw RuntimeError("cannot assign into the result of an op that records gradients (assign into a parameter or a plain tensor)", at: pos)
                }
                var indices: [(Int, SourcePos)] = []
                for item in items {
                    guard case .single(let e) = item, let i = try optionalInt(e, env) else {
                        throw RuntimeError("tensor elements are assigned with integer indices, as in x[0, 2] = v (slices cannot be assigned)", at: pos)
                    }
                    indices.append((i, e.pos))
                }
                let changed = try Interpreter.setting(v.value, at: indices, to: value, pos: pos)
                if v.isConstant {
                    // A constant is a value: the variable gets a new tensor, other names keep theirs.
                    updated = .tensor(changed)
                } else {
                    // A parameter is changed in place, as PyTorch's `w[0] = …` under no_grad: every
                    // model holding it sees the new value.
                    v.value = changed
                    return
                }
            case .object(let o as IndexableObject):
                guard items.count == 1, case .single(let indexExpr) = items[0] else {
                    throw RuntimeError("an item of a \(o.typeName) is assigned with one index, as in model[0] = Dense(4, 2)", at: pos)
                }
                let i = try listIndex(try evaluate(indexExpr, env), count: o.count, at: indexExpr.pos)
                _ = try placed(pos) { try o.setElement(i, value); return .none }
                return
            default:
                throw RuntimeError("cannot assign into elements of \(base.brief) (only list and tensor elements can be assigned)", at: pos)
            }
            guard let baseTarget = Parser.assignable(baseExpr) else {
                throw RuntimeError("cannot assign into a value that is not stored in a variable", at: pos)
            }
            try assign(baseTarget, updated, env)
        }
    }

    func makeFunction(_ decl: FunctionDecl, _ env: Environment) throws -> Function {
        let params = try decl.params.map { p -> Parameter in
            guard let d = p.defaultValue else { return .required(p.name, "") }
            let value = try evaluate(d, env)
            return .positional(p.name, value, "")
        }
        return Function(.user(decl, parameters: params, closure: env))
    }

    // MARK: - Calls

    /// Calls `callee` with evaluated arguments; errors from builtins and the engine are placed at `pos`.
    func call(_ callee: Value, _ args: [(label: String?, value: Value, pos: SourcePos)], at pos: SourcePos) throws -> Value {
        switch callee {
        case .function(let f):
            var bound = try BoundArguments.bind(f.name, f.parameters, args, callPos: pos)
            switch f.kind {
            case .builtin(let b):
                return try placed(pos) { try b.body(&bound, self) }
            case .user(let decl, let params, let closure):
                callDepth += 1
                defer { callDepth -= 1 }
                guard callDepth <= Interpreter.maxCallDepth else {
                    throw RuntimeError("\(f.name): calls nested too deeply (more than \(Interpreter.maxCallDepth) levels; is the recursion endless?)", at: pos)
                }
                let local = Environment(parent: closure)
                for p in params { local.define(p.name, bound[p.name]) }
                do {
                    switch decl.body {
                    case .expression(let e):
                        return try evaluate(e, local)
                    case .block(let stmts):
                        return try executeBlock(stmts, local)
                    }
                } catch var e as RuntimeError {
                    if e.file == nil { e.file = decl.file }
                    throw e
                }
            }
        case .object(let o):
            guard let body = o.call else { break }
            var bound = try BoundArguments.bind(o.callName, o.callParameters, args, callPos: pos)
            return try placed(pos) { try body(&bound, self) }
        default:
            break
        }
        throw RuntimeError("\(callee.brief) is a \(callee.typeName), not a function", at: pos)
    }

    /// Calls a function value with positional arguments (for builtins that take functions).
    func callPositional(_ callee: Value, _ args: [Value], at pos: SourcePos) throws -> Value {
        try call(callee, args.map { (label: nil, value: $0, pos: pos) }, at: pos)
    }

    /// Runs builtin code, giving engine errors and unplaced errors the call's position.
    func placed(_ pos: SourcePos, _ body: () throws -> Value) throws -> Value {
        do {
            return try body()
        } catch let e as OpError {
            throw RuntimeError(e.description, at: pos)
        } catch var e as RuntimeError {
            if e.pos == nil { e.pos = pos }
            throw e
        }
    }

    private func evaluateCall(_ calleeExpr: Expr, _ args: [Argument], at pos: SourcePos, _ env: Environment) throws -> Value {
        let callee = try evaluate(calleeExpr, env)
        // Builtins with a lazy parameter (timeit) get that argument as a function of no parameters.
        var lazyPositions = Set<Int>()
        var lazyLabels = Set<String>()
        if case .function(let f) = callee, case .builtin(let b) = f.kind {
            for (i, p) in b.parameters.filter({ $0.passing == .positional }).enumerated() where p.lazy {
                lazyPositions.insert(i)
                lazyLabels.insert(p.name)
            }
        }
        var values: [(label: String?, value: Value, pos: SourcePos)] = []
        var positional = 0
        for a in args {
            let lazy = a.label.map { lazyLabels.contains($0) } ?? lazyPositions.contains(positional)
            if a.label == nil { positional += 1 }
            if lazy {
                let decl = FunctionDecl(name: Interpreter.source(of: a.value), params: [], body: .expression(a.value),
                                        pos: a.pos, file: session.currentFile)
                values.append((a.label, .function(Function(.user(decl, parameters: [], closure: env))), a.pos))
            } else {
                values.append((a.label, try evaluate(a.value, env), a.pos))
            }
        }
        if case .name(let name) = calleeExpr.kind, Builtins.byName[name] != nil {
            switch callee {
            case .function, .object(is ModelObject): break
            default:
                // `train, test = fashion_mnist()` then `train(model)`: say why the builtin is not called.
                let alternative = ["train": " (or set model.training = true)", "eval": " (or set model.training = false)"][name] ?? ""
                throw RuntimeError("'\(name)' is \(callee.brief) here, a variable hiding the builtin \(name)(…); rename the variable to call it\(alternative)", at: calleeExpr.pos)
            }
        }
        return try call(callee, values, at: pos)
    }

    /// A short name for a lazily passed expression (`timeit` reports it).
    static func source(of e: Expr) -> String {
        switch e.kind {
        case .call(let callee, _): return source(of: callee) + "(…)"
        case .name(let n): return n
        case .member(let b, let n): return source(of: b) + "." + n
        default: return "expression"
        }
    }

    // MARK: - Expressions

    func evaluate(_ e: Expr, _ env: Environment) throws -> Value {
        switch e.kind {
        case .number(let n): return .number(n)
        case .string(let s): return .string(s)
        case .bool(let b): return .bool(b)
        case .none: return .none
        case .name(let name): return try lookup(name, at: e.pos, env)
        case .list(let elements):
            let values = try elements.map { try evaluate($0, env) }
            return try listLiteral(values, elements, at: e.pos)
        case .negate(let operand):
            let v = try evaluate(operand, env)
            if case .number(let n) = v { return .number(-n) }
            if case .tensor(let x) = v { return .tensor(-x) }
            throw RuntimeError("'-' cannot negate \(v.brief)", at: e.pos)
        case .plus(let operand):
            let v = try evaluate(operand, env)
            switch v {
            case .number, .tensor: return v
            default: throw RuntimeError("'+' needs a number or a tensor, got \(v.brief)", at: e.pos)
            }
        case .not(let operand):
            guard let b = try evaluate(operand, env).truth() else {
                throw RuntimeError("'not' needs one truth value, got a tensor with several elements", at: e.pos)
            }
            return .bool(!b)
        case .logical(let op, let lhs, let rhs):
            let l = try truth(lhs, env)
            if op == .and && !l { return .bool(false) }
            if op == .or && l { return .bool(true) }
            return .bool(try truth(rhs, env))
        case .binary(let op, let lhs, let rhs):
            let l = try evaluate(lhs, env)
            let r = try evaluate(rhs, env)
            return try placed(e.pos) { try Operators.binary(op, l, r) }
        case .call(let callee, let args):
            return try evaluateCall(callee, args, at: e.pos, env)
        case .index(let baseExpr, let items):
            let base = try evaluate(baseExpr, env)
            return try index(base, items, at: e.pos, env)
        case .member(let baseExpr, let name):
            let base = try evaluate(baseExpr, env)
            return try member(base, name, at: e.pos)
        case .function(let decl):
            return .function(try makeFunction(decl, env))
        case .noGrad(let body):
            return try Autograd.noGrad { try executeBlock(body, env) }
        }
    }

    private func lookup(_ name: String, at pos: SourcePos, _ env: Environment) throws -> Value {
        if name == "_" { return session.lastValue }
        if let v = env.lookup(name) { return v }
        // `_3` is Out[3] unless the program named a variable so (looked up first, so never clobbered).
        if let out = session.outputs.value(named: name) { return out }
        if let b = Builtins.byName[name] { return .function(Function(.builtin(b))) }
        if let c = Constants.value(name, session) { return c }
        var message = "unknown name '\(name)'"
        if let near = Completion.nearest(name, among: env.allNames + Builtins.all.map(\.name)) {
            message += " (did you mean '\(near)'?)"
        }
        throw RuntimeError(message, at: pos)
    }

    /// `[…]`: numbers, and nested bracket literals of numbers, make a tensor; anything else a list.
    /// A tensor held in a variable stays a list item, so `[a, b]` can be handed to `concat`.
    private func listLiteral(_ values: [Value], _ elements: [Expr], at pos: SourcePos) throws -> Value {
        guard !values.isEmpty else { return .list([]) }
        let numeric = zip(values, elements).allSatisfy { v, e in
            switch v {
            case .number: return true
            case .tensor:
                if case .list = e.kind { return true }
                return false
            default: return false
            }
        }
        guard numeric else {
            let list = Value.list(values)
            guard list.nesting <= Value.maxNesting else {
                throw RuntimeError("lists nested more than \(Value.maxNesting) deep are not supported", at: pos)
            }
            return list
        }
        do {
            guard let t = try Convert.stack(values) else { return .list(values) }
            return .tensor(t)
        } catch let e as RuntimeError {
            throw RuntimeError(e.message, at: pos)
        }
    }
}

extension Value {
    var isNone: Bool {
        if case .none = self { return true }
        return false
    }
}
