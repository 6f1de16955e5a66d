// MaxPool / AvgPool: x N×C×H×W (or C×H×W, H×W) → N×C×P×Q (same rank), P×Q from `Window2D.outputSize`.
// GlobalAvgPool: N×C×H×W → N×C×1×1. Flatten(axis): d0×…×dk×… → d0×…×d(k-1)×(dk·…).

/// Spatial size of a pooling input of rank 2, 3 or 4, and the output shape in the same rank.
private func poolOutputShape(_ layer: Module, _ input: [Int], window: Window2D) throws -> [Int] {
    guard (2...4).contains(input.count), input.allSatisfy({ $0 >= 0 }) else {
        throw OpError(layer.typeName, "\(layer.signature) expects an N×C×H×W, C×H×W or H×W input, got \(Shape.describe(input))")
    }
    let hw = Size2(input[input.count - 2], input[input.count - 1])
    let out = try window.outputSize(input: hw, op: layer.typeName)
    // The pool ops' own rule (PyTorch's): every window must overlap the input.
    let pad = window.resolvedPadding(input: hw)
    let reach = window.effectiveKernel
    guard max(pad.top, pad.bottom) <= reach.h / 2, max(pad.left, pad.right) <= reach.w / 2 else {
        throw OpError(layer.typeName, "\(layer.signature): padding \(pad) must be at most half the kernel reach \(reach) on each side")
    }
    return Array(input.dropLast(2)) + [out.h, out.w]
}

private func describe(_ s: Size2) -> String { s.h == s.w ? "\(s.h)" : "[\(s.h), \(s.w)]" }

private func windowArguments(_ w: Window2D) -> String {
    var s = describe(w.kernel)
    if w.stride != w.kernel { s += ", stride:\(describe(w.stride))" }
    switch w.padding {
    case .explicit(let p) where p == .zero: break
    case .valid: break
    default: s += ", pad:\(w.padding)"
    }
    if w.dilation != Size2(1) { s += ", dilation:\(describe(w.dilation))" }
    if w.ceilMode { s += ", ceil:true" }
    return s
}

/// Max pooling (PyTorch's `nn.MaxPool2d`; stride defaults to the kernel size).
public final class MaxPool: Module {
    public let window: Window2D
    public var isTraining = true

    public init(kernel: Size2, stride: Size2? = nil, padding: PaddingSpec = .explicit(.zero),
                dilation: Size2 = Size2(1), ceilMode: Bool = false) throws {
        window = Window2D(kernel: kernel, stride: stride ?? kernel, dilation: dilation, padding: padding, ceilMode: ceilMode)
        try window.validate(op: "MaxPool")
    }

    public var typeName: String { "MaxPool" }
    public var signature: String { "MaxPool(\(windowArguments(window)))" }
    public var children: [(name: String, module: Module)] { [] }
    public var ownParameters: [(name: String, variable: Variable)] { [] }
    public var ownBuffers: [(name: String, tensor: Tensor)] { [] }

    public func forward(_ x: Variable) throws -> Variable {
        try Variable.maxPool(x, kernel: window.kernel, stride: window.stride, padding: window.padding,
                             dilation: window.dilation, ceilMode: window.ceilMode)
    }
    public func outputShape(for input: [Int]) throws -> [Int] { try poolOutputShape(self, input, window: window) }
}

/// Average pooling (PyTorch's `nn.AvgPool2d`): `countPad` is PyTorch's `count_include_pad`, default
/// true (ONNX's default is false).
public final class AvgPool: Module {
    public let window: Window2D
    public let countPad: Bool
    public var isTraining = true

    public init(kernel: Size2, stride: Size2? = nil, padding: PaddingSpec = .explicit(.zero),
                ceilMode: Bool = false, countPad: Bool = true) throws {
        window = Window2D(kernel: kernel, stride: stride ?? kernel, padding: padding, ceilMode: ceilMode)
        self.countPad = countPad
        try window.validate(op: "AvgPool")
    }

    public var typeName: String { "AvgPool" }
    public var signature: String { "AvgPool(\(windowArguments(window))\(countPad ? "" : ", count_pad:false"))" }
    public var children: [(name: String, module: Module)] { [] }
    public var ownParameters: [(name: String, variable: Variable)] { [] }
    public var ownBuffers: [(name: String, tensor: Tensor)] { [] }

    public func forward(_ x: Variable) throws -> Variable {
        try Variable.avgPool(x, kernel: window.kernel, stride: window.stride, padding: window.padding,
                             ceilMode: window.ceilMode, countPad: countPad)
    }
    public func outputShape(for input: [Int]) throws -> [Int] { try poolOutputShape(self, input, window: window) }
}

