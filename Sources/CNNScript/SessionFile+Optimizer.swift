import CNNKit
import Foundation

/// Optimizers in session files: settings and per-parameter state, so that training continued after
/// `:load` is bit for bit the training that never stopped. An optimizer's manifest value is
///
///     {"kind": "optimizer", "type": "sgd", "lr": "0.1", "momentum": "0.9", "nesterov": false,
///      "decay": "0", "settings": "momentum: 0.9", "state": [entry, …]}
///     {"kind": "optimizer", "type": "adam" | "adamw", "lr": "0.001", "beta1": "0.9", "beta2": "0.999",
///      "eps": "1e-08", "decay": "0", "settings": "", "state": [entry, …]}
///
/// with every float as its shortest decimal string (exact for float32), `lr` the rate as currently set
/// (`opt.lr = …` included) and `settings` the constructor's arguments as written (what the optimizer
/// printed; optional). A state entry is
///
///     {"owner": "m", "path": "0.weight", "steps": 3, "count": 12, "first": 4096, "second": 4144}
///
/// `owner` is a saved variable — a model (then `path` is the parameter's dotted name, as
/// `named_parameters` and safetensors files name it) or a tensor saved with `requires_grad` (then `path`
/// is ""); `steps` the updates so far; `count` the parameter's element count; `first` and `second` the
/// byte offsets in the data section of the buffers (`count` float32 values each): SGD with momentum has
/// `first` (the momentum buffer) only, Adam and AdamW both (m and v), SGD without momentum no entries.
///
/// Saving maps each parameter with state to the first saved model that has it, else to a saved tensor
/// that is that very parameter; state whose parameter belongs to no saved variable (a model that was
/// deleted, or not named in `:save FILE NAME…`) is left out, since that parameter will not exist after
/// loading, and `encode` returns a note saying so. Only top-level variables own parameters: a model
/// inside a list is saved, but an optimizer's state for it is not. Like models, an optimizer saved
/// under two names loads as two optimizers.
extension SessionFile {
    /// Which saved variable owns each parameter: its name and the parameter's path ("" for a tensor).
    struct ParameterOwners {
        private var owners: [ObjectIdentifier: (owner: String, path: String)] = [:]
        /// Keeps the parameters alive, so no identifier above can be reused by another object.
        private var parameters: [Variable] = []

        init(_ variables: [(String, Value)]) {
            // Models first: `w = m.fc.weight` saves a copy of the tensor that loads apart from `m`,
            // while the model's parameter is the one `fit` trains.
            for (name, value) in variables {
                guard case .object(let o as ModelObject) = value else { continue }
                for (path, v) in o.module.namedParameters() { add(v, name, path) }
            }
            for (name, value) in variables {
                // A tensor without requires_grad loads as a plain tensor, which no optimizer updates.
                if case .tensor(let v) = value, v.requiresGrad { add(v, name, "") }
            }
        }

        private mutating func add(_ v: Variable, _ owner: String, _ path: String) {
            let key = ObjectIdentifier(v)
            guard owners[key] == nil else { return }
            owners[key] = (owner, path)
            parameters.append(v)
        }

        func owner(of v: Variable) -> (owner: String, path: String)? { owners[ObjectIdentifier(v)] }
    }

    // MARK: - Writing

    static func optimizerEntry(_ o: OptimizerObject, name: String, owners: ParameterOwners,
                               data: inout [UInt8], notes: inout [String]) throws -> JSONValue {
        var entry: [String: JSONValue] = ["kind": .string("optimizer"), "lr": .string("\(o.optimizer.learningRate)"),
                                          "settings": .string(o.settings)]
        let buffers: Int
        switch o.optimizer {
        case let sgd as SGD:
            entry["type"] = .string("sgd")
            entry["momentum"] = .string("\(sgd.momentum)")
            entry["nesterov"] = .bool(sgd.nesterov)
            entry["decay"] = .string("\(sgd.weightDecay)")
            buffers = 1
        case let adam as Adam:
            entry["type"] = .string(adam.decoupled ? "adamw" : "adam")
            entry["beta1"] = .string("\(adam.beta1)")
            entry["beta2"] = .string("\(adam.beta2)")
            entry["eps"] = .string("\(adam.eps)")
            entry["decay"] = .string("\(adam.weightDecay)")
            buffers = 2
        default:
            throw Failure("optimizer '\(name)' (\(o.optimizer.name)) cannot be saved: session files store SGD, Adam and AdamW")
        }
        var state: [JSONValue] = []
        var dropped = 0
        for e in o.optimizer.exportState() {
            guard let (owner, path) = owners.owner(of: e.parameter) else { dropped += 1; continue }
            var item: [String: JSONValue] = ["owner": .string(owner), "path": .string(path), "steps": .int(e.steps),
                                             "count": .int(e.first.count)]
            item["first"] = .int(appendFloats(e.first, to: &data))
            if buffers == 2 { item["second"] = .int(appendFloats(e.second, to: &data)) }
            state.append(.sortedObject(item))
        }
        entry["state"] = .array(state)
        if dropped > 0 {
            notes.append("optimizer '\(name)': the state of \(dropped) parameter\(dropped == 1 ? "" : "s") that belong\(dropped == 1 ? "s" : "") "
                         + "to no saved model or tensor is not saved")
        }
        return .sortedObject(entry)
    }

