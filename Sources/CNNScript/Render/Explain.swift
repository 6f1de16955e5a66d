import CNNKit
import Foundation

/// `explain(layer_or_model, input:)`: how every output shape follows from the input, worked through
/// with the actual numbers, layer by layer, with each layer's weight count and, for a conv, the
/// im2col matrix and the GEMM it becomes.
///
/// The shapes come from `ModelTrace` (each layer's `outputShape(for:)`) and every sliding-window size
/// from `Window2D.outputSize`: the arithmetic shown is the formula filled in, and the number after the
/// last `=` is the one the layer itself computes. Where ceil mode drops a window that would start
/// in the end padding, the line says so.
enum Explain {
    static let formula = "out = floor((in + pad_begin + pad_end - dilation·(k-1) - 1) / stride) + 1"

    /// The explanation, or, when a layer does not fit, the explanation up to it followed by the failure
    /// (also returned, so the builtin can report it as an error after printing what went well).
    static func render(_ model: Module, input: [Int], unicode: Bool) -> (text: String, failure: ModelTrace.ShapeFailure?) {
        let trace = ModelTrace.partial(model, input: input)
        let arrow = unicode ? "→" : "->"
        var lines: [String] = []
        let single = model.children.isEmpty
        let windowed = trace.steps.contains { $0.module.flatMap(window) != nil }
        if single {
            let out = trace.failure == nil ? " \(arrow) " + Shape.describe(trace.output) : ""
            lines.append("\(model.signature) on \(Shape.describe(input))\(out)")
            if windowed { lines.append("  " + formula) }
        } else {
            let out = trace.failure == nil ? " \(arrow) " + Shape.describe(trace.output) : ""
            lines.append("\(model.signature) on \(Shape.describe(input))\(out)")
            if windowed { lines.append(formula + " for every sliding window") }
        }
        for step in trace.steps where !(step.depth == 0 && !single) {
            let indent = String(repeating: "  ", count: single ? 0 : step.depth - 1)
            guard !step.output.isEmpty || step.module == nil else { continue }
            let shapes = "\(Shape.describe(step.input)) \(arrow) \(Shape.describe(step.output))"
            if !single { lines.append(indent + step.label + "  " + shapes) }
            let detail: [String]
            if step.repeated {
                detail = ["the same layer again: its parameters are counted once, above"]
            } else if case .add(let operands) = step.kind {
                detail = ["elementwise sum \(operands): \(Shape.describe(step.input)) + \(Shape.describe(step.input)); no weights"]
            } else if let m = step.module, !step.isContainer {
                detail = describe(m, input: step.input, output: step.output)
            } else {
                detail = []
            }
            lines += detail.map { indent + "  " + $0 }
        }
        if let f = trace.failure {
            lines.append("✗ " + f.description)
        } else if !single {
            let total = model.parameterCount()
            lines.append("parameters: \(Shape.grouped(total)) in total\(trace.steps.contains { $0.repeated && ($0.module?.parameterCount() ?? 0) > 0 } ? " (shared layers counted once)" : "")")
        }
        if !unicode { lines = lines.map(ascii) }
        return (lines.joined(separator: "\n"), trace.failure)
    }

    /// The sliding window of a conv or pool layer.
    static func window(_ m: Module) -> Window2D? { (m as? DescribedLayer)?.slidingWindow }

    /// The lines for one layer (not a container): its window worked through, then what the layer says
    /// about itself (`DescribedLayer.explanation`).
    static func describe(_ m: Module, input: [Int], output: [Int]) -> [String] {
        var lines: [String] = []
        if let w = window(m), input.count >= 2, output.count >= 2 {
            lines += windowLines(w, input: Size2(input[input.count - 2], input[input.count - 1]),
                                 output: Size2(output[output.count - 2], output[output.count - 1]))
        }
        return lines + ((m as? DescribedLayer)?.explanation(input: input, output: output)
                        ?? LayerDefaults.explanation(m, input: input, output: output))
    }

    /// `H: floor((224 + 3 + 3 - 1·(7-1) - 1) / 2) + 1 = floor(223 / 2) + 1 = 112`, and W.
    static func windowLines(_ w: Window2D, input: Size2, output: Size2) -> [String] {
        let pad = w.resolvedPadding(input: input)
        var lines: [String] = []
        if w.padding == .same || w.padding == .sameLower {
            lines.append("pad \(w.padding) resolves to top \(pad.top), bottom \(pad.bottom), left \(pad.left), right \(pad.right)")
        }
        func axis(_ name: String, _ n: Int, _ b: Int, _ a: Int, _ k: Int, _ s: Int, _ d: Int, _ result: Int) -> String {
            let numerator = n + b + a - d * (k - 1) - 1
            let round = w.ceilMode ? "ceil" : "floor"
            var text = "\(name): \(round)((\(n) + \(b) + \(a) - \(d)·(\(k)-1) - 1) / \(s)) + 1 = \(round)(\(numerator) / \(s)) + 1 = "
            // The formula filled in, for reading; the result is the layer's own (`Window2D.outputSize`).
            let formula = w.ceilMode ? (numerator + s - 1) / s + 1 : numerator / s + 1
            if numerator >= 0, formula != result {
                text += "\(formula) - 1 = \(result) (the last window would start in the end padding)"
            } else {
                text += "\(result)"
            }
            return text
        }
        lines.append(axis("H", input.h, pad.top, pad.bottom, w.kernel.h, w.stride.h, w.dilation.h, output.h))
        lines.append(axis("W", input.w, pad.left, pad.right, w.kernel.w, w.stride.w, w.dilation.w, output.w))
        return lines
    }

    /// The plain form: arrows and the failure mark in ASCII (shapes keep `×`, as every printout does).
    static func ascii(_ line: String) -> String {
        line.replacingOccurrences(of: "→", with: "->").replacingOccurrences(of: "✗", with: "!")
    }
}
