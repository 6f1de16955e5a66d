/// Layers applied in order, children named "0", "1", … (PyTorch's `nn.Sequential`).
public final class Sequential: Module {
    public var layers: [Module]
    public var isTraining = true
    public init(_ layers: [Module]) { self.layers = layers }

    public var typeName: String { "Sequential" }
    public var signature: String { "Sequential(\(layers.count) layer\(layers.count == 1 ? "" : "s"))" }
    public var children: [(name: String, module: Module)] {
        layers.enumerated().map { (String($0.offset), $0.element) }
    }
    public var ownParameters: [(name: String, variable: Variable)] { [] }
    public var ownBuffers: [(name: String, tensor: Tensor)] { [] }

    public func forward(_ x: Variable) throws -> Variable {
        var h = x
        for layer in layers { h = try layer.forward(h) }
        return h
    }

    public func outputShape(for input: [Int]) throws -> [Int] {
        var s = input
        for layer in layers { s = try layer.outputShape(for: s) }
        return s
    }

    /// Replaces layer `name` ("0" … "\(count - 1)"; negative indices count from the end).
    public func setChild(name: String, module: Module) throws {
        guard let i = Int(name), i >= -layers.count, i < layers.count else {
            throw OpError(typeName, "has layers 0…\(layers.count - 1), no layer '\(name)'")
        }
        layers[i < 0 ? i + layers.count : i] = module
    }
}

/// Named layers applied in order: the container behind models whose `state_dict` names are words
/// (torchvision's ResNet: `conv1`, `bn1`, …, `fc`). `typeName` and `signature` are given by the maker
/// (`resnet(18, classes:10)`), so a model reads as what it is.
public final class NamedSequential: Module {
    public private(set) var entries: [(name: String, module: Module)]
    public let typeName: String
    public let signature: String
    public var isTraining = true

    /// Names must be distinct and non-empty, without dots (they become path components).
    public init(typeName: String, signature: String, _ entries: [(name: String, module: Module)]) throws {
        var seen = Set<String>()
        for (name, _) in entries {
            guard !name.isEmpty, !name.contains("."), seen.insert(name).inserted else {
                throw OpError(typeName, "sub-layer names must be distinct, non-empty and without dots, got '\(name)'")
            }
        }
        self.typeName = typeName
        self.signature = signature
        self.entries = entries
    }

    public var children: [(name: String, module: Module)] { entries }
    public var ownParameters: [(name: String, variable: Variable)] { [] }
    public var ownBuffers: [(name: String, tensor: Tensor)] { [] }

    /// The sub-layer called `name`, or nil.
    public subscript(name: String) -> Module? { entries.first { $0.name == name }?.module }

    public func forward(_ x: Variable) throws -> Variable {
        var h = x
        for (_, layer) in entries { h = try layer.forward(h) }
        return h
    }

    public func outputShape(for input: [Int]) throws -> [Int] {
        var s = input
        for (_, layer) in entries { s = try layer.outputShape(for: s) }
        return s
    }

    public func setChild(name: String, module: Module) throws {
        guard let i = entries.firstIndex(where: { $0.name == name }) else {
            throw OpError(typeName, "has no sub-layer '\(name)' (it has \(entries.map(\.name).joined(separator: ", ")))")
        }
        entries[i].module = module
    }
}

extension Sequential: DescribedLayer {
    public static var specKinds: [String] { ["Sequential"] }

    public func specFields(_ writer: inout ModelSpec.Writer) throws -> [(key: String, value: JSONValue)] {
        [("layers", .array(try layers.map { try writer.spec($0) }))]
    }

    public static func rebuild(_ spec: ModelSpec.Reader, rng: inout RandomSource) throws -> Module {
        Sequential(try spec.modules("layers", rng: &rng))
    }

    public func emitONNX(_ onnx: inout ONNXEmitter, input x: String, shape: [Int], prefix p: String) throws -> String {
        try onnx.emitChain(children, input: x, shape: shape, prefix: p).output
    }
}

extension NamedSequential: DescribedLayer {
    /// Its type is its maker's name ("ResNet"): the entry says which container it is.
    public static var specKinds: [String] { ["NamedSequential"] }

    public func specFields(_ writer: inout ModelSpec.Writer) throws -> [(key: String, value: JSONValue)] {
        [("kind", .string("NamedSequential")), ("signature", .string(signature)), ("entries", try writer.named(entries))]
    }

    public static func rebuild(_ spec: ModelSpec.Reader, rng: inout RandomSource) throws -> Module {
        let signature = try spec.string("signature")
        var entries: [(name: String, module: Module)] = []
        for (name, reader) in try spec.named("entries") { entries.append((name, try reader.module(rng: &rng))) }
        return try NamedSequential(typeName: spec.type, signature: signature, entries)
    }

    public func emitONNX(_ onnx: inout ONNXEmitter, input x: String, shape: [Int], prefix p: String) throws -> String {
        try onnx.emitChain(entries, input: x, shape: shape, prefix: p).output
    }
}