/// The mean of each H×W plane, keeping N×C×1×1 (ONNX GlobalAveragePool; torchvision's
/// `AdaptiveAvgPool2d((1, 1))`).
public final class GlobalAvgPool: Module {
    public var isTraining = true
    public init() {}

    public var typeName: String { "GlobalAvgPool" }
    public var signature: String { "GlobalAvgPool()" }
    public var children: [(name: String, module: Module)] { [] }
    public var ownParameters: [(name: String, variable: Variable)] { [] }
    public var ownBuffers: [(name: String, tensor: Tensor)] { [] }

    public func forward(_ x: Variable) throws -> Variable { try Variable.globalAvgPool(x) }

    public func outputShape(for input: [Int]) throws -> [Int] {
        guard (2...4).contains(input.count), input.allSatisfy({ $0 >= 0 }) else {
            throw OpError(typeName, "\(signature) expects an N×C×H×W, C×H×W or H×W input, got \(Shape.describe(input))")
        }
        guard input[input.count - 2] >= 1, input[input.count - 1] >= 1 else {
            throw OpError(typeName, "\(signature): input plane \(input[input.count - 2])×\(input[input.count - 1]) is empty")
        }
        return Array(input.dropLast(2)) + [1, 1]
    }
}

/// Keeps the axes before `axis` and multiplies the rest into one (PyTorch's `nn.Flatten`, default 1).
public final class Flatten: Module {
    public let axis: Int
    public var isTraining = true
    public init(axis: Int = 1) { self.axis = axis }

    public var typeName: String { "Flatten" }
    public var signature: String { axis == 1 ? "Flatten()" : "Flatten(axis:\(axis))" }
    public var children: [(name: String, module: Module)] { [] }
    public var ownParameters: [(name: String, variable: Variable)] { [] }
    public var ownBuffers: [(name: String, tensor: Tensor)] { [] }

    public func forward(_ x: Variable) throws -> Variable { try x.flatten(axis: axis) }

    /// The rule of `Tensor.flatten`: head axes kept (`[1]` for axis 0), the rest multiplied.
    public func outputShape(for input: [Int]) throws -> [Int] {
        let a = axis < 0 ? axis + input.count : axis
        guard a >= 0, a <= input.count, input.allSatisfy({ $0 >= 0 }) else {
            throw OpError(typeName, "\(signature): axis \(axis) is out of range for an input \(Shape.describe(input)) of rank \(input.count)")
        }
        var tail = 1
        for d in input[a...] {
            let (p, overflow) = tail.multipliedReportingOverflow(by: d)
            guard !overflow else { throw OpError(typeName, "\(signature): flattening \(Shape.describe(input)) overflows") }
            tail = p
        }
        return (a == 0 ? [1] : Array(input[..<a])) + [tail]
    }
}

extension MaxPool: DescribedLayer {
    public static var specKinds: [String] { ["MaxPool"] }

    public func specFields(_ writer: inout ModelSpec.Writer) throws -> [(key: String, value: JSONValue)] {
        [("kernel", ModelSpec.Writer.size(window.kernel)), ("stride", ModelSpec.Writer.size(window.stride)),
         ("padding", ModelSpec.Writer.padding(window.padding)), ("dilation", ModelSpec.Writer.size(window.dilation)),
         ("ceil", .bool(window.ceilMode))]
    }

    public static func rebuild(_ spec: ModelSpec.Reader, rng: inout RandomSource) throws -> Module {
        let kernel = try spec.size("kernel")
        let stride = try spec.size("stride", default: kernel), pad = try spec.padding()
        let dilation = try spec.size("dilation", default: Size2(1)), ceil = try spec.bool("ceil", default: false)
        return try MaxPool(kernel: kernel, stride: stride, padding: pad, dilation: dilation, ceilMode: ceil)
    }

    public func emitONNX(_ onnx: inout ONNXEmitter, input x: String, shape: [Int], prefix p: String) throws -> String {
        onnx.op("MaxPool", [x], p, onnx.windowAttributes(window) + [
            ("dilations", .ints([window.dilation.h, window.dilation.w])), ("ceil_mode", .int(window.ceilMode ? 1 : 0))])
    }

    public var slidingWindow: Window2D? { window }

    public func explanation(input: [Int], output: [Int]) -> [String] {
        let k = window.kernel
        return ["each output is the max of \(k.h)·\(k.w) = \(k.h * k.w) inputs; channels unchanged; no weights"]
    }

