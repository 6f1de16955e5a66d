@testable import CNNKit
import Testing
import CNNTestSupport

/// Pool gradients against plain loops written from PyTorch's definitions (max: the first maximum in
/// the window takes the gradient; avg: PyTorch's divisor), and against finite differences.
@Suite struct GradCNNPoolTests {
    struct PoolCase: CustomStringConvertible {
        var n = 1, c = 1, h = 1, w = 1
        var k = (1, 1), s = (1, 1), d = (1, 1)
        var pad = [0, 0, 0, 0]
        var ceil = false
        var p: Int { RefLayers.poolOut(h, pad[0], pad[2], k.0, s.0, d.0, ceil) }
        var q: Int { RefLayers.poolOut(w, pad[1], pad[3], k.1, s.1, d.1, ceil) }
        var padding: PaddingSpec { .explicit(Padding2D(top: pad[0], left: pad[1], bottom: pad[2], right: pad[3])) }
        var description: String { "\(n)×\(c)×\(h)×\(w) k\(k) s\(s) d\(d) pad\(pad) ceil=\(ceil)" }
    }

    /// Random windows whose pads are at most half the dilated kernel (the engine's rule).
    static func randomCase(_ rng: inout TestRNG, dilation: Bool) -> PoolCase {
        while true {
            var t = PoolCase()
            t.n = rng.int(1, 2); t.c = rng.int(1, 3); t.h = rng.int(3, 7); t.w = rng.int(3, 7)
            t.k = (rng.int(1, 3), rng.int(1, 3)); t.s = (rng.int(1, 3), rng.int(1, 3))
            t.d = dilation ? (rng.int(1, 2), rng.int(1, 2)) : (1, 1)
            let reach = (t.d.0 * (t.k.0 - 1) + 1, t.d.1 * (t.k.1 - 1) + 1)
            t.pad = [rng.int(0, reach.0 / 2), rng.int(0, reach.1 / 2), rng.int(0, reach.0 / 2), rng.int(0, reach.1 / 2)]
            t.ceil = rng.bool()
            let span = (t.h + t.pad[0] + t.pad[2], t.w + t.pad[1] + t.pad[3])
            if span.0 >= reach.0 && span.1 >= reach.1 && t.p > 0 && t.q > 0 { return t }
        }
    }

    /// dX of max pooling: each output's gradient to the first largest input tap of its window.
    static func maxPoolGrad(_ x: Tensor, _ gy: Tensor, _ t: PoolCase) -> Tensor {
        var dx = [Float](repeating: 0, count: x.count)
        for plane in 0..<(t.n * t.c) {
            for i in 0..<t.p {
                for j in 0..<t.q {
                    var best: Int?
                    for a in 0..<t.k.0 {
                        for b in 0..<t.k.1 {
                            let y = i * t.s.0 - t.pad[0] + a * t.d.0, z = j * t.s.1 - t.pad[1] + b * t.d.1
                            guard y >= 0, y < t.h, z >= 0, z < t.w else { continue }
                            let at = (plane * t.h + y) * t.w + z
                            if best.map({ x.scalars[at] > x.scalars[$0] }) ?? true { best = at }
                        }
                    }
                    if let best { dx[best] += gy.scalars[(plane * t.p + i) * t.q + j] }
                }
            }
        }
        return Tensor(unchecked: x.shape, scalars: dx)
    }

    /// dX of average pooling with ATen's divisor: the window clipped to input + padding, or (without
    /// count_pad) to the input.
    static func avgPoolGrad(_ x: Tensor, _ gy: Tensor, _ t: PoolCase, countPad: Bool) -> Tensor {
        var dx = [Float](repeating: 0, count: x.count)
        for plane in 0..<(t.n * t.c) {
            for i in 0..<t.p {
                for j in 0..<t.q {
                    var hs = i * t.s.0 - t.pad[0], ws = j * t.s.1 - t.pad[1]
                    var he = min(hs + t.k.0, t.h + t.pad[2]), we = min(ws + t.k.1, t.w + t.pad[3])
                    let poolSize = (he - hs) * (we - ws)
                    hs = max(hs, 0); ws = max(ws, 0); he = min(he, t.h); we = min(we, t.w)
                    let divisor = countPad ? poolSize : (he - hs) * (we - ws)
                    let share = gy.scalars[(plane * t.p + i) * t.q + j] / Float(divisor)
                    for y in hs..<max(hs, he) { for z in ws..<max(ws, we) { dx[(plane * t.h + y) * t.w + z] += share } }
                }
            }
        }
        return Tensor(unchecked: x.shape, scalars: dx)
    }

