/// A tensor in the autograd graph (micrograd's `Value`, for tensors).
///
/// A leaf created with `requiresGrad: true` is a parameter or a marked input: `Autograd.backward`
/// accumulates into its `grad`. An op's result remembers its parents and a closure that maps the
/// gradient of the result to the gradients of the parents; the closure for each op is written beside
/// the op's forward kernel (Conv.swift, Pool.swift, …). Under `Autograd.noGrad` nothing is recorded.
public final class Variable {
    public var value: Tensor
    /// Accumulated gradient of a leaf after `backward`, same shape as `value`; nil before.
    public var grad: Tensor?
    public var requiresGrad: Bool
    /// Made to be learned or marked for a gradient (a layer's weight, `param(x)`), as PyTorch's
    /// `nn.Parameter`: it stays one when frozen (`requiresGrad` false). A leaf that is not a parameter
    /// is a constant, which the language treats as a plain value.
    public let isParameter: Bool

    let parents: [Variable]
    /// Given the gradient of this node, the gradient for each parent (nil where a parent needs none).
    let backwardFn: ((Tensor) throws -> [Tensor?])?

    public init(_ value: Tensor, requiresGrad: Bool = false) {
        self.value = value
        self.requiresGrad = requiresGrad
        self.isParameter = requiresGrad
        self.parents = []
        self.backwardFn = nil
    }

    init(value: Tensor, parents: [Variable], backward: @escaping (Tensor) throws -> [Tensor?]) {
        self.value = value
        self.requiresGrad = true
        self.isParameter = false
        self.parents = parents
        self.backwardFn = backward
    }

    public var shape: [Int] { value.shape }
    public var isLeaf: Bool { backwardFn == nil }

    /// The same value, cut from the graph.
    public func detached() -> Variable { Variable(value) }

    public func zeroGrad() { grad = nil }
}

public enum Autograd {
    /// Per task (per thread outside tasks), not per process: one `noGrad` block must not stop a graph
    /// being recorded on another thread, as happens when tests run in parallel.
    @TaskLocal private static var gradDisabled = false

    /// False inside `noGrad { … }`: ops then build no graph.
    public static var isEnabled: Bool { !gradDisabled }

    /// Runs `body` without recording a graph (inference, optimiser updates).
    public static func noGrad<T>(_ body: () throws -> T) rethrows -> T {
        try $gradDisabled.withValue(true) { try body() }
    }

    /// True when an op on `parents` must record a graph node: some parent needs a gradient and we are
    /// not inside `noGrad`. Every op asks before it prepares its backward closure (and whatever that
    /// keeps: indices, statistics, a plan) and otherwise returns the plain `Tensor` op's result as a
    /// constant, so constants cost what they did before autograd. The flags are read before the
    /// task-local switch, which costs more.
    @inline(__always)
    public static func needsGraph(_ x: Variable) -> Bool { x.requiresGrad && isEnabled }

    @inline(__always)
    public static func needsGraph(_ a: Variable, _ b: Variable) -> Bool { (a.requiresGrad || b.requiresGrad) && isEnabled }

    public static func needsGraph(_ parents: [Variable]) -> Bool {
        parents.contains { $0.requiresGrad } && isEnabled
    }

    /// The result of an op: a graph node when recording and some parent needs a gradient, else a
    /// constant. `backward` is only called for such nodes.
    public static func record(_ value: Tensor, parents: [Variable],
                              backward: @escaping (Tensor) throws -> [Tensor?]) -> Variable {
        guard needsGraph(parents) else { return Variable(value) }
        return Variable(value: value, parents: parents, backward: backward)
    }

    /// Back-propagates from `root`. A one-element root gets the seed gradient 1; any other root needs
    /// `gradient` of its shape. Leaves that require a gradient accumulate into `grad`.
    public static func backward(_ root: Variable, gradient: Tensor? = nil) throws {
        let seed: Tensor
        if let gradient {
            guard gradient.shape == root.shape else {
                throw OpError("backward", "gradient shape \(Shape.describe(gradient.shape)) does not match the output's \(Shape.describe(root.shape))")
            }
            seed = gradient
        } else {
            guard root.value.count == 1 else {
                throw OpError("backward", "needs a one-element loss to start from, got shape \(Shape.describe(root.shape)); reduce it with sum or mean first")
            }
            seed = try Tensor(shape: root.shape, repeating: 1)
        }
        guard root.requiresGrad else {
            throw OpError("backward", "the loss does not depend on any tensor that requires a gradient")
        }

        // Topological order by an explicit stack: deep networks would overflow recursion.
        var order: [Variable] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Variable, Bool)] = [(root, false)]
        while let (node, expanded) = stack.popLast() {
            if expanded { order.append(node); continue }
            guard visited.insert(ObjectIdentifier(node)).inserted else { continue }
            stack.append((node, true))
            for p in node.parents where p.requiresGrad && !visited.contains(ObjectIdentifier(p)) {
                stack.append((p, false))
            }
        }

        var grads: [ObjectIdentifier: Tensor] = [ObjectIdentifier(root): seed]
        for node in order.reversed() {
            try Engine.checkCancel()
            guard let g = grads.removeValue(forKey: ObjectIdentifier(node)) else { continue }
            guard let fn = node.backwardFn else {
                node.grad = try node.grad.map { try $0 + g } ?? g
                continue
            }
            let parentGrads = try fn(g)
            for (p, pg) in zip(node.parents, parentGrads) where p.requiresGrad {
                guard let pg else { continue }
                guard pg.shape == p.shape else {
                    throw OpError("backward", "internal gradient shape \(Shape.describe(pg.shape)) for a \(Shape.describe(p.shape)) input")
                }
                let key = ObjectIdentifier(p)
                grads[key] = try grads[key].map { try $0 + pg } ?? pg
            }
        }
    }
}
