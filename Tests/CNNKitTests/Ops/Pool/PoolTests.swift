@testable import CNNKit
import Testing
import CNNTestSupport

@Suite("Layers: pools")
struct PoolTests {
    @Test("4×4 arange pooled by hand")
    func literal4x4() throws {
        let x = layerArange([1, 1, 4, 4])
        #expect(try Tensor.maxPool(x, kernel: Size2(2)).scalars == [5, 7, 13, 15])
        #expect(try Tensor.avgPool(x, kernel: Size2(2)).scalars == [2.5, 4.5, 10.5, 12.5])
        // 3×3 stride 1: the bottom-right of each window.
        #expect(try Tensor.maxPool(x, kernel: Size2(3), stride: Size2(1)).scalars == [10, 11, 14, 15])
        // Padding 1 with a 2×2 stride-2 window: corners of the padded 6×6 grid.
        let padded = try Tensor.maxPool(x, kernel: Size2(2), padding: .explicit(Padding2D(1)))
        #expect(padded.shape == [1, 1, 3, 3])
        #expect(padded.scalars == [0, 2, 3, 8, 10, 11, 12, 14, 15])
        // countPad: the corner window holds 0 and three pads.
        let avgPad = try Tensor.avgPool(x, kernel: Size2(2), padding: .explicit(Padding2D(1)))
        #expect(avgPad.scalars[0] == 0 && avgPad.scalars[1] == (1 + 2) / 4.0 && avgPad.scalars[8] == 15 / 4.0)
        let avgNoPad = try Tensor.avgPool(x, kernel: Size2(2), padding: .explicit(Padding2D(1)), countPad: false)
        #expect(avgNoPad.scalars[1] == 1.5 && avgNoPad.scalars[8] == 15 && avgNoPad.scalars[4] == 7.5)
    }

    @Test("5×5 arange in ceil mode: partial last windows")
    func literalCeil() throws {
        let x = layerArange([5, 5])
        let m = try Tensor.maxPool(x, kernel: Size2(2), ceilMode: true)
        #expect(m.shape == [3, 3])
        #expect(m.scalars == [6, 8, 9, 16, 18, 19, 21, 23, 24])
        // PyTorch divides a window that runs past the (unpadded) end by the part inside: 2, 2 and 1.
        let a = try Tensor.avgPool(x, kernel: Size2(2), ceilMode: true)
        #expect(a.scalars == [3, 5, 6.5, 13, 15, 16.5, 20.5, 22.5, 24])
        #expect(try Tensor.maxPool(x, kernel: Size2(2)).shape == [2, 2])
    }

