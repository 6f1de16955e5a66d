// Conv: x N×Cin×H×W (or Cin×H×W) → N×Cout×P×Q, weight Cout×(Cin/groups)×R×S, bias Cout.
// Dense: x …×in → …×out, weight out×in, bias out.

/// A 2-D convolution layer (PyTorch's `nn.Conv2d`): cross-correlation with learned filters.
public final class Conv: Module {
    public let inChannels: Int, outChannels: Int
    public let window: Window2D
    public let groups: Int
    public var weight: Variable
    public var bias: Variable?
    public var isTraining = true

    /// How the weight is drawn: PyTorch's Conv2d default, or torchvision's ResNet rule
    /// (Kaiming-normal, fan_out, ReLU gain: N(0, 2 / (Cout·R·S))). The bias is always PyTorch's.
    enum WeightInit { case pytorchDefault, kaimingNormalFanOut }

    /// Weight and bias drawn from U(−1/√fan_in, 1/√fan_in), fan_in = Cin/groups · R · S (PyTorch).
    public convenience init(_ inChannels: Int, _ outChannels: Int, kernel: Size2, stride: Size2 = Size2(1),
                            padding: PaddingSpec = .explicit(.zero), dilation: Size2 = Size2(1), groups: Int = 1,
                            bias: Bool = true, rng: inout RandomSource) throws {
        try self.init(inChannels, outChannels, kernel: kernel, stride: stride, padding: padding, dilation: dilation,
                      groups: groups, bias: bias, weightInit: .pytorchDefault, rng: &rng)
    }

    init(_ inChannels: Int, _ outChannels: Int, kernel: Size2, stride: Size2 = Size2(1),
         padding: PaddingSpec = .explicit(.zero), dilation: Size2 = Size2(1), groups: Int = 1,
         bias: Bool = true, weightInit: WeightInit, rng: inout RandomSource) throws {
        let op = "Conv"
        guard inChannels >= 1, outChannels >= 1 else {
            throw OpError(op, "channels must be ≥ 1, got \(inChannels) in and \(outChannels) out")
        }
        guard groups >= 1, inChannels % groups == 0, outChannels % groups == 0 else {
            throw OpError(op, "groups must be ≥ 1 and divide both channel counts, got groups \(groups) for \(inChannels) in and \(outChannels) out")
        }
        let window = Window2D(kernel: kernel, stride: stride, dilation: dilation, padding: padding)
        try window.validate(op: op)
        self.inChannels = inChannels; self.outChannels = outChannels
        self.window = window; self.groups = groups
        let shape = [outChannels, inChannels / groups, kernel.h, kernel.w]
        let fanIn = (inChannels / groups) * kernel.h * kernel.w
        let bound = Init.kaimingUniformBound(fanIn: fanIn)
        switch weightInit {
        case .pytorchDefault:
            weight = Variable(try Init.uniform(shape, bound: bound, rng: &rng, op: op), requiresGrad: true)
        case .kaimingNormalFanOut:
            let std = (2 / Float(outChannels * kernel.h * kernel.w)).squareRoot()
            weight = Variable(try Init.normal(shape, std: std, rng: &rng, op: op), requiresGrad: true)
        }
        self.bias = bias ? Variable(try Init.uniform([outChannels], bound: bound, rng: &rng, op: op), requiresGrad: true) : nil
    }

    public var typeName: String { "Conv" }
    public var signature: String {
        func size(_ s: Size2) -> String { s.h == s.w ? "\(s.h)" : "[\(s.h), \(s.w)]" }
        var s = "Conv(\(inChannels), \(outChannels), \(size(window.kernel))"
        if window.stride != Size2(1) { s += ", stride:\(size(window.stride))" }
        switch window.padding {
        case .explicit(let p) where p == .zero: break
        case .valid: break
        default: s += ", pad:\(window.padding)"
        }
        if window.dilation != Size2(1) { s += ", dilation:\(size(window.dilation))" }
        if groups != 1 { s += ", groups:\(groups)" }
        if bias == nil { s += ", bias:false" }
        return s + ")"
    }
    public var children: [(name: String, module: Module)] { [] }
    public var ownParameters: [(name: String, variable: Variable)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }
    public var ownBuffers: [(name: String, tensor: Tensor)] { [] }

    public func forward(_ x: Variable) throws -> Variable {
        try Variable.conv(x, weight, bias: bias, stride: window.stride, padding: window.padding,
                          dilation: window.dilation, groups: groups)
    }

    /// N×Cin×H×W → N×Cout×P×Q (C×H×W → Cout×P×Q), P×Q from `Window2D.outputSize`.
    public func outputShape(for input: [Int]) throws -> [Int] {
        guard input.count == 3 || input.count == 4, input.allSatisfy({ $0 >= 0 }) else {
            throw OpError(typeName, "\(signature) expects an N×C×H×W or C×H×W input, got \(Shape.describe(input))")
        }
        let c = input[input.count - 3]
        guard c == inChannels else {
            throw OpError(typeName, "\(signature) expects \(inChannels) input channels, got \(c) (input \(Shape.describe(input)))")
        }
        let hw = Size2(input[input.count - 2], input[input.count - 1])
        let out = try window.outputSize(input: hw, op: typeName)
        return Array(input.dropLast(3)) + [outChannels, out.h, out.w]
    }
}

/// A fully connected layer (PyTorch's `nn.Linear`): `y = x·Wᵀ + b` over the last axis.
public final class Dense: Module {
    public let inFeatures: Int, outFeatures: Int
    public var weight: Variable
    public var bias: Variable?
    public var isTraining = true

    /// Weight out×in and bias drawn from U(−1/√in, 1/√in) (PyTorch).
    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, rng: inout RandomSource) throws {
        let op = "Dense"
        guard inFeatures >= 1, outFeatures >= 1 else {
            throw OpError(op, "features must be ≥ 1, got \(inFeatures) in and \(outFeatures) out")
        }
        self.inFeatures = inFeatures; self.outFeatures = outFeatures
        let bound = Init.kaimingUniformBound(fanIn: inFeatures)
        weight = Variable(try Init.uniform([outFeatures, inFeatures], bound: bound, rng: &rng, op: op), requiresGrad: true)
        self.bias = bias ? Variable(try Init.uniform([outFeatures], bound: bound, rng: &rng, op: op), requiresGrad: true) : nil
    }

    public var typeName: String { "Dense" }
    public var signature: String { "Dense(\(inFeatures), \(outFeatures)\(bias == nil ? ", bias:false" : ""))" }
    public var children: [(name: String, module: Module)] { [] }
    public var ownParameters: [(name: String, variable: Variable)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }
    public var ownBuffers: [(name: String, tensor: Tensor)] { [] }

    public func forward(_ x: Variable) throws -> Variable {
        try Variable.linear(x, weight, bias: bias)
    }

    /// …×in → …×out.
    public func outputShape(for input: [Int]) throws -> [Int] {
        guard let last = input.last, input.allSatisfy({ $0 >= 0 }) else {
            throw OpError(typeName, "\(signature) expects an input of rank ≥ 1 (…×\(inFeatures)), got \(Shape.describe(input))")
        }
        guard last == inFeatures else {
            throw OpError(typeName, "\(signature) expects \(inFeatures) input features, got \(last) (input \(Shape.describe(input))); flatten first?")
        }
        return input.dropLast() + [outFeatures]
    }
}
