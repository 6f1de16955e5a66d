@testable import CNNKit
import Testing
import CNNTestSupport

/// Batch norm (training and inference) and linear gradients: plain-loop references for values and
/// running statistics, finite differences for the gradients.
@Suite struct GradCNNLayerTests {
    /// Training-mode batch norm written out per channel in Double: y, batch mean and biased variance.
    static func batchNormReference(_ x: Tensor, _ scale: Tensor, _ bias: Tensor, eps: Float)
        -> (y: [Float], mean: [Double], variance: [Double], count: Int) {
        let n = x.shape[0], c = x.shape[1], inner = x.count / (n * c)
        var mean = [Double](repeating: 0, count: c), variance = [Double](repeating: 0, count: c)
        for ch in 0..<c {
            var values: [Double] = []
            for i in 0..<n { for j in 0..<inner { values.append(Double(x.scalars[(i * c + ch) * inner + j])) } }
            mean[ch] = values.reduce(0, +) / Double(values.count)
            variance[ch] = values.map { ($0 - mean[ch]) * ($0 - mean[ch]) }.reduce(0, +) / Double(values.count)
        }
        var y = [Float](repeating: 0, count: x.count)
        for i in 0..<x.count {
            let ch = (i / inner) % c
            let xhat = (Double(x.scalars[i]) - mean[ch]) / (variance[ch] + Double(eps)).squareRoot()
            y[i] = Float(Double(scale.scalars[ch]) * xhat + Double(bias.scalars[ch]))
        }
        return (y, mean, variance, n * inner)
    }

    @Test func trainingValuesRunningStatsAndGradients() throws {
        var rng = TestRNG(51)
        for shape in [[3, 4, 2, 3], [5, 3], [2, 2, 3], [1, 2, 2, 2]] {
            let c = shape[1]
            let x = rng.tensor(shape, -1, 2), scale = rng.tensor([c], 0.5, 1.5), bias = rng.tensor([c])
            let rm0 = rng.tensor([c]), rv0 = rng.tensor([c], 0.5, 1.5)
            var rm = rm0, rv = rv0
            let momentum: Float = 0.3
            let y = try Variable.batchNorm(Variable(x, requiresGrad: true), scale: Variable(scale), bias: Variable(bias),
                                           runningMean: &rm, runningVar: &rv, momentum: momentum, training: true)
            let ref = Self.batchNormReference(x, scale, bias, eps: 1e-5)
            expectClose(y.value, Tensor(unchecked: shape, scalars: ref.y), rtol: 1e-5, atol: 1e-5, "\(shape)")
            for ch in 0..<c {
                let m = Double(ref.count)
                let expectedMean = 0.7 * Double(rm0.scalars[ch]) + 0.3 * ref.mean[ch]
                let expectedVar = 0.7 * Double(rv0.scalars[ch]) + 0.3 * ref.variance[ch] * m / (m - 1)
                #expect(abs(Double(rm.scalars[ch]) - expectedMean) <= 1e-6, "\(shape) channel \(ch)")
                #expect(abs(Double(rv.scalars[ch]) - expectedVar) <= 1e-6, "\(shape) channel \(ch)")
            }
            try seededGradCheck([x, scale, bias], eps: 1e-2, maxChecks: 12, "\(shape)") { v in
                var m = rm0, s = rv0
                return try Variable.batchNorm(v[0], scale: v[1], bias: v[2], runningMean: &m, runningVar: &s, training: true)
            }
        }
    }

    /// Normalised outputs sum to zero per channel, so a constant output gradient gives dx = 0; and with
    /// the gradient equal to x̂, dγ is the channel's value count.
    @Test func trainingGradientIdentities() throws {
        var rng = TestRNG(53)
        let x = rng.tensor([4, 2, 3, 3]), scale = rng.tensor([2], 0.5, 1.5), bias = Tensor([0, 0])
        var rm = Tensor([0, 0]), rv = Tensor([1, 1])
        let xv = Variable(x, requiresGrad: true), sv = Variable(scale, requiresGrad: true), bv = Variable(bias, requiresGrad: true)
        let y = try Variable.batchNorm(xv, scale: sv, bias: bv, runningMean: &rm, runningVar: &rv, training: true)
        try Autograd.backward(y, gradient: try Tensor(shape: x.shape, repeating: 1))
        for g in try #require(xv.grad).scalars { #expect(abs(g) <= 1e-5) }
        #expect(try #require(bv.grad).scalars == [36, 36])
    }

    @Test func inferenceGradients() throws {
        var rng = TestRNG(57)
        let x = rng.tensor([2, 3, 2, 2]), scale = rng.tensor([3]), bias = rng.tensor([3])
        let mean = rng.tensor([3]), variance = rng.tensor([3], 0.5, 2)
        try seededGradCheck([x, scale, bias], maxChecks: 24) { v in
            var m = mean, s = variance
            return try Variable.batchNorm(v[0], scale: v[1], bias: v[2], runningMean: &m, runningVar: &s, training: false)
        }
        var m = mean, s = variance
        let y = try Variable.batchNorm(Variable(x), scale: Variable(scale, requiresGrad: true), bias: Variable(bias),
                                       runningMean: &m, runningVar: &s, training: false)
        #expect(y.value == (try Tensor.batchNorm(x, scale: scale, bias: bias, mean: mean, variance: variance)))
        #expect(m == mean && s == variance)
    }

