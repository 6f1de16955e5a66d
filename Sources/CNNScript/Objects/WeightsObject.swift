import CNNKit

/// The tensors of a safetensors file without an architecture (e.g. one exported from PyTorch), by
/// name. Members: `.names` (in file order), `.shapes`, `.dtypes`, `.metadata` (a list of
/// `[key, value]` pairs); a name's first component opens the tensors under it (`w.fc.weight`,
/// `w.layer1` is the weights under `layer1.`); `w[i]` is `[name, tensor]`; `named(w, "a.b.c")` reads
/// any name, including ones with numeric components (`features.0.weight`). `load_weights(model, w)`
/// loads them into a model by name.
final class WeightsObject: IndexableObject {
    let entries: [Safetensors.Entry]
    let metadata: [String: String]
    /// The dotted prefix this view shows ("" for the whole file, "layer1." below it).
    let prefix: String

    init(entries: [Safetensors.Entry], metadata: [String: String], prefix: String = "") {
        self.entries = entries
        self.metadata = metadata
        self.prefix = prefix
    }

    var typeName: String { "weights" }
    var count: Int { entries.count }

    /// The entries' names relative to the prefix.
    var localNames: [String] { entries.map { String($0.name.dropFirst(prefix.count)) } }

    var memberNames: [String] {
        var firsts: [String] = []
        for n in localNames {
            let head = String(n.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
            if !firsts.contains(head), Int(head) == nil { firsts.append(head) }
        }
        return ["names", "shapes", "dtypes", "metadata"] + firsts
    }

    func member(_ name: String) throws -> Value? {
        switch name {
        case "names": return .list(localNames.map { .string($0) })
        case "shapes": return .list(entries.map { Convert.list($0.tensor.shape) })
        case "dtypes": return .list(entries.map { .string($0.dtype.rawValue) })
        case "metadata": return .list(metadata.sorted { $0.key < $1.key }.map { .list([.string($0.key), .string($0.value)]) })
        default: break
        }
        if let e = entries.first(where: { $0.name == prefix + name }) { return .tensor(e.tensor) }
        let inner = prefix + name + "."
        let below = entries.filter { $0.name.hasPrefix(inner) }
        return below.isEmpty ? nil : .object(WeightsObject(entries: below, metadata: metadata, prefix: inner))
    }

    func element(_ i: Int) throws -> Value {
        .list([.string(localNames[i]), .tensor(entries[i].tensor)])
    }

    func slice(start: Int?, end: Int?, step: Int) throws -> Value {
        let picked = Array(0..<count).pythonSlice(start: start, end: end, step: step)
        return .object(WeightsObject(entries: picked.map { entries[$0] }, metadata: metadata, prefix: prefix))
    }

    func setElement(_ i: Int, _ value: Value) throws {
        throw RuntimeError("weights are read-only: load them into a model with load_weights(model, w)")
    }

    /// `weights: 10 tensors, 61,706 values (F32)` then one line per tensor.
    func describe(_ options: PrintOptions) -> String {
        let total = entries.reduce(0) { $0 + $1.tensor.count }
        let dtypes = Set(entries.map(\.dtype.rawValue)).sorted().joined(separator: ", ")
        var lines = ["weights: \(count) tensor\(count == 1 ? "" : "s"), \(Shape.grouped(total)) values\(dtypes.isEmpty ? "" : " (\(dtypes))")"]
        let names = localNames
        let width = names.map(\.count).max() ?? 0
        for (k, e) in entries.enumerated().prefix(40) {
            lines.append("  " + names[k] + String(repeating: " ", count: width - names[k].count) + "  "
                         + e.dtype.rawValue + " " + Shape.describe(e.tensor.shape))
        }
        if count > 40 { lines.append("  … \(count - 40) more (w.names lists them all)") }
        return lines.joined(separator: "\n")
    }

    /// The (name, tensor) pairs with full names, for loading into a model.
    var namedTensors: [(name: String, tensor: Tensor)] {
        entries.map { (String($0.name.dropFirst(prefix.count)), $0.tensor) }
    }
}

fileprivate extension Array where Element == Int {
    /// Python's `a[start:end:step]` over this array (step ≠ 0), negative bounds counting from the end.
    func pythonSlice(start: Int?, end: Int?, step: Int) -> [Int] {
        let n = count
        func clamp(_ v: Int?, _ dflt: Int, low: Int, high: Int) -> Int {
            guard var v else { return dflt }
            if v < 0 { v += n }
            return Swift.min(Swift.max(v, low), high)
        }
        var out: [Int] = []
        if step > 0 {
            var i = clamp(start, 0, low: 0, high: n)
            let e = clamp(end, n, low: 0, high: n)
            while i < e { out.append(self[i]); i += step }
        } else {
            var i = clamp(start, n - 1, low: -1, high: n - 1)
            let e = clamp(end, -1, low: -1, high: n - 1)
            while i > e { out.append(self[i]); i += step }
        }
        return out
    }
}