    @Test func maxPoolSweep() throws {
        var rng = TestRNG(31)
        for trial in 0..<40 {
            let t = Self.randomCase(&rng, dilation: true)
            let x = distinctValues([t.n, t.c, t.h, t.w], &rng), gy = rng.tensor([t.n, t.c, t.p, t.q])
            let pool: ([Variable]) throws -> Variable = { v in
                try Variable.maxPool(v[0], kernel: Size2(t.k.0, t.k.1), stride: Size2(t.s.0, t.s.1), padding: t.padding,
                                     dilation: Size2(t.d.0, t.d.1), ceilMode: t.ceil)
            }
            let (y, g) = try gradients([x], gy: gy, pool)
            let forward = try Tensor.maxPool(x, kernel: Size2(t.k.0, t.k.1), stride: Size2(t.s.0, t.s.1), padding: t.padding,
                                             dilation: Size2(t.d.0, t.d.1), ceilMode: t.ceil)
            #expect(y == forward, "trial \(trial): \(t)")
            expectClose(g[0], Self.maxPoolGrad(x, gy, t), rtol: 1e-6, atol: 1e-7, "trial \(trial): \(t)")
            if trial % 5 == 0 { try seededGradCheck([x], maxChecks: 8, seed: UInt64(trial), "trial \(trial): \(t)", pool) }
        }
    }

    @Test func avgPoolSweep() throws {
        var rng = TestRNG(37)
        for trial in 0..<40 {
            let t = Self.randomCase(&rng, dilation: false)
            let countPad = rng.bool()
            let x = rng.tensor([t.n, t.c, t.h, t.w]), gy = rng.tensor([t.n, t.c, t.p, t.q])
            let pool: ([Variable]) throws -> Variable = { v in
                try Variable.avgPool(v[0], kernel: Size2(t.k.0, t.k.1), stride: Size2(t.s.0, t.s.1), padding: t.padding,
                                     ceilMode: t.ceil, countPad: countPad)
            }
            let (_, g) = try gradients([x], gy: gy, pool)
            let label: Comment = "trial \(trial): \(t) countPad=\(countPad)"
            expectClose(g[0], Self.avgPoolGrad(x, gy, t, countPad: countPad), rtol: 1e-5, atol: 1e-6, label)
            if trial % 5 == 0 { try seededGradCheck([x], maxChecks: 8, seed: UInt64(trial), label, pool) }
        }
    }

    /// 2×2 stride-2 windows (the forward's fast path) and the C×H×W / H×W ranks.
    @Test func fastPathAndRanks() throws {
        var rng = TestRNG(41)
        let x = distinctValues([2, 3, 6, 8], &rng)
        try seededGradCheck([x], maxChecks: 30) { v in try Variable.maxPool(v[0], kernel: Size2(2)) }
        var t = PoolCase()
        (t.n, t.c, t.h, t.w, t.k, t.s) = (2, 3, 6, 8, (2, 2), (2, 2))
        let gy = rng.tensor([2, 3, 3, 4])
        let (_, g) = try gradients([x], gy: gy) { v in try Variable.maxPool(v[0], kernel: Size2(2)) }
        expectClose(g[0], Self.maxPoolGrad(x, gy, t), rtol: 1e-6, atol: 1e-7)
        try seededGradCheck([x], maxChecks: 30) { v in try Variable.avgPool(v[0], kernel: Size2(2)) }
        let x3 = distinctValues([3, 5, 5], &rng), x2 = distinctValues([5, 6], &rng)
        let y3 = try Variable.maxPool(Variable(x3, requiresGrad: true), kernel: Size2(2), stride: Size2(1))
        #expect(y3.shape == [3, 4, 4])
        try seededGradCheck([x3], maxChecks: 30) { v in try Variable.maxPool(v[0], kernel: Size2(2), stride: Size2(1)) }
        try seededGradCheck([x2], maxChecks: 30) { v in try Variable.avgPool(v[0], kernel: Size2(3), stride: Size2(2), ceilMode: true) }
        let y2 = try Variable.avgPool(Variable(x2, requiresGrad: true), kernel: Size2(3), stride: Size2(2), ceilMode: true)
        #expect(y2.shape == [2, 3])
    }

