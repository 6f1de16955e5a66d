@testable import CNNKit
import Foundation
import Testing
import CNNTestSupport

/// Hand-built ONNX graphs for the ops PyTorch's exports above do not use, checked against plain loops.
@Suite("ONNX import: operators")
struct ONNXOpsTests {
    static func attr(_ name: String, ints: [Int]? = nil, int: Int? = nil, float: Float? = nil, string: String? = nil) -> ProtoWriter {
        var a = ProtoWriter()
        a.string(1, name)
        if let ints { a.packedInts(8, ints); a.int(20, 7) }
        if let int { a.int(3, int); a.int(20, 2) }
        if let float { a.float(2, float); a.int(20, 1) }
        if let string { a.string(4, string); a.int(20, 3) }
        return a
    }

    static func node(_ op: String, _ inputs: [String], _ output: String, _ attrs: [ProtoWriter] = []) -> ProtoWriter {
        var n = ONNXBytes.node(op, inputs, output, name: output + "_node")
        for a in attrs { n.message(5, a) }
        return n
    }

    @Test("auto_pad SAME_UPPER, SAME_LOWER and VALID put the odd padding pixel where ONNX says")
    func autoPad() throws {
        var rng = TestRNG(3)
        let x = rng.tensor([1, 2, 6, 6])
        let wv = rng.tensor([3, 2, 4, 4])
        let w = ONNXBytes.floatTensor("w", dims: [3, 2, 4, 4], raw: wv.scalars)
        let cases: [(String, Int, Padding2D)] = [
            // stride 2, k 4 on 6: 3 outputs, total padding (3−1)·2+4−6 = 2 → 1 and 1
            ("SAME_UPPER", 2, Padding2D(1)),
            // stride 1, k 4: total 3 → UPPER puts 2 at the end, LOWER 2 at the start
            ("SAME_UPPER", 1, Padding2D(top: 1, left: 1, bottom: 2, right: 2)),
            ("SAME_LOWER", 1, Padding2D(top: 2, left: 2, bottom: 1, right: 1)),
            ("VALID", 1, .zero),
        ]
        for (mode, stride, pads) in cases {
            let n = Self.node("Conv", ["x", "w"], "y", [Self.attr("auto_pad", string: mode), Self.attr("strides", ints: [stride, stride])])
            let m = try ONNXImport.decode(ONNXBytes.model(nodes: [n], initializers: [w]))
            let padded = try x.pad([0, 0, pads.top, pads.left, 0, 0, pads.bottom, pads.right])
            let expected = try naiveConv(padded, wv, stride: stride)
            expectClose(try m(x), expected, rtol: 1e-5, atol: 1e-5, "\(mode) stride \(stride)")
        }
        // Stride 2 on 7×7 with k 4: 4 outputs, total padding (4−1)·2+4−7 = 3, the odd pixel first for LOWER.
        let x7 = rng.tensor([1, 2, 7, 7])
        for (mode, pads) in [("SAME_UPPER", Padding2D(top: 1, left: 1, bottom: 2, right: 2)),
                             ("SAME_LOWER", Padding2D(top: 2, left: 2, bottom: 1, right: 1))] {
            let n = Self.node("Conv", ["x", "w"], "y", [Self.attr("auto_pad", string: mode), Self.attr("strides", ints: [2, 2])])
            let m = try ONNXImport.decode(ONNXBytes.model(nodes: [n], initializers: [w]))
            let padded = try x7.pad([0, 0, pads.top, pads.left, 0, 0, pads.bottom, pads.right])
            expectClose(try m(x7), try naiveConv(padded, wv, stride: 2), rtol: 1e-5, atol: 1e-5, "\(mode) stride 2")
        }
    }

    /// Plain cross-correlation, no padding.
    func naiveConv(_ x: Tensor, _ w: Tensor, stride: Int) throws -> Tensor {
        let (c, h, wd) = (x.shape[1], x.shape[2], x.shape[3]), (o, k) = (w.shape[0], w.shape[2])
        let p = (h - k) / stride + 1, q = (wd - k) / stride + 1
        var out = [Float](repeating: 0, count: o * p * q)
        for oc in 0..<o { for i in 0..<p { for j in 0..<q {
            var s: Float = 0
            for ic in 0..<c { for a in 0..<k { for b in 0..<k {
                s += x.scalars[(ic * h + i * stride + a) * wd + j * stride + b] * w.scalars[((oc * c + ic) * k + a) * k + b]
            } } }
            out[(oc * p + i) * q + j] = s
        } } }
        return try Tensor(shape: [1, o, p, q], scalars: out)
    }

