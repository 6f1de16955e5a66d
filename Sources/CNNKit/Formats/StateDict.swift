import Foundation
// A model's named tensors (PyTorch's state_dict) and loading them back by name.

/// What `Module.loadStateDict` found: the names it loaded, the model's names the file lacks
/// (`missing`), the file's names the model lacks (`unexpected`) and the names whose shapes differ
/// (`misshaped`), as PyTorch's `load_state_dict` reports them.
public struct StateDictReport: Sendable, CustomStringConvertible {
    public var loaded: [String] = []
    public var missing: [String] = []
    public var unexpected: [String] = []
    public var misshaped: [(name: String, file: [Int], model: [Int])] = []
    /// File entries skipped on purpose: BatchNorm's `num_batches_tracked` (cnns does not count
    /// batches) and buffers of layers that cannot be set from outside.
    public var ignored: [String] = []
    /// How many names matched only without DataParallel's `module.` prefix (pytorch#20453).
    public var unprefixed = 0

    public init() {}

    /// True when every model tensor was loaded and the file had nothing else.
    public var isComplete: Bool { missing.isEmpty && unexpected.isEmpty && misshaped.isEmpty }

    /// `loaded 10 tensors; missing: fc.weight, fc.bias; unexpected: …; mis-shaped: fc.weight (file 10×84, model 5×84)`
    public var description: String {
        var parts = ["loaded \(loaded.count) tensor\(loaded.count == 1 ? "" : "s")"
                     + (unprefixed > 0 ? " (\(unprefixed) matched without their \"module.\" prefix)" : "")]
        if !missing.isEmpty { parts.append("missing (in the model, not in the file): \(missing.joined(separator: ", "))") }
        if !unexpected.isEmpty { parts.append("unexpected (in the file, not in the model): \(unexpected.joined(separator: ", "))") }
        if !misshaped.isEmpty {
            parts.append("mis-shaped: " + misshaped.map {
                "\($0.name) (file \(Shape.describe($0.file)), model \(Shape.describe($0.model)))"
            }.joined(separator: ", "))
        }
        return parts.joined(separator: "; ")
    }
}

extension Module {
    /// Parameters then buffers of every layer, in PyTorch's `state_dict` naming (`layer1.0.conv1.weight`,
    /// `bn1.running_mean`). PyTorch interleaves them per layer; the names are what matter for loading.
    public func stateDict() -> [(name: String, tensor: Tensor)] {
        var out: [(name: String, tensor: Tensor)] = []
        var seenParams = Set<ObjectIdentifier>()
        visit(prefix: "") { prefix, m in
            for (name, v) in m.ownParameters where seenParams.insert(ObjectIdentifier(v)).inserted {
                out.append((prefix + name, v.value))
            }
            for (name, t) in m.ownBuffers { out.append((prefix + name, t)) }
        }
        return out
    }

