import CNNKit
import Foundation

/// `summary(model, input:)`: a table like torchinfo's — every layer as a tree (nested for blocks and
/// residual branches), its output shape, parameters and mult-adds — then the totals.
///
/// Shapes come from each layer's `outputShape(for:)` (the one source of truth, no computing). Inside a
/// container the children are walked in order, each fed the previous one's output; a child that does
/// not accept that shape is fed the container's input instead, which is how a residual's shortcut
/// (or a block's `downsample`) sees it. Mult-adds are counted for Conv (N·P·Q·|w|) and Dense
/// (rows·|w|), the layers that carry the work; they are multiply-adds, not FLOPs (one mult-add is two
/// FLOPs), as torchinfo reports them.
enum ModelSummary {
    struct Row {
        var depth: Int
        var last: Bool
        var name: String
        var shape: [Int]?
        var params: Int
        var multAdds: Int
        var leaf: Bool
    }

    static func render(_ model: Module, input: [Int], unicode: Bool) throws -> String {
        var rows: [Row] = []
        try walk(model, input: input, name: model.signature, depth: 0, last: true, rows: &rows, path: [])
        let total = model.parameterCount()
        let trainable = model.namedParameters().reduce(0) { $0 + ($1.variable.requiresGrad ? $1.variable.value.count : 0) }
        let multAdds = rows.filter(\.leaf).reduce(0) { $0 + $1.multAdds }
        let activations = rows.filter(\.leaf).reduce(0) { $0 + ($1.shape.map { $0.reduce(1, *) } ?? 0) }

        // Tree prefixes: "├─"/"└─" with "│ " above (ASCII "|-", "`-", "| ").
        var open: [Bool] = []
        var labels: [String] = []
        for r in rows {
            if open.count > r.depth { open.removeLast(open.count - r.depth) }
            var prefix = ""
            if r.depth > 0 {
                for d in 1..<r.depth { prefix += open[d] ? (unicode ? "│ " : "| ") : "  " }
                prefix += r.last ? (unicode ? "└─" : "`-") : (unicode ? "├─" : "|-")
            }
            labels.append(prefix + r.name)
            while open.count <= r.depth { open.append(false) }
            open[r.depth] = !r.last
        }
        let shapes = rows.map { $0.shape.map(Shape.describe) ?? "?" }
        let params = rows.map { $0.params > 0 ? ModelObject.grouped($0.params) : "—" }
        let mults = rows.map { $0.multAdds > 0 ? ModelObject.grouped($0.multAdds) : "—" }
        let header = ["Layer", "Output shape", "Param #", "Mult-adds"]
        let w0 = max(header[0].count, labels.map(\.count).max() ?? 0)
        let w1 = max(header[1].count, shapes.map(\.count).max() ?? 0)
        let w2 = max(header[2].count, params.map(\.count).max() ?? 0)
        let w3 = max(header[3].count, mults.map(\.count).max() ?? 0)
        func left(_ s: String, _ w: Int) -> String { s + String(repeating: " ", count: max(0, w - s.count)) }
        func right(_ s: String, _ w: Int) -> String { String(repeating: " ", count: max(0, w - s.count)) + s }
        let rule = String(repeating: unicode ? "─" : "-", count: w0 + w1 + w2 + w3 + 6)
        var lines = [left(header[0], w0) + "  " + left(header[1], w1) + "  " + right(header[2], w2) + "  " + right(header[3], w3), rule]
        for k in rows.indices {
            lines.append(left(labels[k], w0) + "  " + left(shapes[k], w1) + "  " + right(params[k], w2) + "  " + right(mults[k], w3))
        }
        lines.append(rule)
        /// The bytes of `values` float32 numbers, in KB below a megabyte.
        func mb(_ values: Int) -> String {
            let bytes = Double(values) * 4
            return bytes < 1_048_576 ? String(format: "%.2f KB", bytes / 1024) : String(format: "%.2f MB", bytes / 1_048_576)
        }
        lines.append("Total params: \(ModelObject.grouped(total)) (\(mb(total)))")
        lines.append("Trainable params: \(ModelObject.grouped(trainable))")
        lines.append("Non-trainable params: \(ModelObject.grouped(total - trainable))")
        lines.append("Mult-adds: \(ModelObject.grouped(multAdds)) (\(String(format: "%.2f", Double(multAdds) / 1e6)) M; FLOPs ≈ 2 × mult-adds)")
        let inputCount = input.reduce(1, *)
        lines.append("Memory: input \(mb(inputCount)), forward activations \(mb(activations)), params \(mb(total))")
        return lines.joined(separator: "\n")
    }

    /// Appends the rows of `m` and its children; returns `m`'s output shape for `input`.
    @discardableResult
    private static func walk(_ m: Module, input: [Int], name: String, depth: Int, last: Bool, rows: inout [Row],
                             path: Set<ObjectIdentifier>) throws -> [Int] {
        let out = try m.outputShape(for: input)
        let kids = m.children
        let index = rows.count
        let own = m.ownParameters.reduce(0) { $0 + $1.variable.value.count }
        rows.append(Row(depth: depth, last: last, name: name, shape: out, params: kids.isEmpty ? own : m.parameterCount(),
                        multAdds: kids.isEmpty ? multAdds(m, output: out) : 0, leaf: kids.isEmpty))
        guard !kids.isEmpty, !path.contains(ObjectIdentifier(m)) else { return out }
        let inner = path.union([ObjectIdentifier(m)])
        var current = input
        var sum = 0
        // A graph's layers are not a chain: each is fed the shape its node reads.
        let graphInputs = (m as? GraphModel).flatMap { try? $0.layerInputShapes(for: input) }
        for (k, child) in kids.enumerated() {
            let label = Int(child.name) != nil ? child.module.signature : "\(child.name): \(child.module.signature)"
            let isLast = k == kids.count - 1
            let before = rows.count
            if let shape = graphInputs?[child.name] { current = shape }
            if let shape = try? walk(child.module, input: current, name: label, depth: depth + 1, last: isLast, rows: &rows, path: inner) {
                current = shape
            } else {
                rows.removeLast(rows.count - before)
                // A parallel branch (shortcut, downsample) reads the container's input.
                if (try? walk(child.module, input: input, name: label, depth: depth + 1, last: isLast, rows: &rows, path: inner)) == nil {
                    rows.removeLast(rows.count - before)
                    rows.append(Row(depth: depth + 1, last: isLast, name: label, shape: nil,
                                    params: child.module.parameterCount(), multAdds: 0, leaf: true))
                }
            }
        }
        for r in rows[(index + 1)...] where r.leaf { sum += r.multAdds }
        rows[index].multAdds = sum
        return out
    }

    /// Multiply-adds of one layer: Conv N·P·Q·|w| (every output pixel takes one multiply-add per
    /// weight of its filter), Dense rows·|w|; zero for the rest.
    static func multAdds(_ m: Module, output: [Int]) -> Int {
        guard let w = m.ownParameters.first(where: { $0.name == "weight" })?.variable.value.count else { return 0 }
        let outCount = output.reduce(1, *)
        switch m.typeName {
        case "Conv":
            guard output.count >= 3 else { return 0 }
            let channels = output[output.count - 3]
            return channels > 0 ? outCount / channels * w : 0
        case "Dense":
            guard let features = output.last, features > 0 else { return 0 }
            return outCount / features * w
        default:
            return 0
        }
    }
}
