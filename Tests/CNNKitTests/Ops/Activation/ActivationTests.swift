@testable import CNNKit
import Foundation
import Testing
import CNNTestSupport

@Suite("Layers: activations, softmax, batchnorm, dropout")
struct ActivationTests {
    @Test("relu, leaky relu, sigmoid and tanh elementwise")
    func elementwise() {
        let x = Tensor(unchecked: [2, 3], scalars: [-2, -0.5, 0, 0.5, 3, 100])
        #expect(x.relu().scalars == [0, 0, 0, 0.5, 3, 100])
        #expect(x.relu().shape == [2, 3])
        #expect(x.leakyRelu().scalars == [-0.02, -0.005, 0, 0.5, 3, 100])
        #expect(x.leakyRelu(slope: 0.2).scalars == [-0.4, -0.1, 0, 0.5, 3, 100])
        var rng = TestRNG(1)
        let r = rng.tensor([3, 50_000], -8, 8)  // large enough to split over threads
        let s = r.sigmoid(), t = r.tanh()
        for i in stride(from: 0, to: r.count, by: 997) {
            let v = Double(r.scalars[i])
            #expect(abs(Double(s.scalars[i]) - 1 / (1 + Foundation.exp(-v))) < 1e-6)
            #expect(abs(Double(t.scalars[i]) - Foundation.tanh(v)) < 1e-6)
        }
        #expect(r.relu().scalars == r.scalars.map { max($0, 0) })
        #expect(Tensor(Float.nan).relu().scalars[0].isNaN)
    }

    @Test("sigmoid is stable and exact at the extremes")
    func sigmoidExtremes() {
        let x = Tensor([-1000, -100, -88, 0, 88, 100, 1000, -Float.infinity, Float.infinity])
        let s = x.sigmoid().scalars
        #expect(s.allSatisfy { $0.isFinite && $0 >= 0 && $0 <= 1 })
        #expect(s[0] == 0 && s[3] == 0.5 && s[6] == 1 && s[7] == 0 && s[8] == 1)
        #expect(s[2] > 0 && s[2] < 1e-37)  // e^-88 is still representable, not flushed early
        #expect(Tensor([-1000, 1000]).tanh().scalars == [-1, 1])
    }

    @Test("softmax and log-softmax match the reference along every axis")
    func softmaxSweep() throws {
        var rng = TestRNG(2)
        var cases = 0
        for trial in 0..<120 {
            let rank = rng.int(1, 4)
            let shape = (0..<rank).map { _ in rng.int(1, 5) }
            let x = rng.tensor(shape, -20, 20)
            let axis = rng.int(-rank, rank - 1)
            let a = axis < 0 ? axis + rank : axis
            let log = trial % 2 == 0
            let y = log ? try x.logSoftmax(axis: axis) : try x.softmax(axis: axis)
            expectClose(y, RefLayers.softmax(x, axis: a, log: log), rtol: 1e-5, atol: 1e-6,
                        "\(log ? "log_softmax" : "softmax") \(shape) axis \(axis)")
            cases += 1
        }
        #expect(cases == 120)
    }

    @Test("softmax: rows sum to 1, huge inputs stay finite, default axis is the last")
    func softmaxStability() throws {
        let x = Tensor(unchecked: [2, 3], scalars: [1000, 1001, 1002, -1000, -1000, -1000])
        let s = try x.softmax()
        #expect(s.scalars.allSatisfy { $0.isFinite })
        expectClose(s, Tensor(unchecked: [2, 3], scalars: [0.09003057, 0.24472847, 0.66524096, 1 / 3.0, 1 / 3.0, 1 / 3.0]))
        let l = try x.logSoftmax()
        expectClose(l, Tensor(unchecked: [2, 3], scalars: [-2.40760596, -1.40760596, -0.40760596, -1.09861229, -1.09861229, -1.09861229]))
        let col = try x.softmax(axis: 0)
        #expect(col.scalars[0] == 1 && col.scalars[3] == 0)
        #expect(try Tensor(3).softmax().scalars == [1])
        #expect(try Tensor(3).logSoftmax(axis: 0).scalars == [0])
        #expect(try Tensor(shape: [2, 0], repeating: 0).softmax().shape == [2, 0])
        #expect(try Tensor(shape: [0, 1 << 40, 1 << 40], repeating: 0).logSoftmax(axis: 0).shape == [0, 1 << 40, 1 << 40])
        var withNaN = Tensor([1, .nan, 2])
        #expect(try withNaN.softmax().scalars.allSatisfy { $0.isNaN })
        withNaN = Tensor([-.infinity, 0])
        #expect(try withNaN.softmax().scalars == [0, 1])
    }

