import CNNKit

/// Reading inside values: `x[…]` on tensors and lists, `x.name` members, and `x[i, j] = v` on tensors.
extension Interpreter {
    func listIndex(_ v: Value, count: Int, at pos: SourcePos) throws -> Int {
        guard let i = Convert.int(v) else {
            throw RuntimeError("a list index must be an integer, got \(v.brief)", at: pos)
        }
        let j = i < 0 ? i + count : i
        guard j >= 0, j < count else {
            throw RuntimeError("index \(i) is out of range for a list of \(count) value\(count == 1 ? "" : "s")", at: pos)
        }
        return j
    }

    func optionalInt(_ e: Expr?, _ env: Environment) throws -> Int? {
        guard let e else { return nil }
        let v = try evaluate(e, env)
        if case .none = v { return nil }
        guard let i = Convert.int(v) else {
            throw RuntimeError("an index or slice bound must be an integer, got \(v.brief)", at: e.pos)
        }
        return i
    }

    func index(_ base: Value, _ items: [IndexArg], at pos: SourcePos, _ env: Environment) throws -> Value {
        switch base {
        case .tensor(let x):
            var resolved: [IndexItem] = []
            for item in items {
                switch item {
                case .single(let e):
                    guard let i = try optionalInt(e, env) else {
                        throw RuntimeError("a tensor index must be an integer, got none", at: e.pos)
                    }
                    resolved.append(.index(i))
                case .slice(let a, let b, let c):
                    let step = try optionalInt(c, env)
                    if step == 0 { throw RuntimeError("slice step cannot be zero", at: c?.pos ?? pos) }
                    resolved.append(.slice(start: try optionalInt(a, env), end: try optionalInt(b, env), step: step))
                }
            }
            return try placed(pos) { .tensor(try x.index(resolved)) }
        case .object(let o):
            guard let indexable = o as? IndexableObject else { break }
            guard items.count == 1 else {
                throw RuntimeError("a \(o.typeName) takes one index, got \(items.count)", at: pos)
            }
            switch items[0] {
            case .single(let e):
                let i = try listIndex(try evaluate(e, env), count: indexable.count, at: e.pos)
                return try placed(pos) { try indexable.element(i) }
            case .slice(let a, let b, let c):
                let step = try optionalInt(c, env) ?? 1
                guard step != 0 else { throw RuntimeError("slice step cannot be zero", at: c?.pos ?? pos) }
                let start = try optionalInt(a, env), end = try optionalInt(b, env)
                return try placed(pos) { try indexable.slice(start: start, end: end, step: step) }
            }
        case .list(let list):
            guard items.count == 1 else {
                throw RuntimeError("a list takes one index, got \(items.count)", at: pos)
            }
            switch items[0] {
            case .single(let e):
                return list[try listIndex(try evaluate(e, env), count: list.count, at: e.pos)]
            case .slice(let a, let b, let c):
                let step = try optionalInt(c, env) ?? 1
                guard step != 0 else { throw RuntimeError("slice step cannot be zero", at: c?.pos ?? pos) }
                let indices = Interpreter.sliceIndices(count: list.count, start: try optionalInt(a, env),
                                                       end: try optionalInt(b, env), step: step)
                return .list(indices.map { list[$0] })
            }
        default:
            break
        }
        throw RuntimeError("\(base.brief) cannot be indexed (index a tensor, a list, a model or a data set)", at: pos)
    }

    /// Python's slice rule: bounds clamp to the sequence, negative ones count from the end.
    static func sliceIndices(count n: Int, start: Int?, end: Int?, step: Int) -> [Int] {
        func clamp(_ v: Int, _ lo: Int, _ hi: Int) -> Int { Swift.max(lo, Swift.min(hi, v)) }
        if step > 0 {
            let s = start.map { clamp($0 < 0 ? $0 + n : $0, 0, n) } ?? 0
            let e = end.map { clamp($0 < 0 ? $0 + n : $0, 0, n) } ?? n
            return s < e ? Array(stride(from: s, to: e, by: step)) : []
        }
        let s = start.map { clamp($0 < 0 ? $0 + n : $0, -1, n - 1) } ?? n - 1
        let e = end.map { clamp($0 < 0 ? $0 + n : $0, -1, n - 1) } ?? -1
        return s > e ? Array(stride(from: s, to: e, by: step)) : []
    }