    @Test("max and avg pools match the reference on 300 random geometries")
    func randomSweep() throws {
        var rng = TestRNG(7)
        var checked = 0, rejected = 0
        for trial in 0..<300 {
            let n = rng.int(1, 2), c = rng.int(1, 3), h = rng.int(1, 9), w = rng.int(1, 9)
            let k = (rng.int(1, 4), rng.int(1, 4)), s = (rng.int(1, 3), rng.int(1, 3))
            let d = trial % 3 == 0 ? (rng.int(1, 2), rng.int(1, 2)) : (1, 1)
            let reach = (d.0 * (k.0 - 1) + 1, d.1 * (k.1 - 1) + 1)
            let pad = [rng.int(0, reach.0 / 2), rng.int(0, reach.1 / 2), rng.int(0, reach.0 / 2), rng.int(0, reach.1 / 2)]
            let ceil = rng.bool(), countPad = rng.bool()
            let x = rng.tensor([n, c, h, w], -3, 3)
            let padding = PaddingSpec.explicit(Padding2D(top: pad[0], left: pad[1], bottom: pad[2], right: pad[3]))
            let fits = h + pad[0] + pad[2] >= reach.0 && w + pad[1] + pad[3] >= reach.1
            let label = "x \(x.shape) k \(k) s \(s) d \(d) pad \(pad) ceil \(ceil) countPad \(countPad)"
            guard fits else {
                #expect(throws: OpError.self, "\(label)") {
                    try Tensor.maxPool(x, kernel: Size2(k.0, k.1), stride: Size2(s.0, s.1), padding: padding,
                                       dilation: Size2(d.0, d.1), ceilMode: ceil)
                }
                rejected += 1
                continue
            }
            let m = try Tensor.maxPool(x, kernel: Size2(k.0, k.1), stride: Size2(s.0, s.1), padding: padding,
                                       dilation: Size2(d.0, d.1), ceilMode: ceil)
            // Exact, including -inf where dilated taps all land in padding (PyTorch gives -inf too).
            expectLayerSame(m, RefLayers.maxPool(x, k: k, s: s, pad: pad, d: d, ceil: ceil), "max \(label)")
            if d == (1, 1) {
                let a = try Tensor.avgPool(x, kernel: Size2(k.0, k.1), stride: Size2(s.0, s.1), padding: padding,
                                           ceilMode: ceil, countPad: countPad)
                expectClose(a, RefLayers.avgPool(x, k: k, s: s, pad: pad, ceil: ceil, countPad: countPad),
                            rtol: 1e-5, atol: 1e-6, "avg \(label)")
            }
            checked += 1
        }
        #expect(checked >= 200 && rejected > 0)
    }

    @Test("2×2 stride-2 fast path matches the reference, odd sizes and multiple planes")
    func fastPath() throws {
        var rng = TestRNG(11)
        for (h, w) in [(2, 2), (4, 34), (5, 33), (9, 64), (7, 70), (112, 112)] {
            let x = rng.tensor([2, 3, h, w], -5, 5)
            let label = "\(h)×\(w)"
            expectClose(try Tensor.maxPool(x, kernel: Size2(2)),
                        RefLayers.maxPool(x, k: (2, 2), s: (2, 2), pad: [0, 0, 0, 0], d: (1, 1), ceil: false), rtol: 0, atol: 0, "\(label)")
            expectClose(try Tensor.avgPool(x, kernel: Size2(2)),
                        RefLayers.avgPool(x, k: (2, 2), s: (2, 2), pad: [0, 0, 0, 0], ceil: false, countPad: true), rtol: 1e-6, atol: 1e-6, "\(label)")
            // Ceil mode on odd sizes must leave the fast path for the partial windows.
            expectClose(try Tensor.avgPool(x, kernel: Size2(2), ceilMode: true),
                        RefLayers.avgPool(x, k: (2, 2), s: (2, 2), pad: [0, 0, 0, 0], ceil: true, countPad: true), rtol: 1e-6, atol: 1e-6, "ceil \(label)")
        }
    }

    @Test("max pooling propagates NaN like PyTorch; -inf padding never wins")
    func nanAndNegatives() throws {
        var x = layerArange([1, 1, 4, 4])
        x.scalars[5] = .nan
        for out in [try Tensor.maxPool(x, kernel: Size2(2)), try Tensor.maxPool(x, kernel: Size2(3), stride: Size2(1))] {
            #expect(out.scalars[0].isNaN)
        }
        #expect(try Tensor.maxPool(x, kernel: Size2(2)).scalars[1] == 7)
        let neg = Tensor(unchecked: [1, 1, 2, 2], scalars: [-4, -3, -2, -1])
        #expect(try Tensor.maxPool(neg, kernel: Size2(2), stride: Size2(1), padding: .explicit(Padding2D(1))).scalars
                == [-4, -3, -3, -2, -1, -1, -2, -1, -1])
        #expect(try Tensor.globalMaxPool(x).scalars[0].isNaN)
    }

    @Test("\"same\" padding keeps ceil(H / stride)")
    func samePadding() throws {
        var rng = TestRNG(3)
        let x = rng.tensor([1, 2, 7, 6])
        let m = try Tensor.maxPool(x, kernel: Size2(3), stride: Size2(2), padding: .same)
        #expect(m.shape == [1, 2, 4, 3])
        // SAME_UPPER: total padding 2 on H (1 top, 1 bottom) and 1 on W (0 left, 1 right).
        expectClose(m, RefLayers.maxPool(x, k: (3, 3), s: (2, 2), pad: [1, 0, 1, 1], d: (1, 1), ceil: false), rtol: 0, atol: 0)
        let a = try Tensor.avgPool(x, kernel: Size2(3), stride: Size2(2), padding: .same, countPad: false)
        expectClose(a, RefLayers.avgPool(x, k: (3, 3), s: (2, 2), pad: [1, 0, 1, 1], ceil: false, countPad: false))
    }

    @Test("3-D and 2-D inputs are one image and keep their rank")
    func rankAdaptation() throws {
        var rng = TestRNG(5)
        let x4 = rng.tensor([1, 3, 6, 5])
        let x3 = x4.reshaped(unchecked: [3, 6, 5])
        let m4 = try Tensor.maxPool(x4, kernel: Size2(2), stride: Size2(1))
        let m3 = try Tensor.maxPool(x3, kernel: Size2(2), stride: Size2(1))
        #expect(m3.shape == [3, 5, 4] && m3.scalars == m4.scalars)
        let a3 = try Tensor.avgPool(x3, kernel: Size2(3), padding: .explicit(Padding2D(1)))
        #expect(a3.shape == [3, 2, 2])
        let x2 = rng.tensor([6, 5])
        let m2 = try Tensor.maxPool(x2, kernel: Size2(2))
        #expect(m2.shape == [3, 2])
        #expect(m2.scalars == (try Tensor.maxPool(x2.reshaped(unchecked: [1, 1, 6, 5]), kernel: Size2(2))).scalars)
        #expect(try Tensor.globalAvgPool(x3).shape == [3, 1, 1])
        #expect(try Tensor.globalMaxPool(x2).shape == [1, 1])
        // An empty batch pools to an empty batch.
        #expect(try Tensor.maxPool(Tensor(shape: [0, 2, 4, 4], repeating: 0), kernel: Size2(2)).shape == [0, 2, 2, 2])
    }

    @Test("pool errors name the op, the shape and the parameter")
    func errors() throws {
        let x = layerArange([1, 1, 4, 4])
        expectOpError("maxpool", "N×C×H×W", "got shape 4 (rank 1)") { try Tensor.maxPool(layerArange([4]), kernel: Size2(2)) }
        expectOpError("avgpool", "2×3×4×5×6") { try Tensor.avgPool(layerArange([2, 3, 4, 5, 6]), kernel: Size2(2)) }
        expectOpError("maxpool", "kernel 5×5 does not fit") { try Tensor.maxPool(x, kernel: Size2(5)) }
        expectOpError("avgpool", "kernel size must be at least 1") { try Tensor.avgPool(x, kernel: Size2(0)) }
        expectOpError("maxpool", "stride must be at least 1, got 0×1") { try Tensor.maxPool(x, kernel: Size2(2), stride: Size2(0, 1)) }
        expectOpError("maxpool", "dilation") { try Tensor.maxPool(x, kernel: Size2(2), dilation: Size2(0)) }
        expectOpError("maxpool", "padding must not be negative") {
            try Tensor.maxPool(x, kernel: Size2(2), padding: .explicit(Padding2D(-1)))
        }
        expectOpError("avgpool", "padding 2 must be at most half the kernel reach 3×3") {
            try Tensor.avgPool(x, kernel: Size2(3), padding: .explicit(Padding2D(2)))
        }
        expectOpError("maxpool", "does not fit padded input 0×4") { try Tensor.maxPool(Tensor(shape: [1, 1, 0, 4], repeating: 0), kernel: Size2(1)) }
        expectOpError("maxpool", "input plane 0×4 is empty") {
            try Tensor.maxPool(Tensor(shape: [1, 1, 0, 4], repeating: 0), kernel: Size2(2), padding: .explicit(Padding2D(1)))
        }
        expectOpError("gavgpool", "got shape 4 (rank 1)") { try Tensor.globalAvgPool(layerArange([4])) }
        expectOpError("gmaxpool", "empty") { try Tensor.globalMaxPool(Tensor(shape: [1, 2, 0, 3], repeating: 0)) }
    }

    @Test("global pools reduce each plane")
    func globalPools() throws {
        var rng = TestRNG(9)
        let x = rng.tensor([2, 3, 5, 4])
        let avg = try Tensor.globalAvgPool(x), mx = try Tensor.globalMaxPool(x)
        #expect(avg.shape == [2, 3, 1, 1] && mx.shape == [2, 3, 1, 1])
        for p in 0..<6 {
            let plane = x.scalars[p * 20..<(p + 1) * 20]
            #expect(abs(avg.scalars[p] - plane.reduce(0, +) / 20) < 1e-5)
            #expect(mx.scalars[p] == plane.max())
        }
    }

    @Test("flatten keeps the axes before axis and multiplies the rest")
    func flatten() throws {
        let x = layerArange([2, 3, 4, 5])
        #expect(try x.flatten().shape == [2, 60])
        #expect(try x.flatten(axis: 0).shape == [1, 120])
        #expect(try x.flatten(axis: 2).shape == [2, 3, 20])
        #expect(try x.flatten(axis: -1).shape == [2, 3, 4, 5])
        #expect(try x.flatten(axis: -3).shape == [2, 60])
        #expect(try x.flatten(axis: 4).shape == [2, 3, 4, 5, 1])
        #expect(try x.flatten().scalars == x.scalars)
        #expect(try Tensor(2).flatten(axis: 0).shape == [1, 1])
        expectOpError("flatten", "axis 5", "rank 4") { try x.flatten(axis: 5) }
        expectOpError("flatten", "axis -5") { try x.flatten(axis: -5) }
        // An empty tensor may have huge other axes; their product must be an error, not an overflow.
        let empty = try Tensor(shape: [0, 1 << 40, 1 << 40], repeating: 0)
        expectOpError("flatten", "overflows") { try empty.flatten() }
        #expect(try empty.flatten(axis: 2).shape == [0, 1 << 40, 1 << 40])
    }
}
