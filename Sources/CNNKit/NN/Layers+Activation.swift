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
