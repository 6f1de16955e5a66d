import CNNKit
import Foundation

/// `summary(model, input:)`: a table like torchinfo's — every layer as a tree (blocks, residual
/// branches and the add as rows), its output shape, parameters, mult-adds and whether it trains —
/// then the totals: parameters (trainable, frozen), mult-adds and memory.
///
/// Rows and shapes come from `ModelTrace` (each layer's `outputShape(for:)`, nothing computed).
/// Mult-adds follow torchinfo's rules so the totals agree with it (ResNet-18 at 1×3×224×224:
/// 1,814,083,944): a Conv does (weights + bias) per output position (N·P·Q), any other layer with
/// parameters (Dense, BatchNorm) its parameter count once per row of the batch; the rest count zero.
/// They are multiply-adds, not FLOPs (one mult-add is two FLOPs).
///
/// Parameters are counted once however often a layer is used: a layer met again is marked `shared`
/// and adds nothing to the totals. Memory is float32, in decimal units (MB = 10⁶ bytes, as torchinfo):
/// the input; the weights; and the activations the autograd graph keeps for backward at this input
/// size when training — the output of every layer and add (a Flatten shares its input's storage and
/// keeps nothing), plus a max-pool's argmax indices and a dropout's mask.
enum ModelSummary {
    struct Row {
        var step: ModelTrace.Step
        var params: Int
        var trainable: Int
        var multAdds: Int
        /// Scalars the graph keeps for backward at this row (leaves and adds only).
        var kept: Int
    }

    static func render(_ model: Module, input: [Int], unicode: Bool) throws -> String {
        let trace = try ModelTrace(model, input: input)
        var rows = trace.steps.map { step -> Row in
            guard let m = step.module else {
                return Row(step: step, params: 0, trainable: 0, multAdds: 0, kept: LayerDefaults.count(step.output))
            }
            let ps = step.isContainer ? m.namedParameters().map(\.variable) : m.ownParameters.map(\.variable)
            let params = ps.reduce(0) { $0 + $1.value.count }
            let trainable = ps.reduce(0) { $0 + ($1.requiresGrad ? $1.value.count : 0) }
            if step.isContainer { return Row(step: step, params: params, trainable: trainable, multAdds: 0, kept: 0) }
            return Row(step: step, params: params, trainable: trainable, multAdds: multAdds(m, output: step.output),
                       kept: kept(m, output: step.output))
        }
        // A container's mult-adds: the sum over the rows below it.
        for k in rows.indices where rows[k].step.isContainer && !rows[k].step.repeated {
            var sum = 0, j = k + 1
            while j < rows.count, rows[j].step.depth > rows[k].step.depth {
                if !rows[j].step.isContainer || rows[j].step.repeated { sum += rows[j].multAdds }
                j += 1
            }
            rows[k].multAdds = sum
        }

        let labels = treeLabels(rows.map(\.step), unicode: unicode)
        let shapes = rows.map { Shape.describe($0.step.output) }
        let dash = unicode ? "—" : "--"
        let params = rows.map { r -> String in
            guard r.params > 0 else { return dash }
            if r.step.repeated { return "shared" }
            return r.trainable == 0 ? "(\(Shape.grouped(r.params)))" : Shape.grouped(r.params)
        }
        let mults = rows.map { $0.multAdds > 0 ? Shape.grouped($0.multAdds) : dash }
        let trains = rows.map { r -> String in
            if r.params == 0 || r.step.repeated { return dash }
            return r.trainable == r.params ? "yes" : r.trainable == 0 ? "no" : "partly"
        }
        let header = ["Layer", "Output shape", "Param #", "Mult-adds", "Trainable"]
        let columns = [labels, shapes, params, mults, trains]
        let widths = zip(header, columns).map { h, c in max(h.count, c.map(\.count).max() ?? 0) }
        func left(_ s: String, _ w: Int) -> String { s + String(repeating: " ", count: max(0, w - s.count)) }
        func right(_ s: String, _ w: Int) -> String { String(repeating: " ", count: max(0, w - s.count)) + s }
        func line(_ cells: [String]) -> String {
            [left(cells[0], widths[0]), left(cells[1], widths[1]), right(cells[2], widths[2]),
             right(cells[3], widths[3]), right(cells[4], widths[4])].joined(separator: "  ")
        }
        let rule = String(repeating: unicode ? "═" : "=", count: widths.reduce(0, +) + 2 * (widths.count - 1))
        let thin = String(repeating: unicode ? "─" : "-", count: rule.count)
        var lines = [rule, line(header), thin]
        for k in rows.indices { lines.append(line(columns.map { $0[k] })) }
        lines.append(rule)

        let total = model.parameterCount()
        let trainable = model.trainableParameterCount()
        let totalMultAdds = rows.filter { !$0.step.isContainer || $0.step.repeated }.reduce(0) { $0 + $1.multAdds }
        let keptTotal = LayerDefaults.count(input) + rows.reduce(0) { $0 + $1.kept }
        lines.append("Total params: \(Shape.grouped(total))")
        lines.append("Trainable params: \(Shape.grouped(trainable))")
        lines.append("Frozen params: \(Shape.grouped(total - trainable))")
        lines.append("Total mult-adds: \(Shape.grouped(totalMultAdds))\(totalMultAdds >= 1000 ? " (\(scaled(totalMultAdds)))" : ""); one mult-add is two FLOPs")
        if rows.contains(where: { $0.step.repeated && $0.params > 0 }) {
            lines.append("Shared layers are counted once in the parameters, at every use in the mult-adds.")
        }
        lines.append(thin)
        let memory: [(String, Int)] = [("Input size", LayerDefaults.count(input) * 4),
                                       ("Activations kept for backward", keptTotal * 4),
                                       ("Params size", total * 4)]
        let labelWidth = memory.map(\.0.count).max() ?? 0
        let sizes = memory.map { bytes($0.1) } + [bytes(memory.reduce(0) { $0 + $1.1 })]
        let sizeWidth = sizes.map(\.count).max() ?? 0
        for (k, m) in memory.enumerated() { lines.append(left(m.0 + ":", labelWidth + 1) + " " + right(sizes[k], sizeWidth)) }
        lines.append(left("Estimated total:", labelWidth + 1) + " " + right(sizes[memory.count], sizeWidth))
        lines.append(rule)
        return lines.joined(separator: "\n")
    }

