import CNNKit

/// A layer or a model as a value (any CNNKit `Module`).
///
/// Members: `.layers` (the direct sub-layers), named sub-layers (`model.fc`, `model.layer1`), the layer's
/// own parameters (`.weight`, `.bias`, tracked tensors whose `.grad` fills in after `backward`) and
/// buffers (`.running_mean`), `.parameters` (every parameter, each shared one once), `.params` (their
/// count), `.training`. `model[0]` indexes the sub-layers and `model[1:3]` slices them into a new
/// Sequential that shares them. A model is callable: `model(x)` and `x |> model`.
///
/// Two values may wrap the same module (`a = model[0]` and `model.layers[0]`): they are the same
/// layer, so assigning `a.weight` changes the model too, as in PyTorch.
final class ModelObject: IndexableObject {
    let module: Module

    init(_ module: Module) { self.module = module }

    var typeName: String { module.children.isEmpty ? "layer" : "model" }

    static let fixedMembers = ["layers", "parameters", "params", "training", "type"]
    /// Members that are read-only views.
    static let readOnlyMembers = ["parameters", "params", "type"]

    var memberNames: [String] {
        var names = ModelObject.fixedMembers
        names += module.children.map(\.name).filter { Int($0) == nil }
        names += module.ownParameters.map(\.name)
        names += module.ownBuffers.map(\.name)
        return names
    }

    func member(_ name: String) throws -> Value? {
        switch name {
        case "layers": return .list(module.children.map { .object(ModelObject($0.module)) })
        case "parameters": return .list(module.namedParameters().map { .tensor($0.variable) })
        case "params": return .number(Double(module.parameterCount()))
        case "training": return .bool(module.isTraining)
        case "type": return .string(module.typeName)
        default: break
        }
        if let p = module.ownParameters.first(where: { $0.name == name }) { return .tensor(p.variable) }
        if let b = module.ownBuffers.first(where: { $0.name == name }) { return .tensor(b.tensor) }
        if let c = module.children.first(where: { $0.name == name }) { return .object(ModelObject(c.module)) }
        return nil
    }

    /// `model.fc = Dense(512, 5)` replaces a sub-layer; `layer.weight = t` sets a parameter's values
    /// (same shape, the parameter stays the same tracked tensor); `model.training = false` as eval().
    func setMember(_ name: String, _ value: Value) throws {
        if name == "layers" {
            try setLayers(value)
            return
        }
        if name == "training" {
            guard case .bool(let on) = value else {
                throw RuntimeError("training: expected true or false, got \(value.brief)")
            }
            module.setTraining(on)
            return
        }
        if let p = module.ownParameters.first(where: { $0.name == name }) {
            guard let t = try Convert.tensor(value) else {
                throw RuntimeError("\(module.typeName).\(name): expected a tensor \(Value.shapeText(p.variable.shape)), got \(value.brief)")
            }
            guard t.shape == p.variable.shape else {
                throw RuntimeError("\(module.typeName).\(name): expected a tensor \(Value.shapeText(p.variable.shape)) (the parameter's shape), got \(Value.shapeText(t.shape))")
            }
            p.variable.value = t
            return
        }
        if module.children.contains(where: { $0.name == name }) {
            try ModelObject.replaceChild(of: module, named: name, with: try ModelObject.layer(value, for: "\(module.typeName).\(name)"))
            return
        }
        if ModelObject.readOnlyMembers.contains(name) {
            throw RuntimeError("'\(name)' of a \(typeName) cannot be assigned")
        }
        let names = memberNames.filter { !ModelObject.fixedMembers.contains($0) }
        throw RuntimeError("a \(module.typeName) has no sub-layer or parameter '\(name)'\(names.isEmpty ? "" : " (it has: \(names.joined(separator: ", ")))")")
    }

    /// `model.layers = list`, which is what `model.layers[0] = Dense(4, 2)` amounts to: each item that
    /// differs from the current sub-layer replaces it.
    private func setLayers(_ value: Value) throws {
        let kids = module.children
        guard case .list(let items) = value, items.count == kids.count else {
            throw RuntimeError("layers: expected a list of \(kids.count) layers (assign one with model.layers[i] = layer), got \(value.brief)")
        }
        for (i, item) in items.enumerated() {
            let new = try ModelObject.layer(item, for: "\(module.typeName).layers[\(i)]")
            if new !== kids[i].module { try ModelObject.replaceChild(of: module, named: kids[i].name, with: new) }
        }
    }

    /// A layer from a value, or an error naming `what` the layer was for (builtins use `a.layer(name)`).
    static func layer(_ value: Value, for what: String) throws -> Module {
        guard case .object(let o as ModelObject) = value else {
            throw RuntimeError("\(what): expected a layer or a model, got \(value.brief)")
        }
        return o.module
    }

