// TEMPORARY interface stub so that parallel work compiles; its owner replaces it with real code in files
// of their own and deletes this file.

// MARK: - H3 (layers): pools, activations, softmax, batchnorm, dropout, convolve, kernels

public enum ConvolveMode: String, Sendable { case full, same, valid }

extension Tensor {
    public static func maxPool(_ x: Tensor, kernel: Size2, stride: Size2? = nil, padding: PaddingSpec = .valid,
                               dilation: Size2 = Size2(1), ceilMode: Bool = false) throws -> Tensor { throw OpError("maxpool", "not implemented") }
    /// `countPad` follows PyTorch's `count_include_pad` (default true).
    public static func avgPool(_ x: Tensor, kernel: Size2, stride: Size2? = nil, padding: PaddingSpec = .valid,
                               ceilMode: Bool = false, countPad: Bool = true) throws -> Tensor { throw OpError("avgpool", "not implemented") }
    /// N×C×H×W → N×C×1×1.
    public static func globalAvgPool(_ x: Tensor) throws -> Tensor { throw OpError("gavgpool", "not implemented") }
    public static func globalMaxPool(_ x: Tensor) throws -> Tensor { throw OpError("gmaxpool", "not implemented") }
    public func flatten(axis: Int = 1) throws -> Tensor { throw OpError("flatten", "not implemented") }

    public func relu() -> Tensor { self }
    public func leakyRelu(slope: Float = 0.01) -> Tensor { self }
    public func sigmoid() -> Tensor { self }
    public func tanh() -> Tensor { self }
    public func softmax(axis: Int = -1) throws -> Tensor { throw OpError("softmax", "not implemented") }
    public func logSoftmax(axis: Int = -1) throws -> Tensor { throw OpError("log_softmax", "not implemented") }
    /// Inference-form batch normalisation over axis 1.
    public static func batchNorm(_ x: Tensor, scale: Tensor, bias: Tensor, mean: Tensor, variance: Tensor,
                                 eps: Float = 1e-5) throws -> Tensor { throw OpError("batchnorm", "not implemented") }
    /// Identity unless `training`; then zeroes with probability p and scales by 1/(1-p).
    public func dropout(p: Float, training: Bool, using rng: inout RandomSource) throws -> Tensor { throw OpError("dropout", "not implemented") }

    /// True convolution (kernel flipped) of 1-D or 2-D signals, modes as NumPy/SciPy.
    public static func convolve(_ f: Tensor, _ g: Tensor, mode: ConvolveMode = .full) throws -> Tensor { throw OpError("convolve", "not implemented") }
    public static func correlate(_ f: Tensor, _ g: Tensor, mode: ConvolveMode = .full) throws -> Tensor { throw OpError("correlate", "not implemented") }
    /// A named classic image kernel (identity, edge, sobel_x, …).
    public static func namedKernel(_ name: String, size: Int? = nil, sigma: Float? = nil) throws -> Tensor { throw OpError("kernel", "not implemented") }
    public static let kernelNames: [String] = []
}

/// `.npy` files: NumPy's own format.
public enum NPY {
    public static func read(_ bytes: [UInt8]) throws -> Tensor { throw OpError("load", "not implemented") }
    public static func encode(_ tensor: Tensor) -> [UInt8] { [] }
}
