import CNNKit

/// Argument conversion: each accessor turns an argument into what an engine op needs, or throws an
/// error at the argument that names the function, the parameter, what it got and what it needed:
/// `conv: stride: expected a positive integer or [sh, sw], got "x"`.
extension BoundArguments {
    func fail(_ name: String, _ expected: String, got value: Value) -> RuntimeError {
        RuntimeError("\(function): \(name): expected \(expected), got \(value.brief)", at: pos(name))
    }

    func tensor(_ name: String) throws -> Tensor {
        let v = self[name]
        if let t = try Convert.tensor(v) { return t }
        throw fail(name, "a tensor", got: v)
    }

    func optionalTensor(_ name: String) throws -> Tensor? {
        isGiven(name) ? try tensor(name) : nil
    }

    func number(_ name: String) throws -> Double {
        let v = self[name]
        if let n = v.asNumber { return n }
        throw fail(name, "a number", got: v)
    }

    func optionalNumber(_ name: String) throws -> Double? {
        isGiven(name) ? try number(name) : nil
    }

    func float(_ name: String) throws -> Float { Float(try number(name)) }

    func int(_ name: String) throws -> Int {
        let v = self[name]
        if let i = Convert.int(v) { return i }
        throw fail(name, "an integer", got: v)
    }

    func optionalInt(_ name: String) throws -> Int? {
        isGiven(name) ? try int(name) : nil
    }

    func positiveInt(_ name: String) throws -> Int {
        let v = self[name]
        if let i = Convert.int(v), i > 0 { return i }
        throw fail(name, "a positive integer", got: v)
    }

    func bool(_ name: String) throws -> Bool {
        let v = self[name]
        if case .bool(let b) = v { return b }
        throw fail(name, "true or false", got: v)
    }

    func string(_ name: String) throws -> String {
        let v = self[name]
        if case .string(let s) = v { return s }
        throw fail(name, "a string", got: v)
    }

    /// A string from a fixed set, e.g. `mode:` "full", "same" or "valid".
    func choice(_ name: String, _ options: [String]) throws -> String {
        let v = self[name]
        if case .string(let s) = v, options.contains(s) { return s }
        let list = options.map { "\"\($0)\"" }.joined(separator: ", ")
        throw fail(name, "one of \(list)", got: v)
    }

    /// A list of integers: `[2, 3]`, a 1-D tensor of whole numbers, or a single integer.
    func ints(_ name: String) throws -> [Int] {
        let v = self[name]
        if let list = Convert.ints(v) { return list }
        throw fail(name, "an integer or a list of integers", got: v)
    }

    /// A shape given as one list (`zeros([2, 3])`) or as the variadic arguments (`zeros(2, 3)`).
    func shapeFromRest(_ name: String) throws -> [Int] {
        if rest.count == 1, let list = Convert.ints(rest[0].value) {
            return try checkedShape(list, at: rest[0].pos)
        }
        var dims: [Int] = []
        for item in rest {
            guard let i = Convert.int(item.value) else {
                throw RuntimeError("\(function): \(name): expected integers or one list of integers, got \(item.value.brief)", at: item.pos)
            }
            dims.append(i)
        }
        return try checkedShape(dims, at: rest.first?.pos ?? callPos)
    }

    private func checkedShape(_ dims: [Int], at pos: SourcePos) throws -> [Int] {
        if let bad = dims.first(where: { $0 < 0 }) {
            throw RuntimeError("\(function): shape \(Convert.describe(dims)) has a negative dimension \(bad)", at: pos)
        }
        return dims
    }

    /// Axes: none (all), one integer, or a list of integers.
    func axes(_ name: String) throws -> [Int]? {
        isGiven(name) ? try ints(name) : nil
    }

    /// `s` or `[sh, sw]`, each at least 1.
    func size2(_ name: String) throws -> Size2 {
        let v = self[name]
        if let list = Convert.ints(v), list.allSatisfy({ $0 > 0 }) {
            if Convert.int(v) != nil, list.count == 1 { return Size2(list[0]) }
            if list.count == 2 { return Size2(list[0], list[1]) }
        }
        throw fail(name, "a positive integer or [\(name.prefix(1))h, \(name.prefix(1))w]", got: v)
    }

    func optionalSize2(_ name: String) throws -> Size2? {
        isGiven(name) ? try size2(name) : nil
    }

