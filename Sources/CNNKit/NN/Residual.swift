// Residual: x → block(x) + shortcut(x), the two shapes equal. BasicBlock: N×Cin×H×W → N×Cout×H/s×W/s.

/// `block(x) + shortcut(x)`, the shortcut being the identity when nil or a projection (e.g. a 1×1
/// conv + BatchNorm) when the block changes the shape. Nothing follows the sum: add a ReLU after it.
/// Children are "block" and, when present, "shortcut".
public final class Residual: Module {
    public var block: Module
    public var shortcut: Module?
    public var isTraining = true

    public init(_ block: Module, shortcut: Module? = nil) {
        self.block = block
        self.shortcut = shortcut
    }

    public var typeName: String { "Residual" }
    public var signature: String { shortcut == nil ? "Residual(block)" : "Residual(block, shortcut:\(shortcut?.typeName ?? ""))" }
    public var children: [(name: String, module: Module)] {
        [("block", block)] + (shortcut.map { [("shortcut", $0)] } ?? [])
    }
    public var ownParameters: [(name: String, variable: Variable)] { [] }
    public var ownBuffers: [(name: String, tensor: Tensor)] { [] }

    public func forward(_ x: Variable) throws -> Variable {
        let main = try block.forward(x)
        let side = try shortcut?.forward(x) ?? x
        guard main.shape == side.shape else {
            throw OpError(typeName, "block output \(Shape.describe(main.shape)) and shortcut output \(Shape.describe(side.shape)) differ for input \(Shape.describe(x.shape))")
        }
        return try Variable.binary(.add, main, side)
    }

    public func outputShape(for input: [Int]) throws -> [Int] {
        let main = try block.outputShape(for: input)
        let side = try shortcut?.outputShape(for: input) ?? input
        guard main == side else {
            throw OpError(typeName, "block output \(Shape.describe(main)) and \(shortcut == nil ? "identity shortcut" : "shortcut output") \(Shape.describe(side)) differ for input \(Shape.describe(input)); give a projection shortcut")
        }
        return main
    }

    public func setChild(name: String, module: Module) throws {
        switch name {
        case "block": block = module
        case "shortcut": shortcut = module
        default: throw OpError(typeName, "has sub-layers 'block' and 'shortcut', no '\(name)'")
        }
    }
}

/// torchvision's ResNet `BasicBlock`: conv3×3(stride) → BN → ReLU → conv3×3 → BN, plus the input (or
/// its `downsample` projection: 1×1 conv with stride, no bias, then BN), then ReLU. The one `relu`
/// child is applied twice, as in torchvision. State-dict names: conv1, bn1, conv2, bn2,
/// downsample.0, downsample.1.
public final class BasicBlock: Module {
    public var conv1: Module, bn1: Module, relu: Module, conv2: Module, bn2: Module
    public var downsample: Module?
    public let inChannels: Int, outChannels: Int, stride: Int
    public var isTraining = true

    /// Convs initialised as torchvision's ResNet does: Kaiming-normal, fan_out, ReLU gain.
    public init(_ inChannels: Int, _ outChannels: Int, stride: Int = 1, rng: inout RandomSource) throws {
        self.inChannels = inChannels; self.outChannels = outChannels; self.stride = stride
        let he = Conv.WeightInit.kaimingNormalFanOut
        conv1 = try Conv(inChannels, outChannels, kernel: Size2(3), stride: Size2(stride),
                         padding: .explicit(Padding2D(1)), bias: false, weightInit: he, rng: &rng)
        bn1 = try BatchNorm(outChannels)
        relu = Activation(.relu)
        conv2 = try Conv(outChannels, outChannels, kernel: Size2(3), padding: .explicit(Padding2D(1)), bias: false,
                         weightInit: he, rng: &rng)
        bn2 = try BatchNorm(outChannels)
        if stride != 1 || inChannels != outChannels {
            downsample = Sequential([
                try Conv(inChannels, outChannels, kernel: Size2(1), stride: Size2(stride), bias: false, weightInit: he, rng: &rng),
                try BatchNorm(outChannels),
            ])
        }
    }

    public var typeName: String { "BasicBlock" }
    public var signature: String { "BasicBlock(\(inChannels), \(outChannels)\(stride == 1 ? "" : ", stride:\(stride)"))" }
    public var children: [(name: String, module: Module)] {
        [("conv1", conv1), ("bn1", bn1), ("relu", relu), ("conv2", conv2), ("bn2", bn2)]
            + (downsample.map { [("downsample", $0)] } ?? [])
    }
    public var ownParameters: [(name: String, variable: Variable)] { [] }
    public var ownBuffers: [(name: String, tensor: Tensor)] { [] }

