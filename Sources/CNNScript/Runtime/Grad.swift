import CNNKit

/// How values take part in autograd.
///
/// A tensor value is plain (`.tensor`) or tracked (`.variable`): parameters of layers, tensors marked
/// with `param(x)`, and the results of ops on them while gradients are recorded. A builtin that has a
/// gradient asks `recording(…)`: when some argument is tracked and we are not inside `no_grad { … }`,
/// it runs the `Variable` version of its op so `backward(loss)` can reach that argument; otherwise it
/// runs the plain tensor op on the values, exactly as fast as before autograd existed.
enum Grad {
    /// True when gradients are being recorded and some value is a tracked tensor.
    static func recording(_ values: Value...) -> Bool { recording(values) }

    static func recording(_ values: [Value]) -> Bool {
        guard Autograd.isEnabled else { return false }
        return values.contains { v in
            switch v {
            case .variable(let x): return x.requiresGrad
            case .list(let items): return recording(items)
            default: return false
            }
        }
    }

    /// The value as a graph input: a tracked tensor as itself, anything tensor-like as a constant.
    static func variable(_ v: Value) throws -> Variable {
        if case .variable(let x) = v { return x }
        guard let t = try Convert.tensor(v) else {
            throw RuntimeError("expected a tensor, got \(v.brief)")
        }
        return Variable(t)
    }

    /// An op's result: tracked when it depends on something that needs a gradient, else a plain tensor
    /// (a constant result carries no graph, so nothing keeps its inputs alive).
    static func value(_ x: Variable) -> Value {
        x.requiresGrad ? .variable(x) : .tensor(x.value)
    }
}

extension BoundArguments {
    /// A layer or model argument.
    func layer(_ name: String) throws -> Module {
        if case .object(let o as ModelObject) = self[name] { return o.module }
        throw fail(name, "a layer or a model", got: self[name])
    }

    /// True when any of the named arguments is tracked and gradients are being recorded.
    func recording(_ names: String...) -> Bool {
        Grad.recording(names.map { self[$0] })
    }

    /// An argument as a graph input (a constant when it is a plain tensor or a number).
    func variable(_ name: String) throws -> Variable {
        let v = self[name]
        if case .variable(let x) = v { return x }
        if let t = try Convert.tensor(v) { return Variable(t) }
        throw fail(name, "a tensor", got: v)
    }

    func optionalVariable(_ name: String) throws -> Variable? {
        isGiven(name) ? try variable(name) : nil
    }

    /// A list of graph inputs: a list value, or a tensor taken apart along its first axis.
    func variables(_ name: String) throws -> [Variable] {
        if case .list(let items) = self[name] {
            return try items.enumerated().map { i, item in
                if case .variable(let x) = item { return x }
                guard let t = try Convert.tensor(item) else {
                    throw RuntimeError("\(function): \(name): item \(i) should be a tensor, got \(item.brief)", at: pos(name))
                }
                return Variable(t)
            }
        }
        return try tensors(name).map { Variable($0) }
    }
}
