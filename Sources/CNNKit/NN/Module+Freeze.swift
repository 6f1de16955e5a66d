/// Freezing for fine-tuning and transfer learning (PyTorch's `requires_grad_(False)` plus the usual
/// `eval()` of frozen BatchNorm layers): a frozen parameter gets no gradient and optimizers skip it;
/// a frozen BatchNorm normalises with its running statistics and leaves them as they are.
extension Module {
    /// Freezes every parameter and BatchNorm layer of the tree.
    public func freeze() { setFrozen(true) }

    /// Lets every parameter train again and BatchNorm layers follow `train()`/`eval()` again.
    public func unfreeze() { setFrozen(false) }

    private func setFrozen(_ on: Bool) {
        for (_, v) in namedParameters() { v.requiresGrad = !on }
        for case let bn as BatchNorm in modules() { bn.frozen = on }
    }

    /// Freezes the direct sub-layers from the first up to and including `child` (a name such as
    /// "layer3", or an index; negative indices count from the end, as for `Sequential`). The rest is
    /// left as it is. Returns the names of the frozen sub-layers.
    @discardableResult
    public func freeze(upTo child: String) throws -> [String] {
        let kids = children
        guard !kids.isEmpty else { throw OpError("freeze", "a \(typeName) has no sub-layers to freeze up to '\(child)'") }
        let last: Int
        if let k = kids.firstIndex(where: { $0.name == child }) {
            last = k
        } else if let i = Int(child), i >= -kids.count, i < kids.count {
            last = i < 0 ? i + kids.count : i
        } else {
            let names = kids.map(\.name)
            let listed = names.allSatisfy { Int($0) != nil } ? "0…\(kids.count - 1)" : names.joined(separator: ", ")
            throw OpError("freeze", "upto: '\(child)' is not a sub-layer of the \(typeName) (it has \(listed))")
        }
        for (_, m) in kids[...last] { m.freeze() }
        return kids[...last].map(\.name)
    }

    /// Scalars in frozen parameters (those that do not require a gradient).
    public func frozenParameterCount() -> Int { parameterCount() - trainableParameterCount() }
}
