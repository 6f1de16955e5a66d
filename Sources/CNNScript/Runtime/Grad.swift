import CNNKit

// How values take part in autograd: every tensor value is a `Variable` (`Value.tensor`), and a builtin
// calls the differentiable op on its arguments. The op records a graph node only when some input
// needs a gradient and we are not inside `no_grad { … }` (`Autograd.needsGraph`); otherwise it runs the
// plain tensor op and its result is a constant, exactly as fast as before autograd existed.

extension Convert {
    /// A tensor-like value as a graph input: a tensor as itself, a number, bool or list of them as a
    /// constant; nil for anything else.
    static func variable(_ v: Value) throws -> Variable? {
        if case .tensor(let x) = v { return x }
        return try tensor(v).map { Variable($0) }
    }
}

extension BoundArguments {
    /// A layer or model argument.
    func layer(_ name: String) throws -> Module {
        if case .object(let o as ModelObject) = self[name] { return o.module }
        throw fail(name, "a layer or a model", got: self[name])
    }

    /// An argument as a graph input (a constant when it is a number or a list of numbers).
    func variable(_ name: String) throws -> Variable {
        let v = self[name]
        if let x = try Convert.variable(v) { return x }
        throw fail(name, "a tensor", got: v)
    }

    func optionalVariable(_ name: String) throws -> Variable? {
        isGiven(name) ? try variable(name) : nil
    }

    /// A list of graph inputs: a list value, or a tensor taken apart along its first axis.
    func variables(_ name: String) throws -> [Variable] {
        if let items = try listItems(name, Convert.variable) { return items }
        if case .tensor(let x) = self[name], x.value.rank >= 1 { return try x.slices() }
        throw fail(name, "a list of tensors", got: self[name])
    }
}

extension Variable {
    /// The slices along the first axis, each of rank one less: graph nodes when this tensor needs a
    /// gradient (so `for` and unpacking keep it), plain copies otherwise.
    func slices() throws -> [Variable] {
        guard Autograd.needsGraph(self) else { return Convert.unstack(value).map { Variable($0) } }
        return try (0..<(shape.first ?? 0)).map { try index([.index($0)]) }
    }
}