    /// x 1×2×4×4 → Transpose → MatMul → Pad → Clip → GlobalMaxPool → Squeeze → Gemm → Sub/Div by a
    /// Constant → Softmax: 1×5.
    static func functionalGraph() throws -> (GraphModel, Tensor, Tensor, Tensor, Tensor) {
        var rng = TestRNG(5)
        let x = rng.tensor([1, 2, 4, 4])
        let mv = rng.tensor([4, 3]), gv = rng.tensor([2, 5]), cv = rng.tensor([5])
        var constant = ProtoWriter()
        constant.int(1, 1); constant.int(2, 1); constant.string(8, "c2"); constant.packedFloats(4, [2])
        let nodes = [
            Self.node("Transpose", ["x"], "t", [Self.attr("perm", ints: [0, 1, 3, 2])]),
            Self.node("MatMul", ["t", "m"], "mm"),                                     // 1×2×4×3
            Self.node("Pad", ["mm", "pads"], "pd", [Self.attr("mode", string: "constant")]),   // 1×2×5×3 (one row on top)
            Self.node("Clip", ["pd", "lo", "hi"], "cl"),
            Self.node("GlobalMaxPool", ["cl"], "gp"),                                  // 1×2×1×1
            Self.node("Squeeze", ["gp", "axes"], "sq"),                                // 1×2
            Self.node("Gemm", ["sq", "g", "c"], "ge", [Self.attr("alpha", float: 0.5), Self.attr("beta", float: 2)]),  // 1×5
            Self.node("Constant", [], "two", [{ var a = Self.attr("value"); a.message(5, constant); a.int(20, 4); return a }()]),
            Self.node("Sub", ["ge", "two"], "sb"),
            Self.node("Div", ["sb", "two"], "dv"),
            Self.node("Softmax", ["dv"], "y", [Self.attr("axis", int: 1)]),
        ]
        let inits = [
            ONNXBytes.floatTensor("m", dims: [4, 3], raw: mv.scalars), ONNXBytes.floatTensor("g", dims: [2, 5], raw: gv.scalars),
            ONNXBytes.floatTensor("c", dims: [5], raw: cv.scalars), ONNXBytes.floatTensor("lo", dims: [], raw: [-0.5]),
            ONNXBytes.floatTensor("hi", dims: [], raw: [0.75]),
            ONNXTensor.encodeInts(name: "pads", [0, 0, 1, 0, 0, 0, 0, 0]), ONNXTensor.encodeInts(name: "axes", [2, 3]),
        ]
        return (try ONNXImport.decode(ONNXBytes.model(nodes: nodes, initializers: inits)), x, mv, gv, cv)
    }

    @Test("Transpose, MatMul, Gemm (alpha, beta), Sub, Div, Pad, Clip, Squeeze, GlobalMaxPool, Constant, Softmax")
    func functional() throws {
        let (m, x, mv, gv, cv) = try Self.functionalGraph()
        // Reference: per channel, max over (clip(0 pad row) ∪ clip(xᵀ·M)), then Gemm, −2, ÷2, softmax.
        var feature = [Float](repeating: 0, count: 2)
        for ch in 0..<2 {
            var best: Float = min(max(0, -0.5), 0.75)  // the padded row of zeros
            for i in 0..<4 { for j in 0..<3 {
                var s: Float = 0
                for k in 0..<4 { s += x.scalars[ch * 16 + k * 4 + i] * mv.scalars[k * 3 + j] }
                best = max(best, min(max(s, -0.5), 0.75))
            } }
            feature[ch] = best
        }
        var logits = (0..<5).map { j in 0.5 * (feature[0] * gv.scalars[j] + feature[1] * gv.scalars[5 + j]) + 2 * cv.scalars[j] }
        logits = logits.map { ($0 - 2) / 2 }
        let top = logits.max() ?? 0
        let e = logits.map { exp($0 - top) }
        let expected = try Tensor(shape: [1, 5], scalars: e.map { $0 / e.reduce(0, +) })
        expectClose(try m(x), expected, rtol: 1e-5, atol: 1e-6)
        #expect(try m.outputShape(for: [1, 2, 4, 4]) == [1, 5])
        // And back out through the exporter, to the same numbers.
        let back = try ONNXImport.decode(ONNXExport.encode(model: m, inputShape: [1, 2, 4, 4]))
        expectClose(try back(x), expected, rtol: 1e-5, atol: 1e-6)
    }
}
