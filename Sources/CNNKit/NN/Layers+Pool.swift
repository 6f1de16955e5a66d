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