    static let tensorMembers = ["shape", "rank", "ndim", "size", "T", "dtype"]
    /// Members every tensor has for autograd (`grad` is none until `backward` reaches the tensor).
    static let gradMembers = ["grad", "requires_grad", "is_leaf", "data"]

    func member(_ base: Value, _ name: String, at pos: SourcePos) throws -> Value {
        switch base {
        case .tensor(let v):
            switch name {
            case "shape": return Convert.list(v.shape)
            case "rank", "ndim": return .number(Double(v.value.rank))
            case "size": return .number(Double(v.value.count))
            case "T": return try placed(pos) { .tensor(try v.transposed()) }
            case "dtype": return .string("f32")
            case "grad": return v.grad.map { .tensor($0) } ?? .none
            case "requires_grad": return .bool(v.requiresGrad)
            case "is_leaf": return .bool(v.isLeaf)
            case "data": return v.isConstant ? base : .tensor(v.value)
            default:
                throw RuntimeError("a tensor has no member '\(name)' (members: \((Interpreter.tensorMembers + Interpreter.gradMembers).joined(separator: ", ")))", at: pos)
            }
        case .object(let o):
            let found: Value?
            do { found = try o.member(name) } catch let e as RuntimeError {
                throw RuntimeError(e.message, at: e.pos ?? pos)
            } catch let e as OpError {
                throw RuntimeError(e.description, at: pos)
            }
            if let v = found { return v }
            let names = o.memberNames
            throw RuntimeError("a \(o.typeName) has no member '\(name)'\(names.isEmpty ? "" : " (members: \(names.joined(separator: ", ")))")", at: pos)
        default:
            throw RuntimeError("\(base.brief) has no member '\(name)'", at: pos)
        }
    }

    /// `x[i, j] = v`: replaces the sub-tensor at leading integer indices with a number (every element)
    /// or a tensor of the sub-tensor's shape.
    static func setting(_ t: Tensor, at indices: [(Int, SourcePos)], to given: Value, pos: SourcePos) throws -> Tensor {
        let value = given
        guard indices.count <= t.rank else {
            throw RuntimeError("\(indices.count) indices given for a tensor of rank \(t.rank)", at: pos)
        }
        let strides = t.strides
        var offset = 0
        for (axis, (i, ipos)) in indices.enumerated() {
            let n = t.shape[axis]
            let j = i < 0 ? i + n : i
            guard j >= 0, j < n else {
                throw RuntimeError("index \(i) is out of range for axis \(axis) of size \(n)", at: ipos)
            }
            offset += j * strides[axis]
        }
        let subShape = Array(t.shape[indices.count...])
        let size = subShape.reduce(1, *)
        var result = t
        switch value {
        case .number(let n):
            for k in 0..<size { result.scalars[offset + k] = Float(n) }
        case .tensor(let x) where x.value.count == 1 || x.shape == subShape:
            let v = x.value
            for k in 0..<size { result.scalars[offset + k] = v.count == 1 ? v.scalars[0] : v.scalars[k] }
        default:
            throw RuntimeError("cannot store \(value.brief) into a tensor slot of shape \(Shape.describe(subShape)) (give a number or a tensor of that shape)", at: pos)
        }
        return result
    }
}

extension Interpreter {
    /// `w.grad = none` clears a gradient; `w.grad = g` sets one of the tensor's shape (to scale or clip
    /// gradients by hand before `step`).
    static func setGradient(_ v: Variable, _ value: Value, at pos: SourcePos) throws {
        if case .none = value { v.grad = nil; return }
        guard let g = try Convert.tensor(value), g.shape == v.shape else {
            throw RuntimeError("grad: expected none or a tensor \(Value.shapeText(v.shape)) (the tensor's shape), got \(value.brief)", at: pos)
        }
        v.grad = g
    }
}

/// An object that indexes like a list: a model's layers (`model[0]`), a data set's samples (`ds[0:100]`).
protocol IndexableObject: ScriptObject {
    var count: Int { get }
    /// Item `i`, already checked to lie in 0..<count.
    func element(_ i: Int) throws -> Value
    /// Python's `obj[start:end:step]` (step ≠ 0).
    func slice(start: Int?, end: Int?, step: Int) throws -> Value
    /// `obj[i] = value`, i in 0..<count.
    func setElement(_ i: Int, _ value: Value) throws
}
