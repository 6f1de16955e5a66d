// Elementwise activations and Softmax: any shape → the same shape. Dropout: the same shape.

/// A parameter-free activation layer: ReLU, LeakyReLU, Sigmoid, Tanh or Softmax.
public final class Activation: Module {
    public enum Kind: Equatable, Sendable {
        case relu
        case leakyRelu(slope: Float)
        case sigmoid
        case tanh
        /// Softmax over `axis` (PyTorch's `nn.Softmax(dim)`; the layer default is the class axis 1).
        case softmax(axis: Int)
    }

    public let kind: Kind
    public var isTraining = true
    public init(_ kind: Kind) { self.kind = kind }

    public var typeName: String {
        switch kind {
        case .relu: return "ReLU"
        case .leakyRelu: return "LeakyReLU"
        case .sigmoid: return "Sigmoid"
        case .tanh: return "Tanh"
        case .softmax: return "Softmax"
        }
    }
    public var signature: String {
        switch kind {
        case .leakyRelu(let slope) where slope != 0.01: return "LeakyReLU(\(slope))"
        case .softmax(let axis) where axis != 1: return "Softmax(axis:\(axis))"
        default: return typeName + "()"
        }
    }
    public var children: [(name: String, module: Module)] { [] }
    public var ownParameters: [(name: String, variable: Variable)] { [] }
    public var ownBuffers: [(name: String, tensor: Tensor)] { [] }

    public func forward(_ x: Variable) throws -> Variable {
        switch kind {
        case .relu: return try x.relu()
        case .leakyRelu(let slope): return try x.leakyRelu(slope: slope)
        case .sigmoid: return try x.sigmoid()
        case .tanh: return try x.tanh()
        case .softmax(let axis): return try x.softmax(axis: axis)
        }
    }

    public func outputShape(for input: [Int]) throws -> [Int] {
        guard input.allSatisfy({ $0 >= 0 }) else {
            throw OpError(typeName, "\(signature) got an invalid shape \(Shape.describe(input))")
        }
        if case .softmax(let axis) = kind {
            _ = try Shape.normalizeAxis(axis, rank: input.count, op: typeName)
        }
        return input
    }
}

/// Zeroes each element with probability `p` in training mode and scales the rest by 1/(1−p)
/// (PyTorch's inverted dropout); the identity in inference mode. Masks come from the layer's own
/// generator seeded by `seed`, so a run is repeatable.
public final class Dropout: Module {
    public let p: Float
    public let seed: UInt64
    private var rng: RandomSource
    public var isTraining = true

    public init(p: Float, seed: UInt64) throws {
        guard p >= 0, p < 1 else { throw OpError("Dropout", "p must be in [0, 1), got \(p)") }
        self.p = p
        self.seed = seed
        rng = RandomSource(seed: seed)
    }

    public var typeName: String { "Dropout" }
    public var signature: String { "Dropout(\(p))" }
    public var children: [(name: String, module: Module)] { [] }
    public var ownParameters: [(name: String, variable: Variable)] { [] }
    public var ownBuffers: [(name: String, tensor: Tensor)] { [] }

    public func forward(_ x: Variable) throws -> Variable {
        guard isTraining, p > 0 else { return x }
        return try x.dropout(p: p, training: true, using: &rng)
    }

    public func outputShape(for input: [Int]) throws -> [Int] {
        guard input.allSatisfy({ $0 >= 0 }) else {
            throw OpError(typeName, "\(signature) got an invalid shape \(Shape.describe(input))")
        }
        return input
    }
}

extension Activation: DescribedLayer {
    public static var specKinds: [String] { ["ReLU", "LeakyReLU", "Sigmoid", "Tanh", "Softmax"] }

    public func specFields(_ writer: inout ModelSpec.Writer) throws -> [(key: String, value: JSONValue)] {
        switch kind {
        case .leakyRelu(let slope): return [("slope", ModelSpec.Writer.number(slope))]
        case .softmax(let axis): return [("axis", .int(axis))]
        case .relu, .sigmoid, .tanh: return []
        }
    }

    public static func rebuild(_ spec: ModelSpec.Reader, rng: inout RandomSource) throws -> Module {
        switch spec.type {
        case "LeakyReLU": return Activation(.leakyRelu(slope: try spec.float("slope", default: 0.01)))
        case "Sigmoid": return Activation(.sigmoid)
        case "Tanh": return Activation(.tanh)
        case "Softmax": return Activation(.softmax(axis: try spec.int("axis", default: 1)))
        default: return Activation(.relu)
        }
    }

    public func emitONNX(_ onnx: inout ONNXEmitter, input x: String, shape: [Int], prefix p: String) throws -> String {
        switch kind {
        case .relu: return onnx.op("Relu", [x], p)
        case .leakyRelu(let slope): return onnx.op("LeakyRelu", [x], p, [("alpha", .float(slope))])
        case .sigmoid: return onnx.op("Sigmoid", [x], p)
        case .tanh: return onnx.op("Tanh", [x], p)
        case .softmax(let axis): return onnx.op("Softmax", [x], p, [("axis", .int(axis))])
        }
    }
}

extension Dropout: DescribedLayer {
    public static var specKinds: [String] { ["Dropout"] }

    public func specFields(_ writer: inout ModelSpec.Writer) throws -> [(key: String, value: JSONValue)] {
        // The seed as a string: JSON numbers would round a UInt64.
        [("p", ModelSpec.Writer.number(p)), ("seed", .string(String(seed)))]
    }

    public static func rebuild(_ spec: ModelSpec.Reader, rng: inout RandomSource) throws -> Module {
        let p = try spec.float("p")
        var seed: UInt64 = 0
        if let s = spec.value["seed"] {
            guard case .string(let text) = s, let parsed = UInt64(text) else {
                throw spec.fail("\"seed\" should be a string of digits, got \(s.text)")
            }
            seed = parsed
        }
        return try Dropout(p: p, seed: seed)
    }

    /// Inference mode: the identity.
    public func emitONNX(_ onnx: inout ONNXEmitter, input x: String, shape: [Int], prefix p: String) throws -> String {
        onnx.op("Identity", [x], p)
    }

    /// The output and the mask backward multiplies by.
    public func keptScalars(output: [Int]) -> Int { 2 * LayerDefaults.count(output) }
}