    /// `├─`/`└─` before each row below the root, `│ ` where an ancestor has later siblings (ASCII
    /// `|-`, `` `- ``, `| `).
    static func treeLabels(_ steps: [ModelTrace.Step], unicode: Bool) -> [String] {
        // A row is the last of its siblings when no later row at its depth comes before a shallower one.
        var last = [Bool](repeating: true, count: steps.count)
        for k in steps.indices {
            var j = k + 1
            while j < steps.count, steps[j].depth > steps[k].depth { j += 1 }
            last[k] = !(j < steps.count && steps[j].depth == steps[k].depth)
        }
        var open: [Bool] = []
        var labels: [String] = []
        for (k, s) in steps.enumerated() {
            var prefix = ""
            if s.depth > 0 {
                for d in 1..<s.depth { prefix += (d < open.count && open[d]) ? (unicode ? "│ " : "| ") : "  " }
                prefix += last[k] ? (unicode ? "└─" : "`-") : (unicode ? "├─" : "|-")
            }
            labels.append(prefix + s.label)
            while open.count <= s.depth { open.append(false) }
            open[s.depth] = !last[k]
        }
        return labels
    }

    /// Multiply-adds of one layer, by torchinfo's rule for its kind (`DescribedLayer.multAdds`): a Conv
    /// (weights + bias) per output position N·P·Q, a Dense per row, another layer with parameters
    /// (BatchNorm) its parameter count per image; parameter-free layers zero.
    static func multAdds(_ m: Module, output: [Int]) -> Int {
        (m as? DescribedLayer)?.multAdds(output: output) ?? LayerDefaults.multAdds(m, output: output)
    }

    /// Scalars the graph keeps for backward from one layer's run (`DescribedLayer.keptScalars`): its
    /// output, plus a max-pool's argmax indices and a dropout's mask; a Flatten's output shares its
    /// input's storage.
    static func kept(_ m: Module, output: [Int]) -> Int {
        (m as? DescribedLayer)?.keptScalars(output: output) ?? LayerDefaults.count(output)
    }

    /// `1.81 G`, `416.52 K`: the count in the largest unit that keeps it ≥ 1.
    static func scaled(_ n: Int) -> String {
        let v = Double(n)
        for (unit, size) in [("T", 1e12), ("G", 1e9), ("M", 1e6), ("K", 1e3)] where v >= size {
            return String(format: "%.2f", v / size) + " " + unit
        }
        return "\(n)"
    }

    /// Bytes in decimal units, as torchinfo reports them.
    static func bytes(_ n: Int) -> String {
        let v = Double(n)
        for (unit, size) in [("GB", 1e9), ("MB", 1e6), ("KB", 1e3)] where v >= size {
            return String(format: "%.2f", v / size) + " " + unit
        }
        return "\(n) B"
    }
}