    @Test("softmax rejects bad axes by name")
    func softmaxErrors() {
        let x = layerArange([2, 3])
        expectOpError("softmax", "axis 2", "rank 2") { try x.softmax(axis: 2) }
        expectOpError("log_softmax", "axis -3") { try x.logSoftmax(axis: -3) }
        expectOpError("softmax", "axis 1", "rank 0") { try Tensor(1).softmax(axis: 1) }
    }

    @Test("batchnorm matches the formula on random shapes")
    func batchNormSweep() throws {
        var rng = TestRNG(3)
        for _ in 0..<40 {
            let rank = rng.int(2, 4)
            let shape = (0..<rank).map { _ in rng.int(1, 5) }
            let c = shape[1]
            let x = rng.tensor(shape, -4, 4)
            let scale = rng.tensor([c], 0.5, 2), bias = rng.tensor([c], -1, 1)
            let mean = rng.tensor([c], -1, 1), variance = rng.tensor([c], 0, 3)
            let eps: Float = rng.bool() ? 1e-5 : 1e-3
            let y = try Tensor.batchNorm(x, scale: scale, bias: bias, mean: mean, variance: variance, eps: eps)
            expectClose(y, RefLayers.batchNorm(x, scale: scale.scalars, bias: bias.scalars, mean: mean.scalars,
                                               variance: variance.scalars, eps: eps), rtol: 1e-4, atol: 1e-4, "\(shape)")
        }
        // Parameters shaped C×1×1 (as some files store them) are accepted.
        let x = layerArange([1, 2, 2, 2])
        let ones = Tensor(unchecked: [2, 1, 1], scalars: [1, 1]), zeros = Tensor(unchecked: [2, 1, 1], scalars: [0, 0])
        let y = try Tensor.batchNorm(x, scale: ones, bias: zeros, mean: Tensor([0, 4]), variance: ones, eps: 0)
        #expect(y.scalars == [0, 1, 2, 3, 0, 1, 2, 3])
        let empty = try Tensor(shape: [0, 2, 1 << 40, 1 << 40], repeating: 0)
        #expect(try Tensor.batchNorm(empty, scale: Tensor([1, 1]), bias: Tensor([0, 0]), mean: Tensor([0, 0]), variance: Tensor([1, 1])) == empty)
    }

    @Test("batchnorm errors name the parameter and the lengths")
    func batchNormErrors() {
        let x = layerArange([2, 3, 4])
        let c3 = Tensor([1, 1, 1]), c2 = Tensor([1, 1])
        expectOpError("batchnorm", "bias has 2 values", "has 3 channels") {
            try Tensor.batchNorm(x, scale: c3, bias: c2, mean: c3, variance: c3)
        }
        expectOpError("batchnorm", "variance has 2") { try Tensor.batchNorm(x, scale: c3, bias: c3, mean: c3, variance: c2) }
        expectOpError("batchnorm", "rank ≥ 2", "got 3") { try Tensor.batchNorm(Tensor([1, 2, 3]), scale: c3, bias: c3, mean: c3, variance: c3) }
        expectOpError("batchnorm", "variance[1] is -1") {
            try Tensor.batchNorm(x, scale: c3, bias: c3, mean: c3, variance: Tensor([1, -1, 1]))
        }
        expectOpError("batchnorm", "eps") { try Tensor.batchNorm(x, scale: c3, bias: c3, mean: c3, variance: c3, eps: -1) }
    }

    @Test("dropout: identity in eval, inverted scaling in training, seeded")
    func dropout() throws {
        var rng = RandomSource(seed: 42)
        let x = Tensor(unchecked: [100, 100], scalars: [Float](repeating: 1, count: 10_000))
        #expect(try x.dropout(p: 0.5, training: false, using: &rng) == x)
        #expect(try x.dropout(p: 0, training: true, using: &rng) == x)
        #expect(try x.dropout(p: 1, training: true, using: &rng).scalars.allSatisfy { $0 == 0 })
        let y = try x.dropout(p: 0.25, training: true, using: &rng)
        #expect(y.shape == x.shape)
        // Survivors are scaled by 1/(1-p); about 75 % survive (binomial sd ≈ 0.43 %).
        #expect(y.scalars.allSatisfy { $0 == 0 || abs($0 - 4 / 3.0) < 1e-6 })
        let kept = Double(y.scalars.filter { $0 != 0 }.count) / 10_000
        #expect(abs(kept - 0.75) < 0.03, "kept fraction \(kept)")
        var a = RandomSource(seed: 7), b = RandomSource(seed: 7)
        let da = try x.dropout(p: 0.5, training: true, using: &a), db = try x.dropout(p: 0.5, training: true, using: &b)
        #expect(da == db)
        expectOpError("dropout", "p must be in [0, 1], got 1.5") { try x.dropout(p: 1.5, training: true, using: &rng) }
        expectOpError("dropout", "got -0.1") { try x.dropout(p: -0.1, training: false, using: &rng) }
        expectOpError("dropout", "nan") { try x.dropout(p: .nan, training: true, using: &rng) }
    }
}