    // MARK: - Reading

    /// A checked optimizer value: its optimizer is made (so its settings are valid) but has no state yet.
    struct OptimizerPlan {
        /// The variable it is saved under (or inside), for messages.
        var name: String
        var optimizer: Optimizer
        var settings: String
        var entries: [StatePlan]
    }

    struct StatePlan {
        var owner: String, path: String
        var steps: Int, count: Int
        /// Byte offsets of the buffers in the data section.
        var first: Int, second: Int?

        var label: String { path.isEmpty ? "'\(owner)'" : "'\(owner).\(path)'" }
    }

    static func optimizerPlan(_ dict: JSONValue, name: String, dataSize: Int, blobs: inout Blobs) throws -> OptimizerPlan {
        func fail(_ message: String) -> Failure { Failure("'\(name)': \(message)") }
        guard let type = dict["type"]?.stringValue, ["sgd", "adam", "adamw"].contains(type) else {
            let given = dict["type"].map { "'\($0.stringValue ?? $0.text)'" } ?? "(missing)"
            throw fail("an optimizer of unknown type \(given) (this cnns reads sgd, adam, adamw)")
        }
        func float(_ key: String) throws -> Float {
            guard let text = dict[key]?.stringValue, let f = Float(text) else {
                throw fail("the \(type) optimizer's \(key) is not a decimal string")
            }
            return f
        }
        let optimizer: Optimizer
        let buffers: Int
        do {
            if type == "sgd" {
                guard let nesterov = dict["nesterov"]?.boolValue else { throw fail("the sgd optimizer's nesterov is not true or false") }
                let sgd = try SGD(lr: try float("lr"), momentum: try float("momentum"), nesterov: nesterov, weightDecay: try float("decay"))
                optimizer = sgd
                buffers = sgd.momentum == 0 ? 0 : 1
            } else {
                optimizer = try Adam(lr: try float("lr"), beta1: try float("beta1"), beta2: try float("beta2"), eps: try float("eps"),
                                     weightDecay: try float("decay"), decoupled: type == "adamw")
                buffers = 2
            }
        } catch let e as OpError {
            throw fail(e.description)
        }
        let settings = dict["settings"]?.stringValue ?? ""
        guard settings.count <= 1024 else { throw fail("the optimizer's settings text is longer than 1024 characters") }
        guard let items = dict["state"]?.arrayValue else { throw fail("an optimizer without a state list") }
        guard buffers > 0 || items.isEmpty else {
            throw fail("SGD without momentum keeps no state, but the file has \(items.count) state entr\(items.count == 1 ? "y" : "ies")")
        }
        var entries: [StatePlan] = []
        var seen = Set<String>()
        for (i, item) in items.enumerated() {
            let at = "state entry \(i)"
            guard case .object = item else { throw fail("\(at) is not an object") }
            let e = item
            guard let owner = e["owner"]?.stringValue, isIdentifier(owner) else {
                throw fail("\(at) has no owner naming a variable")
            }
            guard let path = e["path"]?.stringValue, path.count <= 1024 else {
                throw fail("\(at) has no parameter path (\"\" for a tensor)")
            }
            guard let steps = e["steps"].flatMap(integer), steps >= 0, steps <= OptimizerStateEntry.maxSteps else {
                throw fail("\(at) has no step count in 0…\(OptimizerStateEntry.maxSteps)")
            }
            guard let count = e["count"].flatMap(integer), count >= 0, count <= Shape.maxElements else {
                throw fail("\(at) has no element count in 0…\(Shape.maxElements)")
            }
            let plan = StatePlan(owner: owner, path: path, steps: steps, count: count,
                                 first: try buffer(e, "first", required: true, count: count, at: at, name: name, dataSize: dataSize, blobs: &blobs) ?? 0,
                                 second: try buffer(e, "second", required: buffers == 2, count: count, at: at, name: name, dataSize: dataSize, blobs: &blobs))
            guard seen.insert(owner + "\u{0}" + path).inserted else { throw fail("\(at): the state of \(plan.label) appears twice") }
            entries.append(plan)
        }
        return OptimizerPlan(name: name, optimizer: optimizer, settings: settings, entries: entries)
    }

