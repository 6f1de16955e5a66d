/// A model as a directed acyclic graph of named tensors (what imported ONNX networks are): each node
/// reads named tensors and writes one, running a layer (`Module`) or a functional op. Execution is
/// topological on `Variable`s, so `fit` trains a graph like a `Sequential`.
///
/// Children are the layer nodes, named after their weights' prefix where the file gave one
/// (`fc`, `layer1.0.conv1`), so `namedParameters` gives the exporter's initializer names and
/// `setChild("fc", Dense(512, 5))` swaps a head for fine-tuning.
public final class GraphModel: Module {
    /// What a node computes. Shapes follow ONNX's operator of the same name.
    public enum Op {
        /// A layer applied to the node's one input.
        case layer(Module)
        /// Elementwise with NumPy broadcasting (Add, Sub, Mul, Div).
        case binary(BinaryOp)
        /// NumPy matmul of two inputs.
        case matmul
        /// `alpha·op(A)·op(B) + beta·C` (C optional, broadcast).
        case gemm(transA: Bool, transB: Bool, alpha: Float, beta: Float)
        case concat(axis: Int)
        /// Input 0 reshaped to the values of input 1 (0 copies the input's dim, −1 is inferred).
        case reshape
        case transpose([Int])
        case flatten(axis: Int)
        /// ONNX pads `[begin₀…, end₀…]` for every axis, constant `value`.
        case pad([Int], value: Float)
        case clip(min: Float?, max: Float?)
        /// `max(0, x) + slope·min(0, x)`; input 1 is the slope, broadcast.
        case prelu
        case identity
        /// The input's shape as a vector.
        case shape
        /// Input 0 indexed along `axis` by the values of input 1 (a scalar or a vector).
        case gather(axis: Int)
        case unsqueeze([Int])
        case squeeze([Int])
        case globalMaxPool

        /// The ONNX operator the op writes as.
        public var name: String {
            switch self {
            case .layer(let m): return m.typeName
            case .binary(let b):
                switch b { case .add: return "Add"; case .sub: return "Sub"; case .mul: return "Mul"; default: return "Div" }
            case .matmul: return "MatMul"
            case .gemm: return "Gemm"
            case .concat: return "Concat"
            case .reshape: return "Reshape"
            case .transpose: return "Transpose"
            case .flatten: return "Flatten"
            case .pad: return "Pad"
            case .clip: return "Clip"
            case .prelu: return "PRelu"
            case .identity: return "Identity"
            case .shape: return "Shape"
            case .gather: return "Gather"
            case .unsqueeze: return "Unsqueeze"
            case .squeeze: return "Squeeze"
            case .globalMaxPool: return "GlobalMaxPool"
            }
        }
    }

    public struct Node {
        public var name: String
        public var op: Op
        public var inputs: [String]
        public var output: String
        public init(name: String, op: Op, inputs: [String], output: String) {
            self.name = name; self.op = op; self.inputs = inputs; self.output = output
        }
    }

    /// Nodes in execution (topological) order.
    public private(set) var nodes: [Node]
    public let inputName: String
    public let outputName: String
    /// Named tensors that are not computed: initializers and constants read by functional ops.
    public private(set) var constants: [String: Variable]
    /// Which constants are learned (listed as parameters, in this order).
    public let trainableConstants: [String]
    /// The input shape the file declared (−1 for a symbolic dim such as the batch), if it did.
    public var declaredInputShape: [Int]?
    public var isTraining = true

    /// Sorts `nodes` topologically; throws on a cycle, on a tensor read but never produced, or on a
    /// tensor produced twice.
    public init(nodes: [Node], input: String, output: String, constants: [String: Variable] = [:],
                trainable: [String] = [], declaredInputShape: [Int]? = nil) throws {
        let op = "Graph"
        guard !nodes.isEmpty else { throw OpError(op, "the graph has no nodes") }
        var producer: [String: Int] = [:]
        var names = Set<String>()
        for (k, n) in nodes.enumerated() {
            guard producer[n.output] == nil, n.output != input, constants[n.output] == nil else {
                throw OpError(op, "tensor '\(n.output)' is written by more than one node (again by '\(n.name)')")
            }
            guard names.insert(n.name).inserted else { throw OpError(op, "two nodes are named '\(n.name)'") }
            producer[n.output] = k
        }
        // Kahn's algorithm, keeping the file's order among ready nodes.
        var waiting = [Int](repeating: 0, count: nodes.count)
        var readers: [[Int]] = Array(repeating: [], count: nodes.count)
        for (k, n) in nodes.enumerated() {
            for i in n.inputs {
                if let p = producer[i] {
                    waiting[k] += 1
                    readers[p].append(k)
                } else if i != input && constants[i] == nil {
                    throw OpError(op, "node '\(n.name)' (\(n.op.name)) reads '\(i)', which is neither the input, an initializer nor any node's output")
                }
            }
        }
        var ready = (0..<nodes.count).filter { waiting[$0] == 0 }.reversed().map { $0 }
        var order: [Int] = []
        while let k = ready.popLast() {
            order.append(k)
            for r in readers[k].reversed() {
                waiting[r] -= 1
                if waiting[r] == 0 { ready.append(r) }
            }
        }
        guard order.count == nodes.count else {
            let stuck = (0..<nodes.count).filter { waiting[$0] > 0 }.prefix(4).map { "'\(nodes[$0].name)'" }
            throw OpError(op, "the graph has a cycle through nodes \(stuck.joined(separator: ", "))")
        }
        guard producer[output] != nil || output == input else {
            throw OpError(op, "the output '\(output)' is not produced by any node")
        }
        self.nodes = order.map { nodes[$0] }
        inputName = input; outputName = output
        self.constants = constants
        trainableConstants = trainable.filter { constants[$0] != nil }
        self.declaredInputShape = declaredInputShape
    }

