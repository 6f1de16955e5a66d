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

extension Conv: DescribedLayer {
    public static var specKinds: [String] { ["Conv"] }

    public func specFields(_ writer: inout ModelSpec.Writer) throws -> [(key: String, value: JSONValue)] {
        [("in", .int(inChannels)), ("out", .int(outChannels)), ("kernel", ModelSpec.Writer.size(window.kernel)),
         ("stride", ModelSpec.Writer.size(window.stride)), ("padding", ModelSpec.Writer.padding(window.padding)),
         ("dilation", ModelSpec.Writer.size(window.dilation)), ("groups", .int(groups)), ("bias", .bool(bias != nil))]
    }

    public static func rebuild(_ spec: ModelSpec.Reader, rng: inout RandomSource) throws -> Module {
        let cin = try spec.int("in", minimum: 1), cout = try spec.int("out", minimum: 1)
        let kernel = try spec.size("kernel"), stride = try spec.size("stride", default: Size2(1))
        let dilation = try spec.size("dilation", default: Size2(1)), pad = try spec.padding()
        let groups = try spec.int("groups", default: 1, minimum: 1), bias = try spec.bool("bias", default: true)
        return try Conv(cin, cout, kernel: kernel, stride: stride, padding: pad, dilation: dilation,
                        groups: groups, bias: bias, rng: &rng)
    }

    public func emitONNX(_ onnx: inout ONNXEmitter, input x: String, shape: [Int], prefix p: String) throws -> String {
        let w = onnx.initializer(p + "weight", weight.value)
        let ins = [x, w] + (bias.map { [onnx.initializer(p + "bias", $0.value)] } ?? [])
        return onnx.op("Conv", ins, p, onnx.windowAttributes(window) + [
            ("dilations", .ints([window.dilation.h, window.dilation.w])), ("group", .int(groups))])
    }

    public var slidingWindow: Window2D? { window }

    /// The filters, the weight count, and the im2col matrix and GEMM the conv becomes.
    public func explanation(input: [Int], output: [Int]) -> [String] {
        let g = Shape.grouped
        let k = window.kernel, cinG = inChannels / groups, coutG = outChannels / groups
        let grouping = groups == 1 ? "" : " in \(groups) groups"
        var lines = ["channels: \(inChannels) → \(outChannels)\(grouping): \(outChannels) filters of \(cinG)×\(k.h)×\(k.w)"]
        let weights = outChannels * cinG * k.h * k.w
        let count = "weights: \(outChannels)·\(cinG)·\(k.h)·\(k.w) = \(g(weights))"
        lines.append(count + (bias == nil ? " parameters (no bias)" : " + bias \(outChannels) = \(g(weights + outChannels)) parameters"))
        if output.count >= 3 {
            let p = output[output.count - 2], q = output[output.count - 1]
            let rows = cinG * k.h * k.w, cols = p * q
            let per = groups == 1 ? "" : " per group"
            lines.append("im2col: (\(cinG)·\(k.h)·\(k.w) = \(g(rows))) × (\(p)·\(q) = \(g(cols))) per image\(per); GEMM \(coutG)×\(g(rows)) · \(g(rows))×\(g(cols))\(groups == 1 ? "" : ", \(groups) times")")
            let images = output.count == 4 ? output[0] : 1
            let taps = bias == nil ? g(rows) : "(\(g(rows)) + 1)"
            let total = multAdds(output: output)
            let perImage = images == 0 ? 0 : total / images
            lines.append("mult-adds: \(outChannels)·\(taps)·\(g(cols)) = \(g(perImage)) per image\(images == 1 ? "" : ", \(g(total)) for \(images) images")\(bias == nil ? "" : " (+ 1: the bias)")")
        }
        return lines
    }

    /// torchinfo's rule: every parameter once per output position (N·P·Q).
    public func multAdds(output: [Int]) -> Int {
        let params = LayerDefaults.ownParameterCount(self)
        guard params > 0, output.count >= 3, output[output.count - 3] > 0 else { return 0 }
        return LayerDefaults.count(output) / output[output.count - 3] * params
    }
}

extension Dense: DescribedLayer {
    public static var specKinds: [String] { ["Dense"] }

    public func specFields(_ writer: inout ModelSpec.Writer) throws -> [(key: String, value: JSONValue)] {
        [("in", .int(inFeatures)), ("out", .int(outFeatures)), ("bias", .bool(bias != nil))]
    }

    public static func rebuild(_ spec: ModelSpec.Reader, rng: inout RandomSource) throws -> Module {
        let fin = try spec.int("in", minimum: 1), fout = try spec.int("out", minimum: 1)
        return try Dense(fin, fout, bias: try spec.bool("bias", default: true), rng: &rng)
    }

    public func emitONNX(_ onnx: inout ONNXEmitter, input x: String, shape: [Int], prefix p: String) throws -> String {
        let w = onnx.initializer(p + "weight", weight.value)
        if shape.count == 2 {
            let ins = [x, w] + (bias.map { [onnx.initializer(p + "bias", $0.value)] } ?? [])
            return onnx.op("Gemm", ins, p, [("transB", .int(1))])
        }
        // Over the last axis of a higher-rank input: x·Wᵀ (+ b) as MatMul with the weight transposed.
        let wt = onnx.op("Transpose", [w], p, [("perm", .ints([1, 0]))])
        let y = onnx.op("MatMul", [x, wt], p)
        guard let b = bias else { return y }
        return onnx.op("Add", [y, onnx.initializer(p + "bias", b.value)], p)
    }

    /// The product, the weight count and the GEMM.
    public func explanation(input: [Int], output: [Int]) -> [String] {
        let g = Shape.grouped
        let rows = output.isEmpty ? 0 : LayerDefaults.count(output) / max(1, outFeatures)
        var lines = ["y = x·Wᵀ + b over the last axis: \(inFeatures) → \(outFeatures) features"]
        let weights = inFeatures * outFeatures
        let count = "weights: \(outFeatures)·\(inFeatures) = \(g(weights))"
        let params = bias == nil ? weights : weights + outFeatures
        lines.append(count + (bias == nil ? " parameters (no bias)" : " + bias \(outFeatures) = \(g(params)) parameters"))
        lines.append("GEMM \(g(rows))×\(g(inFeatures)) · \(g(inFeatures))×\(g(outFeatures)); mult-adds \(g(rows))·\(g(params)) = \(g(multAdds(output: output)))")
        return lines
    }

    /// torchinfo's rule: every parameter once per row (the positions before the feature axis).
    public func multAdds(output: [Int]) -> Int {
        let params = LayerDefaults.ownParameterCount(self)
        guard params > 0, let features = output.last, features > 0 else { return 0 }
        return LayerDefaults.count(output) / features * params
    }
}
