import CNNKit

/// Weights in and out by name, and fine-tuning: `load_weights` (PyTorch's `load_state_dict`),
/// `freeze`/`unfreeze`, `named` (one tensor of a weights file) and `filter` (a data set's classes,
/// for training on one task and transferring to another).
extension Builtins {
    static let weights: [Builtin] = [
        Builtin(
            name: "load_weights", group: .files,
            summary: "Loads weights into a model by name (PyTorch's load_state_dict): from a .safetensors file (e.g. exported from PyTorch), a weights value or another model.",
            parameters: [.required("model", "the model to fill"),
                         .required("source", "a .safetensors path, a weights value (load(path)) or a model"),
                         .labeled("strict", .bool(true), "fail (changing nothing) when a name is missing, unexpected or mis-shaped; false loads what matches")],
            notes: "Prints what it loaded, and with strict: false what was missing (in the model, not the source), unexpected (in the source, not the model) or mis-shaped. BatchNorm's num_batches_tracked is accepted and ignored; names saved through DataParallel (module.fc.weight) match fc.weight. " + LoadProgressLine.note,
            example: "m = lenet5(); save(m, \"/tmp/cnns-example.safetensors\"); load_weights(lenet5(), \"/tmp/cnns-example.safetensors\")",
            body: { a, i in
                let model = try a.layer("model")
                let tensors: [(name: String, tensor: Tensor)]
                switch a["source"] {
                case .string(let path):
                    do {
                        let contents = try FileFormats.load(path, op: "load_weights", session: i.session) { try Safetensors.decode($0) }
                        tensors = contents.entries.map { ($0.name, $0.tensor) }
                    } catch let e as OpError {
                        throw RuntimeError("load_weights: \(Value.quote(path)): \(e.message)", at: a.pos("source"))
                    }
                case .object(let w as WeightsObject): tensors = w.namedTensors
                case .object(let m as ModelObject): tensors = m.module.stateDict()
                default: throw a.fail("source", "a .safetensors path, a weights value or a model", got: a["source"])
                }
                let report: StateDictReport
                do {
                    report = try model.loadStateDict(tensors, strict: try a.bool("strict"))
                } catch let e as OpError {
                    throw RuntimeError("load_weights: \(e.message) (strict: false loads what matches)")
                }
                i.emit("load_weights: \(report)")
                return .none
            }),
        Builtin(
            name: "freeze", group: .layers,
            summary: "Stops training a model's parameters (no gradients, optimizers skip them) and keeps its BatchNorm layers on their running statistics; upto: freezes the sub-layers up to and including one.",
            parameters: [.required("model", "a layer or model"),
                         .labeled("upto", .none, shown: "all", "a sub-layer name (\"layer3\") or index (-2: all but the last)")],
            notes: "For fine-tuning: freeze(model), replace the head (model.fc = Dense(512, 5)), train; then unfreeze(model) and train everything with a small rate. summary() shows frozen counts in parentheses.",
            example: "m = Sequential(Dense(4, 8), ReLU(), Dense(8, 3)); freeze(m, upto: 1); m.params",
            body: { a, _ in
                let model = try a.layer("model")
                switch a["upto"] {
                case .none: model.freeze()
                case .string(let name):
                    do { try model.freeze(upTo: name) } catch let e as OpError { throw RuntimeError("freeze: \(e.message)", at: a.pos("upto")) }
                case .number:
                    do { try model.freeze(upTo: String(try a.int("upto"))) } catch let e as OpError { throw RuntimeError("freeze: \(e.message)", at: a.pos("upto")) }
                default: throw a.fail("upto", "a sub-layer name or index", got: a["upto"])
                }
                return .none
            }),
        Builtin(
            name: "unfreeze", group: .layers,
            summary: "Lets a frozen model's parameters train again; its BatchNorm layers follow train()/eval() again.",
            parameters: [.required("model", "a layer or model")],
            example: "m = Sequential(Dense(4, 3)); freeze(m); unfreeze(m)",
            body: { a, _ in
                try a.layer("model").unfreeze()
                return .none
            }),
        Builtin(
            name: "named", group: .files,
            summary: "One tensor of a weights value (load of a PyTorch .safetensors) or a model by its full name, e.g. \"features.0.weight\".",
            parameters: [.required("source", "a weights value or a model"), .required("name", "the dotted state-dict name")],
            example: "named(lenet5(), \"0.weight\") |> shape",
            body: { a, _ in
                let name = try a.string("name")
                let tensors: [(name: String, tensor: Tensor)]
                switch a["source"] {
                case .object(let w as WeightsObject): tensors = w.namedTensors
                case .object(let m as ModelObject): tensors = m.module.stateDict()
                default: throw a.fail("source", "a weights value or a model", got: a["source"])
                }
                guard let t = tensors.first(where: { $0.name == name }) else {
                    let names = tensors.prefix(12).map(\.name).joined(separator: ", ")
                    throw RuntimeError("named: no tensor \(Value.quote(name)) (names: \(names)\(tensors.count > 12 ? ", …" : ""))", at: a.pos("name"))
                }
                return .tensor(t.tensor)
            }),
        Builtin(
            name: "filter", group: .data,
            summary: "The samples of some classes of a data set; relabel: numbers them 0, 1, … in the order given (for training on a subset, e.g. classes 0–4, then transferring to 5–9).",
            parameters: [.required("data", "a data set"), .labeled("classes", .none, shown: "required", "a list of class numbers"),
                         .labeled("relabel", .bool(true), "class classes[i] becomes class i")],
            example: "a = filter(shapes(n:100), classes: [0, 1, 2]); a.counts",
            body: { a, _ in
                guard case .object(let d as DatasetObject) = a["data"] else { throw a.fail("data", "a data set", got: a["data"]) }
                guard a.isGiven("classes") else { throw RuntimeError("filter: needs classes: [c, …]", at: a.pos("data")) }
                let classes = try a.ints("classes")
                do {
                    return .object(DatasetObject(try d.dataset.filter(classes: classes, relabel: try a.bool("relabel")),
                                                 normalization: d.normalization))
                } catch let e as OpError {
                    throw RuntimeError("filter: \(e.message)", at: a.pos("classes"))
                }
            }),
    ]
}
