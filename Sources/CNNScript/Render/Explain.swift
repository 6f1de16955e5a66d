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
            lines.append("parameters: \(ModelObject.grouped(total)) in total\(trace.steps.contains { $0.repeated && ($0.module?.parameterCount() ?? 0) > 0 } ? " (shared layers counted once)" : "")")
        }
        if !unicode { lines = lines.map(ascii) }
        return (lines.joined(separator: "\n"), trace.failure)
    }

    /// The sliding window of a conv or pool layer.
    static func window(_ m: Module) -> Window2D? {
        if let c = m as? Conv { return c.window }
        if let p = m as? MaxPool { return p.window }
        if let p = m as? AvgPool { return p.window }
        return nil
    }

    /// The lines for one layer (not a container).
    static func describe(_ m: Module, input: [Int], output: [Int]) -> [String] {
        let g = ModelObject.grouped
        var lines: [String] = []
        if let w = window(m), input.count >= 2, output.count >= 2 {
            lines += windowLines(w, input: Size2(input[input.count - 2], input[input.count - 1]),
                                 output: Size2(output[output.count - 2], output[output.count - 1]))
        }
        switch m {
        case let c as Conv:
            let k = c.window.kernel, cinG = c.inChannels / c.groups, coutG = c.outChannels / c.groups
            let groups = c.groups == 1 ? "" : " in \(c.groups) groups"
            lines.append("channels: \(c.inChannels) \(arrowText) \(c.outChannels)\(groups): \(c.outChannels) filters of \(cinG)×\(k.h)×\(k.w)")
            let weights = c.outChannels * cinG * k.h * k.w
            let count = "weights: \(c.outChannels)·\(cinG)·\(k.h)·\(k.w) = \(g(weights))"
            lines.append(count + (c.bias == nil ? " parameters (no bias)" : " + bias \(c.outChannels) = \(g(weights + c.outChannels)) parameters"))
            if output.count >= 3 {
                let p = output[output.count - 2], q = output[output.count - 1]
                let rows = cinG * k.h * k.w, cols = p * q
                let per = c.groups == 1 ? "" : " per group"
                lines.append("im2col: (\(cinG)·\(k.h)·\(k.w) = \(g(rows))) × (\(p)·\(q) = \(g(cols))) per image\(per); GEMM \(coutG)×\(g(rows)) · \(g(rows))×\(g(cols))\(c.groups == 1 ? "" : ", \(c.groups) times")")
                let images = output.count == 4 ? output[0] : 1
                let taps = c.bias == nil ? g(rows) : "(\(g(rows)) + 1)"
                let total = ModelSummary.multAdds(c, output: output)
                let perImage = images == 0 ? 0 : total / images
                lines.append("mult-adds: \(c.outChannels)·\(taps)·\(g(cols)) = \(g(perImage)) per image\(images == 1 ? "" : ", \(g(total)) for \(images) images")\(c.bias == nil ? "" : " (+ 1: the bias)")")
            }
        case let d as Dense:
            let rows = output.isEmpty ? 0 : ModelSummary.count(output) / max(1, d.outFeatures)
            lines.append("y = x·Wᵀ + b over the last axis: \(d.inFeatures) \(arrowText) \(d.outFeatures) features")
            let weights = d.inFeatures * d.outFeatures
            let count = "weights: \(d.outFeatures)·\(d.inFeatures) = \(g(weights))"
            let params = d.bias == nil ? weights : weights + d.outFeatures
            lines.append(count + (d.bias == nil ? " parameters (no bias)" : " + bias \(d.outFeatures) = \(g(params)) parameters"))
            lines.append("GEMM \(g(rows))×\(g(d.inFeatures)) · \(g(d.inFeatures))×\(g(d.outFeatures)); mult-adds \(g(rows))·\(g(params)) = \(g(ModelSummary.multAdds(d, output: output)))")
        case let p as MaxPool:
            let k = p.window.kernel
            lines.append("each output is the max of \(k.h)·\(k.w) = \(k.h * k.w) inputs; channels unchanged; no weights")
        case let p as AvgPool:
            let k = p.window.kernel
            lines.append("each output is the mean of \(k.h)·\(k.w) = \(k.h * k.w) inputs (padding \(p.countPad ? "counted" : "not counted")); no weights")
        case is GlobalAvgPool:
            if input.count >= 2 {
                let h = input[input.count - 2], w = input[input.count - 1]
                lines.append("the mean of each \(h)×\(w) plane (\(g(h * w)) values) \(arrowText) 1×1; no weights")
            }
        case let f as Flatten:
            let a = f.axis < 0 ? f.axis + input.count : f.axis
            if a >= 0, a <= input.count {
                let tail = input[a...]
                let product = tail.isEmpty ? "1" : tail.map(String.init).joined(separator: "·")
                let head = input[..<a].map(String.init).joined(separator: "×")
                let kept = a == 0 ? "a leading 1" : a == 1 ? "axis 0 (\(head))" : "axes 0…\(a - 1) (\(head))"
                lines.append("keeps \(kept), multiplies the rest: \(product) = \(g(output.last ?? 0)); no weights")
            }
        case let b as BatchNorm:
            lines.append("normalises each of \(b.channels) channels, then scales and shifts it")
            lines.append("parameters: 2·\(b.channels) = \(g(2 * b.channels)) (scale γ, shift β); buffers: running mean and variance, 2·\(b.channels)")
        default:
            let params = m.ownParameters.reduce(0) { $0 + $1.variable.value.count }
            lines.append(input == output ? "shape unchanged" : "shape \(Shape.describe(input)) \(arrowText) \(Shape.describe(output))")
            if params > 0 { lines.append("parameters: \(g(params))") }
        }
        return lines
    }

    private static let arrowText = "→"

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
