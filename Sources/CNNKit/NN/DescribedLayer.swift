/// A layer that describes itself to everything that reads a model without running it: the
/// architecture saved with a model (`ModelSpec`), ONNX export, `explain` and `summary`. Each built-in
/// layer answers in its own file, next to its forward pass, and `DescribedLayers.all` lists the types
/// `ModelSpec.build` can rebuild: a new layer is added in one place, not in a type switch per tool.
///
/// Modules that do not adopt it still run, train and print; saving their architecture or exporting
/// them is refused by name, and `explain`/`summary` fall back to `LayerDefaults`.
public protocol DescribedLayer: Module {
    /// The architecture's `"type"` (or `"kind"`) values this class is rebuilt from: its `typeName`s
    /// (Activation has one per kind; NamedSequential's type is chosen by its maker, so it gives a kind).
    static var specKinds: [String] { get }

    /// The hyper-parameters written after `"type"` in the architecture JSON (sub-layers through
    /// `writer`, so a shared one is written once).
    func specFields(_ writer: inout ModelSpec.Writer) throws -> [(key: String, value: JSONValue)]

    /// A fresh layer of this class from its architecture entry, read and validated through `spec`;
    /// weights are drawn from `rng` (the saved ones are loaded by name afterwards).
    static func rebuild(_ spec: ModelSpec.Reader, rng: inout RandomSource) throws -> Module

    /// The ONNX nodes computing the layer in inference mode on tensor `input` (shaped `shape`), added
    /// to `onnx`; returns the output tensor's name.
    func emitONNX(_ onnx: inout ONNXEmitter, input: String, shape: [Int], prefix: String) throws -> String

    /// The sliding window of a conv or pool layer, whose output-size arithmetic `explain` works through.
    var slidingWindow: Window2D? { get }

    /// What `explain` says about the layer beyond the window arithmetic: channels, weights, the GEMM.
    func explanation(input: [Int], output: [Int]) -> [String]

    /// Multiply-adds of one run giving `output`, by torchinfo's rule for this kind of layer.
    func multAdds(output: [Int]) -> Int

    /// Scalars the autograd graph keeps for backward from one run giving `output`.
    func keptScalars(output: [Int]) -> Int
}

extension DescribedLayer {
    public var slidingWindow: Window2D? { nil }
    public func explanation(input: [Int], output: [Int]) -> [String] {
        LayerDefaults.explanation(self, input: input, output: output)
    }
    public func multAdds(output: [Int]) -> Int { LayerDefaults.multAdds(self, output: output) }
    public func keptScalars(output: [Int]) -> Int { LayerDefaults.count(output) }
}

/// The answers for a layer that says nothing special about itself (or does not describe itself).
public enum LayerDefaults {
    /// Its parameters once per row of the batch (torchinfo's rule for BatchNorm and the like).
    public static func multAdds(_ m: Module, output: [Int]) -> Int {
        let params = ownParameterCount(m)
        guard params > 0, let rows = output.first else { return 0 }
        return rows * params
    }

    /// The shape change and the parameter count.
    public static func explanation(_ m: Module, input: [Int], output: [Int]) -> [String] {
        let params = ownParameterCount(m)
        var lines = [input == output ? "shape unchanged" : "shape \(Shape.describe(input)) → \(Shape.describe(output))"]
        if params > 0 { lines.append("parameters: \(Shape.grouped(params))") }
        return lines
    }

    public static func ownParameterCount(_ m: Module) -> Int {
        m.ownParameters.reduce(0) { $0 + $1.variable.value.count }
    }

    public static func count(_ shape: [Int]) -> Int { shape.reduce(1, *) }
}

/// The layer classes whose architecture `ModelSpec.build` rebuilds.
public enum DescribedLayers {
    public static let all: [any DescribedLayer.Type] = [
        Conv.self, Dense.self, MaxPool.self, AvgPool.self, GlobalAvgPool.self, Flatten.self, Activation.self,
        BatchNorm.self, Dropout.self, Sequential.self, NamedSequential.self, Residual.self, BasicBlock.self,
    ]

    static let byKind: [String: any DescribedLayer.Type] = {
        var table: [String: any DescribedLayer.Type] = [:]
        for type in all { for kind in type.specKinds { table[kind] = type } }
        return table
    }()
}