    /// Swaps a direct sub-layer. Refuses a layer that contains `parent` itself: the model would
    /// contain itself, and running or printing it would never end.
    static func replaceChild(of parent: Module, named name: String, with new: Module) throws {
        if new === parent || contains(new, parent) {
            throw RuntimeError("cannot put a \(parent.typeName) inside itself")
        }
        try parent.setChild(name: name, module: new)
    }

    /// True when `target` is somewhere below `root` (depth-first, each module visited once).
    static func contains(_ root: Module, _ target: Module) -> Bool {
        var seen = Set<ObjectIdentifier>()
        var stack: [Module] = [root]
        while let m = stack.popLast() {
            guard seen.insert(ObjectIdentifier(m)).inserted else { continue }
            for c in m.children {
                if c.module === target { return true }
                stack.append(c.module)
            }
        }
        return false
    }

    // MARK: - Indexing

    var count: Int { module.children.count }

    func element(_ i: Int) throws -> Value { .object(ModelObject(module.children[i].module)) }

    func slice(start: Int?, end: Int?, step: Int) throws -> Value {
        let kids = module.children
        let picked = Interpreter.sliceIndices(count: kids.count, start: start, end: end, step: step).map { kids[$0].module }
        return .object(ModelObject(Sequential(picked)))
    }

    func setElement(_ i: Int, _ value: Value) throws {
        let name = module.children[i].name
        try ModelObject.replaceChild(of: module, named: name, with: try ModelObject.layer(value, for: "\(module.typeName)[\(i)]"))
    }

    // MARK: - Calling

    var callName: String { module.typeName }
    var callParameters: [Parameter] { [.required("x", "the input batch, e.g. N×C×H×W")] }

    var call: ((inout BoundArguments, Interpreter) throws -> Value)? {
        { [module] a, _ in try ModelObject.apply(module, a["x"], argument: a) }
    }

    /// Runs the model. While gradients are recorded (outside `no_grad`) the result is tracked, so a
    /// loss computed from it can be back-propagated into the parameters; inside `no_grad` the model
    /// runs on plain tensors and builds no graph.
    static func apply(_ module: Module, _ x: Value, argument a: BoundArguments) throws -> Value {
        // The shape walk names the layer and the input size when they do not fit (Flux's outputsize),
        // before any work is done.
        _ = try module.outputShape(for: (try Convert.tensor(x))?.shape ?? [])
        return .tensor(try module.forward(try a.variable("x")))
    }

    // MARK: - Printing

    /// A PyTorch-like tree with the parameter count of every layer that has parameters:
    /// ```
    /// Sequential(                  61,706 params
    ///   (0): Conv(1, 6, 5, pad:2)     156
    ///   (1): ReLU()
    /// )
    /// ```
    func describe(_ options: PrintOptions) -> String {
        var rows: [(text: String, params: Int)] = []
        ModelObject.tree(module, name: nil, indent: 0, into: &rows, seen: [])
        let width = rows.map(\.text.count).max() ?? 0
        let countWidth = rows.map { Shape.grouped($0.params).count }.max() ?? 0
        var lines: [String] = []
        for (k, row) in rows.enumerated() {
            guard row.params > 0 else { lines.append(row.text); continue }
            let count = Shape.grouped(row.params)
            let aligned = String(repeating: " ", count: countWidth - count.count) + count
            lines.append(row.text + String(repeating: " ", count: width - row.text.count + 2) + aligned + (k == 0 ? " params" : ""))
        }
        if rows.count == 1, module.parameterCount() == 0 { return rows[0].text }
        return lines.joined(separator: "\n")
    }

    private static func tree(_ m: Module, name: String?, indent: Int, into rows: inout [(text: String, params: Int)],
                             seen: Set<ObjectIdentifier>) {
        let pad = String(repeating: "  ", count: indent)
        let prefix = pad + (name.map { "(\($0)): " } ?? "")
        let kids = m.children
        // A module reached again through itself (impossible through the language, which refuses
        // such assignments) prints once rather than forever.
        guard !kids.isEmpty, !seen.contains(ObjectIdentifier(m)) else {
            rows.append((prefix + m.signature, m.parameterCount()))
            return
        }
        rows.append((prefix + m.typeName + "(", m.parameterCount()))
        let inner = seen.union([ObjectIdentifier(m)])
        for c in kids { tree(c.module, name: c.name, indent: indent + 1, into: &rows, seen: inner) }
        rows.append((pad + ")", 0))
    }

}