    /// PyTorch updates the running statistics in training mode even when no graph is built (constant
    /// inputs here: `Autograd.noGrad` is process-wide and would disturb tests running in parallel).
    @Test func runningStatsUpdateWithoutGraph() throws {
        var rm = Tensor([0]), rv = Tensor([1])
        let x = Tensor(unchecked: [4, 1], scalars: [1, 2, 3, 4])
        let y = try Variable.batchNorm(Variable(x), scale: Variable(Tensor([1])), bias: Variable(Tensor([0])),
                                       runningMean: &rm, runningVar: &rv, momentum: 0.5, training: true)
        #expect(y.isLeaf)
        // mean 2.5, unbiased variance 5/3
        #expect(abs(rm.scalars[0] - 1.25) <= 1e-6)
        #expect(abs(rv.scalars[0] - (0.5 + 0.5 * 5 / 3)) <= 1e-6)
    }

    @Test func batchNormErrors() {
        var rm = Tensor([0, 0, 0]), rv = Tensor([1, 1, 1])
        let one = Tensor([1, 1, 1])
        let single = Variable(Tensor(unchecked: [1, 3, 1, 1], scalars: [1, 2, 3]), requiresGrad: true)
        expectOpError("batchnorm", "expected more than 1 value per channel when training", "1×3×1×1") {
            try Variable.batchNorm(single, scale: Variable(one), bias: Variable(one), runningMean: &rm, runningVar: &rv, training: true)
        }
        // One value per channel is fine for inference.
        #expect(throws: Never.self) {
            try Variable.batchNorm(single, scale: Variable(one), bias: Variable(one), runningMean: &rm, runningVar: &rv, training: false)
        }
        let x = Variable(Tensor(unchecked: [2, 2], scalars: [1, 2, 3, 4]))
        expectOpError("batchnorm", "scale has 3 values", "2 channels") {
            try Variable.batchNorm(x, scale: Variable(one), bias: Variable(Tensor([0, 0])), runningMean: &rm, runningVar: &rv, training: true)
        }
        var rm2 = Tensor([0, 0])
        expectOpError("batchnorm", "running variance has 3 values") {
            try Variable.batchNorm(x, scale: Variable(Tensor([1, 1])), bias: Variable(Tensor([0, 0])),
                                   runningMean: &rm2, runningVar: &rv, training: true)
        }
        expectOpError("batchnorm", "rank ≥ 2") {
            try Variable.batchNorm(Variable(one), scale: Variable(one), bias: Variable(one), runningMean: &rm, runningVar: &rv, training: true)
        }
    }

    @Test func linearGradients() throws {
        var rng = TestRNG(61)
        for (xShape, out) in [([4, 3], 5), ([2, 3, 4], 2), ([6], 3)] {
            let inF = xShape.last ?? 1
            let x = rng.tensor(xShape), w = rng.tensor([out, inF]), b = rng.tensor([out])
            try seededGradCheck([x, w, b], maxChecks: 24, "\(xShape)") { v in try Variable.linear(v[0], v[1], bias: v[2]) }
            try seededGradCheck([x, w], maxChecks: 24, "\(xShape)") { v in try Variable.linear(v[0], v[1]) }
            // Plain loops: dX = dY·W, dW = Σ dYᵀ·X over the leading positions, dB = Σ dY.
            let rows = x.count / inF
            let gy = rng.tensor(Array(xShape.dropLast()) + [out])
            let (_, g) = try gradients([x, w, b], gy: gy) { v in try Variable.linear(v[0], v[1], bias: v[2]) }
            var dx = [Float](repeating: 0, count: x.count), dw = [Float](repeating: 0, count: w.count)
            var db = [Float](repeating: 0, count: out)
            for r in 0..<rows {
                for o in 0..<out {
                    let gv = gy.scalars[r * out + o]
                    db[o] += gv
                    for i in 0..<inF {
                        dx[r * inF + i] += gv * w.scalars[o * inF + i]
                        dw[o * inF + i] += gv * x.scalars[r * inF + i]
                    }
                }
            }
            expectClose(g[0], Tensor(unchecked: x.shape, scalars: dx), rtol: 1e-5, atol: 1e-6)
            expectClose(g[1], Tensor(unchecked: w.shape, scalars: dw), rtol: 1e-5, atol: 1e-6)
            expectClose(g[2], Tensor(db), rtol: 1e-5, atol: 1e-6)
        }
        expectOpError("linear", "needs 3 input features") {
            try Variable.linear(Variable(Tensor([1, 2]), requiresGrad: true), Variable(Tensor(unchecked: [2, 3], scalars: [0, 0, 0, 0, 0, 0])))
        }
    }
}