    /// The byte offset of one state buffer, checked to lie in the data section and recorded as a blob;
    /// nil when the entry has none. A buffer the optimizer does not keep is an error.
    private static func buffer(_ e: JSONValue, _ key: String, required: Bool, count: Int, at: String, name: String,
                               dataSize: Int, blobs: inout Blobs) throws -> Int? {
        guard let raw = e[key] else {
            if required { throw Failure("'\(name)': \(at) has no \(key) buffer offset") }
            return nil
        }
        guard required else { throw Failure("'\(name)': \(at) has a \(key) buffer, which this optimizer does not keep") }
        guard let offset = integer(raw), offset >= 0 else { throw Failure("'\(name)': \(at): its \(key) buffer offset is not a byte offset") }
        let size = count * 4
        guard offset <= dataSize, size <= dataSize - offset else {
            throw Failure("'\(name)': \(at): its \(key) buffer needs bytes \(byteRange(offset, size)) but the data section has \(dataSize)")
        }
        blobs.append((offset, size, name))
        return offset
    }

    /// Every optimizer's state (in lists too) must name a model or a tensor with requires_grad saved in
    /// the same file; a tensor's state has path "" and the tensor's element count. Model paths are
    /// checked once the models are built.
    static func checkOptimizerOwners(_ plans: [(String, Plan)]) throws {
        var kinds: [String: Plan] = [:]
        for (name, plan) in plans { kinds[name] = plan }
        func check(_ plan: Plan) throws {
            switch plan {
            case .list(let items): try items.forEach(check)
            case .optimizer(let o):
                for e in o.entries {
                    let fail = { (why: String) in Failure("'\(o.name)': the state of \(e.label) \(why)") }
                    switch kinds[e.owner] {
                    case .model?:
                        guard !e.path.isEmpty else { throw fail("names a model but no parameter path") }
                    case .tensor(let shape, _, let count, true)?:
                        guard e.path.isEmpty else { throw fail("has a path, but '\(e.owner)' is a tensor, not a model") }
                        guard e.count == count else {
                            throw fail("has \(e.count) value\(e.count == 1 ? "" : "s") per buffer but the tensor is \(Value.shapeText(shape)) (\(count) values)")
                        }
                    case nil:
                        throw fail("names no variable saved in this file")
                    default:
                        throw fail("names a variable that is neither a model nor a tensor with requires_grad")
                    }
                }
            default: break
            }
        }
        for (_, plan) in plans { try check(plan) }
    }

    /// The optimizer with its state bound to the parameters of the models and tensors just built.
    static func buildOptimizer(_ plan: OptimizerPlan, _ bytes: [UInt8], dataStart: Int, owners: [String: Value]) throws -> Value {
        var parametersByModel: [String: [String: Variable]] = [:]
        var entries: [OptimizerStateEntry] = []
        for e in plan.entries {
            let fail = { (why: String) in Failure("'\(plan.name)': the state of \(e.label) \(why)") }
            let parameter: Variable
            switch owners[e.owner] {
            case .object(let m as ModelObject)?:
                if parametersByModel[e.owner] == nil {
                    parametersByModel[e.owner] = Dictionary(m.module.namedParameters().map { ($0.name, $0.variable) },
                                                            uniquingKeysWith: { first, _ in first })
                }
                guard let v = parametersByModel[e.owner]?[e.path] else { throw fail("names no parameter of model '\(e.owner)'") }
                parameter = v
            case .tensor(let v)? where !v.isConstant:
                parameter = v
            default:
                throw fail("names no model or tensor with requires_grad saved in this file")
            }
            guard parameter.value.count == e.count else {
                throw fail("has \(e.count) value\(e.count == 1 ? "" : "s") per buffer but the parameter is \(Value.shapeText(parameter.shape)) (\(parameter.value.count) values)")
            }
            let first = readFloats(bytes, at: dataStart + e.first, count: e.count)
            let second = e.second.map { readFloats(bytes, at: dataStart + $0, count: e.count) } ?? []
            entries.append(OptimizerStateEntry(parameter: parameter, steps: e.steps, first: first, second: second))
        }
        do {
            try plan.optimizer.restoreState(entries)
        } catch let e as OpError {
            throw Failure("'\(plan.name)': \(e.description)")
        }
        return .object(OptimizerObject(plan.optimizer, settings: plan.settings))
    }
}