    /// The output and the argmax indices backward routes the gradient through.
    public func keptScalars(output: [Int]) -> Int { 2 * LayerDefaults.count(output) }
}

extension AvgPool: DescribedLayer {
    public static var specKinds: [String] { ["AvgPool"] }

    public func specFields(_ writer: inout ModelSpec.Writer) throws -> [(key: String, value: JSONValue)] {
        [("kernel", ModelSpec.Writer.size(window.kernel)), ("stride", ModelSpec.Writer.size(window.stride)),
         ("padding", ModelSpec.Writer.padding(window.padding)), ("ceil", .bool(window.ceilMode)),
         ("count_pad", .bool(countPad))]
    }

    public static func rebuild(_ spec: ModelSpec.Reader, rng: inout RandomSource) throws -> Module {
        let kernel = try spec.size("kernel")
        let stride = try spec.size("stride", default: kernel), pad = try spec.padding()
        let ceil = try spec.bool("ceil", default: false), countPad = try spec.bool("count_pad", default: true)
        return try AvgPool(kernel: kernel, stride: stride, padding: pad, ceilMode: ceil, countPad: countPad)
    }

    public func emitONNX(_ onnx: inout ONNXEmitter, input x: String, shape: [Int], prefix p: String) throws -> String {
        // ONNX's count_include_pad default (0) differs from PyTorch's: always written.
        onnx.op("AveragePool", [x], p, onnx.windowAttributes(window) + [
            ("ceil_mode", .int(window.ceilMode ? 1 : 0)), ("count_include_pad", .int(countPad ? 1 : 0))])
    }

    public var slidingWindow: Window2D? { window }

    public func explanation(input: [Int], output: [Int]) -> [String] {
        let k = window.kernel
        return ["each output is the mean of \(k.h)·\(k.w) = \(k.h * k.w) inputs (padding \(countPad ? "counted" : "not counted")); no weights"]
    }
}

extension GlobalAvgPool: DescribedLayer {
    public static var specKinds: [String] { ["GlobalAvgPool"] }
    public func specFields(_ writer: inout ModelSpec.Writer) throws -> [(key: String, value: JSONValue)] { [] }
    public static func rebuild(_ spec: ModelSpec.Reader, rng: inout RandomSource) throws -> Module { GlobalAvgPool() }

    public func emitONNX(_ onnx: inout ONNXEmitter, input x: String, shape: [Int], prefix p: String) throws -> String {
        onnx.op("GlobalAveragePool", [x], p)
    }

    public func explanation(input: [Int], output: [Int]) -> [String] {
        guard input.count >= 2 else { return [] }
        let h = input[input.count - 2], w = input[input.count - 1]
        return ["the mean of each \(h)×\(w) plane (\(Shape.grouped(h * w)) values) → 1×1; no weights"]
    }
}

extension Flatten: DescribedLayer {
    public static var specKinds: [String] { ["Flatten"] }

    public func specFields(_ writer: inout ModelSpec.Writer) throws -> [(key: String, value: JSONValue)] {
        [("axis", .int(axis))]
    }

    public static func rebuild(_ spec: ModelSpec.Reader, rng: inout RandomSource) throws -> Module {
        Flatten(axis: try spec.int("axis", default: 1))
    }

    public func emitONNX(_ onnx: inout ONNXEmitter, input x: String, shape: [Int], prefix p: String) throws -> String {
        let a = axis < 0 ? axis + shape.count : axis
        if a == 1 { return onnx.op("Flatten", [x], p, [("axis", .int(1))]) }
        // cnns keeps the axes before `axis` (ONNX Flatten would multiply them): a Reshape copying them.
        let target = try outputShape(for: shape)
        let dims = a == 0 ? [1, -1] : [Int](repeating: 0, count: target.count - 1) + [-1]
        return onnx.op("Reshape", [x, onnx.intInitializer(dims, p)], p)
    }

    public func explanation(input: [Int], output: [Int]) -> [String] {
        let a = axis < 0 ? axis + input.count : axis
        guard a >= 0, a <= input.count else { return [] }
        let tail = input[a...]
        let product = tail.isEmpty ? "1" : tail.map(String.init).joined(separator: "·")
        let head = input[..<a].map(String.init).joined(separator: "×")
        let kept = a == 0 ? "a leading 1" : a == 1 ? "axis 0 (\(head))" : "axes 0…\(a - 1) (\(head))"
        return ["keeps \(kept), multiplies the rest: \(product) = \(Shape.grouped(output.last ?? 0)); no weights"]
    }

    /// A flattened tensor shares its input's storage: nothing new is kept.
    public func keptScalars(output: [Int]) -> Int { 0 }
}
