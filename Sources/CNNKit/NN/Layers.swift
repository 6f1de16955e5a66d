/// Layer constructors as the language exposes them (SPEC §4). Initialisation follows PyTorch's
/// defaults (Kaiming-uniform weights, uniform biases) from the given random source.
public enum Layers {
    public static func conv(_ inChannels: Int, _ outChannels: Int, kernel: Size2, stride: Size2 = Size2(1),
                            padding: PaddingSpec = .explicit(.zero), dilation: Size2 = Size2(1), groups: Int = 1,
                            bias: Bool = true, rng: inout RandomSource) throws -> Module {
        try Conv(inChannels, outChannels, kernel: kernel, stride: stride, padding: padding, dilation: dilation,
                 groups: groups, bias: bias, rng: &rng)
    }
    public static func dense(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, rng: inout RandomSource) throws -> Module {
        try Dense(inFeatures, outFeatures, bias: bias, rng: &rng)
    }
    public static func maxPool(kernel: Size2, stride: Size2? = nil, padding: PaddingSpec = .explicit(.zero),
                               dilation: Size2 = Size2(1), ceilMode: Bool = false) throws -> Module {
        try MaxPool(kernel: kernel, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode)
    }
    public static func avgPool(kernel: Size2, stride: Size2? = nil, padding: PaddingSpec = .explicit(.zero),
                               ceilMode: Bool = false, countPad: Bool = true) throws -> Module {
        try AvgPool(kernel: kernel, stride: stride, padding: padding, ceilMode: ceilMode, countPad: countPad)
    }
    public static func globalAvgPool() -> Module { GlobalAvgPool() }
    public static func flatten(axis: Int = 1) -> Module { Flatten(axis: axis) }
    public static func relu() -> Module { Activation(.relu) }
    public static func leakyRelu(slope: Float = 0.01) -> Module { Activation(.leakyRelu(slope: slope)) }
    public static func sigmoid() -> Module { Activation(.sigmoid) }
    public static func tanh() -> Module { Activation(.tanh) }
    public static func softmax(axis: Int = 1) -> Module { Activation(.softmax(axis: axis)) }
    public static func batchNorm(_ channels: Int, eps: Float = 1e-5, momentum: Float = 0.1) throws -> Module {
        try BatchNorm(channels, eps: eps, momentum: momentum)
    }
    public static func dropout(p: Float, seed: UInt64) throws -> Module { try Dropout(p: p, seed: seed) }
    /// `block(x) + shortcut(x)` (identity shortcut when nil), then nothing else: add a ReLU after it.
    public static func residual(_ block: Module, shortcut: Module? = nil) -> Module { Residual(block, shortcut: shortcut) }
}
