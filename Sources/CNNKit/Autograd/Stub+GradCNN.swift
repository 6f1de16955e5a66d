// TEMPORARY interface stub (owner: G2 "grad-cnn"), replaced by real code beside each op's forward
// kernel (Conv+Backward.swift, Pool+Backward.swift, …), then deleted.

extension Variable {
    /// Gradients for input, weight and bias; same rank adaptation and parameters as `Tensor.conv`.
    public static func conv(_ x: Variable, _ w: Variable, bias: Variable? = nil, stride: Size2 = Size2(1),
                            padding: PaddingSpec = .valid, dilation: Size2 = Size2(1), groups: Int = 1) throws -> Variable { throw OpError("conv", "not implemented") }
    public static func linear(_ x: Variable, _ w: Variable, bias: Variable? = nil) throws -> Variable { throw OpError("linear", "not implemented") }
    public static func maxPool(_ x: Variable, kernel: Size2, stride: Size2? = nil, padding: PaddingSpec = .valid,
                               dilation: Size2 = Size2(1), ceilMode: Bool = false) throws -> Variable { throw OpError("maxpool", "not implemented") }
    public static func avgPool(_ x: Variable, kernel: Size2, stride: Size2? = nil, padding: PaddingSpec = .valid,
                               ceilMode: Bool = false, countPad: Bool = true) throws -> Variable { throw OpError("avgpool", "not implemented") }
    public static func globalAvgPool(_ x: Variable) throws -> Variable { throw OpError("gavgpool", "not implemented") }
    public static func globalMaxPool(_ x: Variable) throws -> Variable { throw OpError("gmaxpool", "not implemented") }
    /// Training mode normalises with the batch's statistics (biased variance) and updates the running
    /// statistics with PyTorch's convention `running = (1 - momentum)·running + momentum·batch` (unbiased
    /// variance there); inference mode uses the running statistics. Over axis 1 of an N×C(×H×W) input.
    public static func batchNorm(_ x: Variable, scale: Variable, bias: Variable,
                                 runningMean: inout Tensor, runningVar: inout Tensor,
                                 momentum: Float = 0.1, eps: Float = 1e-5, training: Bool) throws -> Variable { throw OpError("batchnorm", "not implemented") }
}