    /// A 4×4 arange max-pooled 2×2: the gradient lands on each window's bottom-right corner.
    @Test func literalMaxPool() throws {
        let x = Variable(Tensor(unchecked: [4, 4], scalars: (0..<16).map(Float.init)), requiresGrad: true)
        let y = try Variable.maxPool(x, kernel: Size2(2))
        #expect(y.value.scalars == [5, 7, 13, 15])
        try Autograd.backward(y, gradient: Tensor(unchecked: [2, 2], scalars: [1, 2, 3, 4]))
        #expect(x.grad?.scalars == [0, 0, 0, 0, 0, 1, 0, 2, 0, 0, 0, 0, 0, 3, 0, 4])
    }

    /// A NaN in a window is the maximum (as in the forward and PyTorch) and takes the gradient; a window
    /// of -inf values still routes its gradient to an input, never to the padding.
    @Test func nanAndInfinityWindows() throws {
        let nan = Float.nan, inf = Float.infinity
        let x = Variable(Tensor(unchecked: [2, 4], scalars: [1, nan, -inf, -inf, 3, nan, -inf, -inf]), requiresGrad: true)
        let y = try Variable.maxPool(x, kernel: Size2(2), padding: .explicit(Padding2D(top: 0, left: 1, bottom: 0, right: 1)))
        #expect(y.shape == [1, 3])
        #expect(y.value.scalars[0] == 3 && y.value.scalars[1].isNaN && y.value.scalars[2] == -inf)
        try Autograd.backward(y, gradient: Tensor(unchecked: [1, 3], scalars: [1, 2, 4]))
        #expect(x.grad?.scalars == [0, 2, 0, 4, 1, 0, 0, 0])
    }

    @Test func globalPools() throws {
        var rng = TestRNG(43)
        let x = distinctValues([2, 3, 4, 5], &rng)
        try seededGradCheck([x], maxChecks: 40) { v in try Variable.globalAvgPool(v[0]) }
        try seededGradCheck([x], maxChecks: 40) { v in try Variable.globalMaxPool(v[0]) }
        let gy = rng.tensor([2, 3, 1, 1])
        let (_, g) = try gradients([x], gy: gy) { v in try Variable.globalMaxPool(v[0]) }
        for plane in 0..<6 {
            let values = Array(x.scalars[plane * 20..<(plane + 1) * 20])
            let at = try #require(values.indices.max { values[$0] < values[$1] })
            for i in 0..<20 { #expect(g[0].scalars[plane * 20 + i] == (i == at ? gy.scalars[plane] : 0)) }
        }
        let (_, ga) = try gradients([x], gy: gy) { v in try Variable.globalAvgPool(v[0]) }
        for i in 0..<x.count { #expect(abs(ga[0].scalars[i] - gy.scalars[i / 20] / 20) <= 1e-7) }
        // C×H×W keeps its rank: C×1×1.
        #expect(try Variable.globalMaxPool(Variable(distinctValues([3, 2, 2], &rng), requiresGrad: true)).shape == [3, 1, 1])
    }

    @Test func errorsNameTheOp() {
        let v = Variable(Tensor([1, 2, 3]), requiresGrad: true)
        expectOpError("maxpool", "N×C×H×W") { try Variable.maxPool(v, kernel: Size2(2)) }
        expectOpError("avgpool", "N×C×H×W") { try Variable.avgPool(v, kernel: Size2(2)) }
        let x = Variable(Tensor(unchecked: [1, 1, 4, 4], scalars: [Float](repeating: 0, count: 16)), requiresGrad: true)
        expectOpError("maxpool", "padding") { try Variable.maxPool(x, kernel: Size2(2), padding: .explicit(Padding2D(2))) }
    }
}