    /// Sets parameters and buffers from `tensors` by name. With `strict` (PyTorch's default) any
    /// missing, unexpected or mis-shaped name is an `OpError("load_weights", report)` and nothing is
    /// changed; without it the tensors that match are loaded and the report says what was not.
    /// `num_batches_tracked` entries of BatchNorm layers are accepted and ignored, and a name saved
    /// through `nn.DataParallel` (`module.fc.weight`) matches the model's `fc.weight`.
    @discardableResult
    public func loadStateDict(_ tensors: [(name: String, tensor: Tensor)], strict: Bool = true) throws -> StateDictReport {
        // Setters by name: parameters (through the shared Variable) and BatchNorm's buffers.
        var targets: [String: (shape: [Int], set: (Tensor) -> Void)] = [:]
        var order: [String] = []
        var batchNorms = Set<String>()
        var fixedBuffers = Set<String>()
        var seenParams = Set<ObjectIdentifier>()
        visit(prefix: "") { prefix, m in
            for (name, v) in m.ownParameters where seenParams.insert(ObjectIdentifier(v)).inserted {
                targets[prefix + name] = (v.shape, { v.value = $0 })
                order.append(prefix + name)
            }
            if let bn = m as? BatchNorm {
                batchNorms.insert(prefix)
                targets[prefix + "running_mean"] = ([bn.channels], { bn.runningMean = $0 })
                targets[prefix + "running_var"] = ([bn.channels], { bn.runningVar = $0 })
                order += [prefix + "running_mean", prefix + "running_var"]
            } else {
                // Other layers' buffers have no setter in `Module`: recognised, never loaded.
                for (name, _) in m.ownBuffers { fixedBuffers.insert(prefix + name) }
            }
        }
        var report = StateDictReport()
        var found = Set<String>()
        var plan: [(set: (Tensor) -> Void, tensor: Tensor)] = []
        /// BatchNorm's batch counter, or another layer's buffer: known to the model, not loaded.
        func skipped(_ n: String) -> Bool {
            let counter = "num_batches_tracked"
            return fixedBuffers.contains(n) || (n.hasSuffix(counter) && batchNorms.contains(String(n.dropLast(counter.count))))
        }
        for (fileName, t) in tensors {
            var name = fileName
            if targets[name] == nil, !skipped(name), name.hasPrefix("module.") {
                let bare = String(name.dropFirst("module.".count))
                if targets[bare] != nil || skipped(bare) {
                    name = bare
                    report.unprefixed += 1
                }
            }
            if skipped(name) { report.ignored.append(fileName); continue }
            guard let target = targets[name] else { report.unexpected.append(fileName); continue }
            guard found.insert(name).inserted else { continue }
            guard target.shape == t.shape else {
                report.misshaped.append((name, t.shape, target.shape))
                continue
            }
            report.loaded.append(name)
            plan.append((target.set, t))
        }
        report.missing = order.filter { !found.contains($0) }
        // Mis-shaped names in the model's order (files often sort names differently).
        let rank = Dictionary(order.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        report.misshaped.sort { (rank[$0.name] ?? 0) < (rank[$1.name] ?? 0) }
        if strict && !report.isComplete {
            throw OpError("load_weights", report.description)
        }
        for (set, t) in plan { set(t) }
        return report
    }
}

extension Safetensors {
    /// The bytes of a model: its state dict as F32 (plus an I64 `num_batches_tracked` of 0 per
    /// BatchNorm, which cnns does not count, so PyTorch's strict loading finds every name it expects)
    /// and its architecture (`ModelSpec`) under `__metadata__["cnns.architecture"]` (left out with
    /// `architecture: false`: a weights-only file, as PyTorch writes).
    public static func encode(model: Module, architecture: Bool = true) throws -> [UInt8] {
        var entries = model.stateDict().map { Entry(name: $0.name, tensor: $0.tensor) }
        model.visit(prefix: "") { prefix, m in
            if m is BatchNorm { entries.append(Entry(name: prefix + "num_batches_tracked", dtype: .i64, tensor: Tensor(0))) }
        }
        var metadata = ["format": "pt"]
        if architecture {
            if let graph = model as? GraphModel {
                metadata[graphKey] = try graphArchitecture(graph)
            } else {
                metadata[architectureKey] = try ModelSpec.describe(model)
            }
        }
        return try encode(entries, metadata: metadata)
    }

    /// A graph (an imported network) has no layer-tree description: its architecture is kept as the
    /// ONNX model `export` writes, base64 in the metadata, and read back by the ONNX importer.
    public static let graphKey = "cnns.onnx-graph"

    /// Whether `describe`-able: a layer tree `ModelSpec` knows, or a graph that knows its input shape.
    public static func canDescribe(_ model: Module) -> Bool {
        if let graph = model as? GraphModel { return graph.concreteInputShape != nil }
        return (try? ModelSpec.describe(model)) != nil
    }

    /// True when the file says how to rebuild its model (`decodeModel` can), not just its weights.
    public static func hasArchitecture(_ contents: Contents) -> Bool {
        contents.metadata[architectureKey] != nil || contents.metadata[graphKey] != nil
    }

    private static func graphArchitecture(_ graph: GraphModel) throws -> String {
        guard let shape = graph.concreteInputShape else {
            throw OpError("save", "the graph does not record its input shape, so its architecture cannot be written")
        }
        return Data(try ONNXExport.encode(model: graph, inputShape: shape)).base64EncodedString()
    }

    /// The model a file describes (architecture metadata required), with its weights loaded strictly,
    /// in inference mode (as after training; `train()` or `fit` switch it back). `rng` only draws the
    /// initial weights that the file then replaces.
    public static func decodeModel(_ contents: Contents, rng: inout RandomSource) throws -> Module {
        if let text = contents.metadata[graphKey] {
            guard let bytes = Data(base64Encoded: text) else {
                throw OpError("load", "the graph architecture (__metadata__ \"\(graphKey)\") is not base64")
            }
            let graph = try ONNXImport.decode([UInt8](bytes))
            do {
                // The ONNX model carries the same weights; the named tensors are the file's truth.
                try graph.loadStateDict(contents.entries.map { ($0.name, $0.tensor) }, strict: false)
            } catch let e as OpError {
                throw OpError("load", "the weights do not match the graph: \(e.message)")
            }
            graph.setTraining(false)
            return graph
        }
        guard let spec = contents.metadata[architectureKey] else {
            throw OpError("load", "the file holds no architecture (no __metadata__ \"\(architectureKey)\"); load its weights into a model with load_weights")
        }
        let model = try ModelSpec.build(spec, rng: &rng)
        do {
            try model.loadStateDict(contents.entries.map { ($0.name, $0.tensor) }, strict: true)
        } catch let e as OpError {
            throw OpError("load", "the weights do not match the architecture: \(e.message)")
        }
        model.setTraining(false)
        return model
    }
}
