// TEMPORARY interface stub (owner: G1 "grad-basics"), replaced by real code beside each op's forward
// kernel, then deleted. Differentiable versions of the basic ops, activations and losses.

extension Variable {
    public static func binary(_ op: BinaryOp, _ a: Variable, _ b: Variable) throws -> Variable { throw OpError(op.rawValue, "not implemented") }
    public func unary(_ op: UnaryOp) throws -> Variable { throw OpError(op.rawValue, "not implemented") }
    public func clip(min: Float?, max: Float?) throws -> Variable { throw OpError("clip", "not implemented") }
    public func sum(axes: [Int]? = nil, keepdims: Bool = false) throws -> Variable { throw OpError("sum", "not implemented") }
    public func mean(axes: [Int]? = nil, keepdims: Bool = false) throws -> Variable { throw OpError("mean", "not implemented") }
    public func max(axes: [Int]? = nil, keepdims: Bool = false) throws -> Variable { throw OpError("max", "not implemented") }
    public func min(axes: [Int]? = nil, keepdims: Bool = false) throws -> Variable { throw OpError("min", "not implemented") }
    public func std(axes: [Int]? = nil, keepdims: Bool = false) throws -> Variable { throw OpError("std", "not implemented") }
    public func reshape(_ shape: [Int]) throws -> Variable { throw OpError("reshape", "not implemented") }
    public func transposed() throws -> Variable { throw OpError("transpose", "not implemented") }
    public func permute(_ axes: [Int]) throws -> Variable { throw OpError("permute", "not implemented") }
    public func squeeze(axis: Int? = nil) throws -> Variable { throw OpError("squeeze", "not implemented") }
    public func unsqueeze(axis: Int) throws -> Variable { throw OpError("unsqueeze", "not implemented") }
    public func flatten(axis: Int = 1) throws -> Variable { throw OpError("flatten", "not implemented") }
    public static func concat(_ xs: [Variable], axis: Int = 0) throws -> Variable { throw OpError("concat", "not implemented") }
    public static func stack(_ xs: [Variable], axis: Int = 0) throws -> Variable { throw OpError("stack", "not implemented") }
    public func pad(_ pads: [Int], value: Float = 0) throws -> Variable { throw OpError("pad", "not implemented") }
    public func index(_ items: [IndexItem]) throws -> Variable { throw OpError("index", "not implemented") }
    public static func matmul(_ a: Variable, _ b: Variable) throws -> Variable { throw OpError("matmul", "not implemented") }
    public func relu() throws -> Variable { throw OpError("relu", "not implemented") }
    public func leakyRelu(slope: Float = 0.01) throws -> Variable { throw OpError("leaky_relu", "not implemented") }
    public func sigmoid() throws -> Variable { throw OpError("sigmoid", "not implemented") }
    public func tanh() throws -> Variable { throw OpError("tanh", "not implemented") }
    public func softmax(axis: Int = -1) throws -> Variable { throw OpError("softmax", "not implemented") }
    public func logSoftmax(axis: Int = -1) throws -> Variable { throw OpError("log_softmax", "not implemented") }
    /// Identity unless `training`; the mask drawn in the forward pass is reused by the backward pass.
    public func dropout(p: Float, training: Bool, using rng: inout RandomSource) throws -> Variable { throw OpError("dropout", "not implemented") }
}

/// Losses, mean over the batch (PyTorch's default reduction).
public enum Loss {
    /// logits: N×C, labels: N class indices (stored as float values) → scalar. Fused log-softmax + NLL,
    /// stable for large logits.
    public static func crossEntropy(_ logits: Variable, labels: Tensor) throws -> Variable { throw OpError("cross_entropy", "not implemented") }
    /// logProbs: N×C log-probabilities, labels: N class indices → scalar.
    public static func nll(_ logProbs: Variable, labels: Tensor) throws -> Variable { throw OpError("nll", "not implemented") }
    /// Mean squared error between same-shaped (or broadcastable) tensors → scalar.
    public static func mse(_ x: Variable, _ target: Variable) throws -> Variable { throw OpError("mse", "not implemented") }
}