    public func forward(_ x: Variable) throws -> Variable {
        var out = try relu.forward(bn1.forward(conv1.forward(x)))
        out = try bn2.forward(conv2.forward(out))
        let identity = try downsample?.forward(x) ?? x
        guard out.shape == identity.shape else {
            throw OpError(typeName, "\(signature): block output \(Shape.describe(out.shape)) and shortcut \(Shape.describe(identity.shape)) differ for input \(Shape.describe(x.shape))")
        }
        return try relu.forward(Variable.binary(.add, out, identity))
    }

    public func outputShape(for input: [Int]) throws -> [Int] {
        let out = try bn2.outputShape(for: conv2.outputShape(for: relu.outputShape(for: bn1.outputShape(for: conv1.outputShape(for: input)))))
        let identity = try downsample?.outputShape(for: input) ?? input
        guard out == identity else {
            throw OpError(typeName, "\(signature): block output \(Shape.describe(out)) and shortcut \(Shape.describe(identity)) differ for input \(Shape.describe(input))")
        }
        return out
    }

    public func setChild(name: String, module: Module) throws {
        switch name {
        case "conv1": conv1 = module
        case "bn1": bn1 = module
        case "relu": relu = module
        case "conv2": conv2 = module
        case "bn2": bn2 = module
        case "downsample": downsample = module
        default: throw OpError(typeName, "has sub-layers conv1, bn1, relu, conv2, bn2, downsample; no '\(name)'")
        }
    }
}

extension Residual: DescribedLayer {
    public static var specKinds: [String] { ["Residual"] }

    public func specFields(_ writer: inout ModelSpec.Writer) throws -> [(key: String, value: JSONValue)] {
        [("block", try writer.spec(block))] + (try shortcut.map { [("shortcut", try writer.spec($0))] } ?? [])
    }

    public static func rebuild(_ spec: ModelSpec.Reader, rng: inout RandomSource) throws -> Module {
        let block = try spec.module("block", rng: &rng)
        return Residual(block, shortcut: try spec.optionalModule("shortcut", rng: &rng))
    }

    public func emitONNX(_ onnx: inout ONNXEmitter, input x: String, shape: [Int], prefix p: String) throws -> String {
        let main = try onnx.emit(block, input: x, shape: shape, prefix: p + "block.")
        let side = try shortcut.map { try onnx.emit($0, input: x, shape: shape, prefix: p + "shortcut.") } ?? x
        return onnx.op("Add", [main, side], p)
    }
}

extension BasicBlock: DescribedLayer {
    public static var specKinds: [String] { ["BasicBlock"] }

    public func specFields(_ writer: inout ModelSpec.Writer) throws -> [(key: String, value: JSONValue)] {
        [("in", .int(inChannels)), ("out", .int(outChannels)), ("stride", .int(stride)), ("children", try writer.named(children))]
    }

    /// The block's own constructor makes the sub-layers' slots; the described ones replace them.
    public static func rebuild(_ spec: ModelSpec.Reader, rng: inout RandomSource) throws -> Module {
        let cin = try spec.int("in", minimum: 1), cout = try spec.int("out", minimum: 1)
        let stride = try spec.int("stride", default: 1, minimum: 1)
        var throwaway = RandomSource(seed: 0)
        let block = try BasicBlock(cin, cout, stride: stride, rng: &throwaway)
        let described = try spec.named("children")
        let expected = block.children.map(\.name)
        guard described.map(\.name) == expected else {
            throw spec.fail("a BasicBlock(\(cin), \(cout), stride:\(stride)) has sub-layers \(expected.joined(separator: ", ")), the description lists \(described.map(\.name).joined(separator: ", "))")
        }
        for (name, reader) in described { try block.setChild(name: name, module: try reader.module(rng: &rng)) }
        return block
    }

    public func emitONNX(_ onnx: inout ONNXEmitter, input x: String, shape: [Int], prefix p: String) throws -> String {
        let main = [("conv1", conv1), ("bn1", bn1), ("relu", relu), ("conv2", conv2), ("bn2", bn2)]
        let (y, s) = try onnx.emitChain(main, input: x, shape: shape, prefix: p)
        let identity = try downsample.map { try onnx.emit($0, input: x, shape: shape, prefix: p + "downsample.") } ?? x
        let sum = onnx.op("Add", [y, identity], p)
        return try onnx.emit(relu, input: sum, shape: s, prefix: p + "relu.")
    }
}