    public var typeName: String { "Graph" }
    public var signature: String { "Graph(\(nodes.count) node\(nodes.count == 1 ? "" : "s"))" }

    public var children: [(name: String, module: Module)] {
        nodes.compactMap { n in
            if case .layer(let m) = n.op { return (n.name, m) }
            return nil
        }
    }
    public var ownParameters: [(name: String, variable: Variable)] {
        trainableConstants.compactMap { name in constants[name].map { (name, $0) } }
    }
    public var ownBuffers: [(name: String, tensor: Tensor)] { [] }

    public func setChild(name: String, module: Module) throws {
        guard let k = nodes.firstIndex(where: { $0.name == name }), case .layer = nodes[k].op else {
            let names = children.map(\.name).prefix(8).joined(separator: ", ")
            throw OpError(typeName, "has no layer node '\(name)' to replace (layers: \(names)\(children.count > 8 ? ", …" : ""))")
        }
        nodes[k].op = .layer(module)
    }

    public func forward(_ x: Variable) throws -> Variable {
        var env = constants
        env[inputName] = x
        for n in nodes {
            try Engine.checkCancel()
            let args = try n.inputs.map { name -> Variable in
                guard let v = env[name] else { throw OpError(typeName, "node '\(n.name)' reads '\(name)' before it is computed") }
                return v
            }
            do {
                env[n.output] = try GraphOps.run(n.op, args)
            } catch let e as OpError {
                throw OpError(typeName, "node '\(n.name)' (\(n.op.name)): \(e.op): \(e.message)")
            }
        }
        guard let out = env[outputName] else { throw OpError(typeName, "the output '\(outputName)' was not computed") }
        return out
    }

    /// Propagates shapes (and the values of small integer tensors, so a Shape→Gather→Concat→Reshape
    /// chain folds) through the graph without computing anything.
    public func outputShape(for input: [Int]) throws -> [Int] {
        try propagate(input).output
    }

    /// The input shape each layer node sees for a model input shaped `input`, by layer name (what
    /// `summary` shows for a graph, whose layers are not a chain).
    public func layerInputShapes(for input: [Int]) throws -> [String: [Int]] {
        try propagate(input).layerInputs
    }

    private func propagate(_ input: [Int]) throws -> (output: [Int], layerInputs: [String: [Int]]) {
        var env: [String: GraphOps.Known] = [:]
        var layerInputs: [String: [Int]] = [:]
        for (name, v) in constants { env[name] = GraphOps.Known(constant: v.value) }
        env[inputName] = GraphOps.Known(shape: input, values: nil)
        for n in nodes {
            let args = try n.inputs.map { name -> GraphOps.Known in
                guard let k = env[name] else { throw OpError(typeName, "node '\(n.name)' reads '\(name)' before it is computed") }
                return k
            }
            if case .layer = n.op, let first = args.first { layerInputs[n.name] = first.shape }
            do {
                env[n.output] = try GraphOps.infer(n.op, args)
            } catch let e as OpError {
                throw OpError(typeName, "node '\(n.name)' (\(n.op.name)) for input \(Shape.describe(input)): \(e.op): \(e.message)")
            }
        }
        guard let out = env[outputName] else { throw OpError(typeName, "the output '\(outputName)' was not computed") }
        return (out.shape, layerInputs)
    }
}

extension GraphModel {
    /// The input shape the graph declared, its symbolic dimensions (the batch) taken as 1; nil when it
    /// declared none or the graph does not accept it. Export and saving need a concrete shape.
    public var concreteInputShape: [Int]? {
        guard let dims = declaredInputShape, dims.count >= 2 else { return nil }
        let shape = dims.map { $0 < 1 ? 1 : $0 }
        return (try? outputShape(for: shape)) == nil ? nil : shape
    }
}

extension GraphModel: DescribedLayer {
    /// A graph is saved as ONNX, not as an architecture description: it is never rebuilt from one.
    public static var specKinds: [String] { [] }

    public func specFields(_ writer: inout ModelSpec.Writer) throws -> [(key: String, value: JSONValue)] {
        throw ModelSpec.Writer.cannotDescribe(self)
    }

    public static func rebuild(_ spec: ModelSpec.Reader, rng: inout RandomSource) throws -> Module {
        throw spec.fail("a graph model is not rebuilt from an architecture description")
    }

    public func emitONNX(_ onnx: inout ONNXEmitter, input x: String, shape: [Int], prefix p: String) throws -> String {
        try onnx.emitGraph(self, input: x, shape: shape, prefix: p)
    }
}