    /// `p`, `[ph, pw]`, `[top, left, bottom, right]`, `"same"` or `"valid"`.
    func padding(_ name: String) throws -> PaddingSpec {
        let v = self[name]
        if case .string(let s) = v {
            if s == "same" { return .same }
            if s == "valid" { return .valid }
        } else if let list = Convert.ints(v), list.allSatisfy({ $0 >= 0 }) {
            switch list.count {
            case 1: return .explicit(Padding2D(list[0]))
            case 2: return .explicit(Padding2D(h: list[0], w: list[1]))
            case 4: return .explicit(Padding2D(top: list[0], left: list[1], bottom: list[2], right: list[3]))
            default: break
            }
        }
        throw fail(name, "p, [ph, pw], [top, left, bottom, right], \"same\" or \"valid\" (sizes ≥ 0)", got: v)
    }

    /// A list of tensors: a list value, or a tensor taken apart along its first axis.
    func tensors(_ name: String) throws -> [Tensor] {
        if let items = try listItems(name, Convert.tensor) { return items }
        if case .tensor(let t) = self[name], t.value.rank >= 1 { return Convert.unstack(t.value) }
        throw fail(name, "a list of tensors", got: self[name])
    }

    /// The items of a list argument, each converted by `convert`, which returns nil for an item of the
    /// wrong kind (named in the error); nil when the argument is not a list.
    func listItems<T>(_ name: String, _ convert: (Value) throws -> T?) throws -> [T]? {
        guard case .list(let items) = self[name] else { return nil }
        return try items.enumerated().map { i, item in
            guard let t = try convert(item) else {
                throw RuntimeError("\(function): \(name): item \(i) should be a tensor, got \(item.brief)", at: pos(name))
            }
            return t
        }
    }
}

/// Conversions shared by the interpreter and the builtins.
enum Convert {
    /// Numbers become rank-0 tensors, lists of numbers or of equal-shaped tensors are stacked.
    static func tensor(_ v: Value) throws -> Tensor? {
        switch v {
        case .tensor(let t): return t.value
        case .number(let n): return Tensor(Float(n))
        case .bool(let b): return Tensor(b ? 1 : 0)
        case .list(let items): return try stack(items)
        default: return nil
        }
    }

    /// `[1, 2]` → a 1-D tensor; `[[1, 2], [3, 4]]` → 2×2. Nil when an item is not a number or tensor,
    /// throws when nested tensors differ in shape.
    static func stack(_ items: [Value]) throws -> Tensor? {
        if items.isEmpty { return try Tensor(shape: [0], scalars: []) }
        var parts: [Tensor] = []
        for item in items {
            switch item {
            case .number(let n): parts.append(Tensor(Float(n)))
            case .tensor(let t): parts.append(t.value)
            case .list(let inner):
                guard let t = try stack(inner) else { return nil }
                parts.append(t)
            default: return nil
            }
        }
        let shape = parts[0].shape
        for (i, p) in parts.enumerated() where p.shape != shape {
            throw RuntimeError("tensor: item \(i) has shape \(Shape.describe(p.shape)) but item 0 has \(Shape.describe(shape)); nested lists must be rectangular")
        }
        var scalars: [Float] = []
        scalars.reserveCapacity(parts.count * parts[0].count)
        for p in parts { scalars += p.scalars }
        return try Tensor(shape: [parts.count] + shape, scalars: scalars)
    }

    /// The slices of `t` along its first axis, each of rank one less.
    static func unstack(_ t: Tensor) -> [Tensor] {
        guard let n = t.shape.first, n > 0 else { return [] }
        let inner = Array(t.shape.dropFirst())
        let size = t.count / n
        return (0..<n).compactMap { i in
            try? Tensor(shape: inner, scalars: Array(t.scalars[(i * size)..<((i + 1) * size)]))
        }
    }

    /// An integer from a whole number or a one-element tensor holding one.
    static func int(_ v: Value) -> Int? {
        guard let n = v.asNumber, n == n.rounded(), abs(n) < 1e15 else { return nil }
        return Int(n)
    }

    static func ints(_ v: Value) -> [Int]? {
        switch v {
        case .number: return int(v).map { [$0] }
        case .list(let items):
            var out: [Int] = []
            for item in items {
                guard let i = int(item) else { return nil }
                out.append(i)
            }
            return out
        case .tensor(let t) where t.value.rank <= 1:
            var out: [Int] = []
            for s in t.value.scalars {
                let d = Double(s)
                guard d == d.rounded(), abs(d) < 1e15 else { return nil }
                out.append(Int(d))
            }
            return out
        default: return nil
        }
    }

    static func describe(_ dims: [Int]) -> String {
        "[" + dims.map(String.init).joined(separator: ", ") + "]"
    }

    /// Shapes and other integer lists as values: `[1, 28, 28]` (a list of numbers).
    static func list(_ ints: [Int]) -> Value { .list(ints.map { .number(Double($0)) }) }
}
