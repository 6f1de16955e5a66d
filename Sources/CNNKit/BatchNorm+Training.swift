// x: N×C×… (rank ≥ 2), scale, bias, runningMean, runningVar: C values → N×C×…
//
// Batch normalisation as a differentiable op. Training mode (PyTorch's `batch_norm(training=True)`):
//   μ_c = mean of x[:, c, …], σ²_c = biased variance,  x̂ = (x − μ) / √(σ² + eps),  y = γ·x̂ + β
//   running_mean ← (1 − momentum)·running_mean + momentum·μ
//   running_var  ← (1 − momentum)·running_var  + momentum·σ²·m/(m − 1)   (unbiased; m = N·H·W)
// and the gradients, with g = dY and sums over the m values of channel c:
//   dβ = Σ g,  dγ = Σ g·x̂,  dx = γ/√(σ² + eps) · (g − mean(g) − x̂·mean(g·x̂))
// Inference mode is `Tensor.batchNorm` with the running statistics, a per-channel affine map:
//   dx = g·γ/√(var + eps),  dγ = Σ g·(x − mean)/√(var + eps),  dβ = Σ g.
// Momentum follows PyTorch (0.1 = mostly the old value); ONNX and Keras write the same as 0.9.

/// Per-channel sums over the N·inner values of channel c of an N×C×inner tensor, in Double.
/// `term(plane, i)` gives the value at offset i of plane `n·C + c`.
private func channelSums(n: Int, c: Int, inner: Int, _ term: (Int, Int) -> Double) -> [Double] {
    var sums = [Double](repeating: 0, count: c)
    sums.withUnsafeMutableBufferPointer { buf in
        guard let s = buf.baseAddress else { return }
        parallelFor(c, minChunk: Swift.max(1, 16_384 / Swift.max(1, n * inner))) { ch in
            var total = 0.0
            for image in 0..<n {
                let plane = image * c + ch
                for i in 0..<inner { total += term(plane, i) }
            }
            s[ch] = total
        }
    }
    return sums
}

/// Writes `f(plane, i)` for every element of an N×C×inner tensor, planes in parallel.
private func mapPlanes(count: Int, inner: Int, _ f: (Int, Int) -> Float) -> [Float] {
    [Float](unsafeUninitializedCapacity: count) { buf, initialized in
        if let d = buf.baseAddress, inner > 0 {
            parallelFor(count / inner, minChunk: Swift.max(1, 4096 / inner)) { plane in
                let row = d + plane * inner
                for i in 0..<inner { row[i] = f(plane, i) }
            }
        }
        initialized = count
    }
}

extension Variable {
    /// Training mode normalises with the batch's statistics (biased variance) and updates the running
    /// statistics with PyTorch's convention `running = (1 - momentum)·running + momentum·batch` (unbiased
    /// variance there); inference mode uses the running statistics. Over axis 1 of an N×C(×H×W) input.
    ///
    /// - Parameters:
    ///   - x: N×C×…, rank ≥ 2.
    ///   - scale, bias: γ and β, C values each (any shape holding C values); gradients in their shapes.
    ///   - runningMean, runningVar: C values each, updated in place in training mode (also under
    ///     `Autograd.noGrad`, as PyTorch does), read in inference mode.
    ///   - momentum: weight of the batch statistic in the update, finite.
    ///   - eps: added to the variance, finite and ≥ 0.
    /// - Throws: `OpError("batchnorm", …)` when a parameter does not hold C values, or a training batch
    ///   has only one value per channel (its variance is undefined), as PyTorch does.
    public static func batchNorm(_ x: Variable, scale: Variable, bias: Variable,
                                 runningMean: inout Tensor, runningVar: inout Tensor,
                                 momentum: Float = 0.1, eps: Float = 1e-5, training: Bool) throws -> Variable {
        let op = "batchnorm"
        let xv = x.value
        guard xv.rank >= 2 else {
            throw OpError(op, "expects an input of rank ≥ 2 (N×C×…), got \(Shape.describe(xv.shape))")
        }
        let c = xv.shape[1]
        for (name, t) in [("scale", scale.value), ("bias", bias.value), ("running mean", runningMean), ("running variance", runningVar)] {
            guard t.count == c else {
                throw OpError(op, "\(name) has \(t.count) values (shape \(Shape.describe(t.shape))) but the input \(Shape.describe(xv.shape)) has \(c) channels")
            }
        }
        guard eps >= 0, eps.isFinite else { throw OpError(op, "eps must be finite and ≥ 0, got \(eps)") }
        guard momentum.isFinite else { throw OpError(op, "momentum must be finite, got \(momentum)") }
        guard training else {
            return try inference(x, scale: scale, bias: bias, mean: runningMean, variance: runningVar, eps: eps)
        }

        let n = xv.shape[0], inner = xv.count == 0 ? 0 : xv.count / Swift.max(1, n * c)
        let m = n * inner
        guard m > 1 else {
            throw OpError(op, "expected more than 1 value per channel when training, got input size \(Shape.describe(xv.shape))")
        }
        let xs = xv.scalars
        let mean = channelSums(n: n, c: c, inner: inner) { p, i in Double(xs[p * inner + i]) }.map { $0 / Double(m) }
        let variance = channelSums(n: n, c: c, inner: inner) { p, i in
            let d = Double(xs[p * inner + i]) - mean[p % c]
            return d * d
        }.map { $0 / Double(m) }
        let invStd = variance.map { 1 / ($0 + Double(eps)).squareRoot() }

        let mom = Double(momentum), unbias = Double(m) / Double(m - 1)
        for ch in 0..<c {
            runningMean.scalars[ch] = Float((1 - mom) * Double(runningMean.scalars[ch]) + mom * mean[ch])
            runningVar.scalars[ch] = Float((1 - mom) * Double(runningVar.scalars[ch]) + mom * variance[ch] * unbias)
        }

        let gamma = scale.value.scalars, beta = bias.value.scalars
        let xhat = mapPlanes(count: xs.count, inner: inner) { p, i in
            Float((Double(xs[p * inner + i]) - mean[p % c]) * invStd[p % c])
        }
        let y = mapPlanes(count: xs.count, inner: inner) { p, i in gamma[p % c] * xhat[p * inner + i] + beta[p % c] }
        let needX = x.requiresGrad, needScale = scale.requiresGrad, needBias = bias.requiresGrad
        let scaleShape = scale.shape, biasShape = bias.shape
        return Autograd.record(Tensor(unchecked: xv.shape, scalars: y), parents: [x, scale, bias]) { gy in
            let g = gy.scalars
            let sumG = channelSums(n: n, c: c, inner: inner) { p, i in Double(g[p * inner + i]) }
            let sumGX = channelSums(n: n, c: c, inner: inner) { p, i in Double(g[p * inner + i]) * Double(xhat[p * inner + i]) }
            var dx: Tensor?
            if needX {
                let meanG = sumG.map { $0 / Double(m) }, meanGX = sumGX.map { $0 / Double(m) }
                dx = Tensor(unchecked: xv.shape, scalars: mapPlanes(count: g.count, inner: inner) { p, i in
                    let ch = p % c, k = p * inner + i
                    let centred = Double(g[k]) - meanG[ch] - Double(xhat[k]) * meanGX[ch]
                    return Float(Double(gamma[ch]) * invStd[ch] * centred)
                })
            }
            return [dx,
                    needScale ? Tensor(unchecked: scaleShape, scalars: sumGX.map { Float($0) }) : nil,
                    needBias ? Tensor(unchecked: biasShape, scalars: sumG.map { Float($0) }) : nil]
        }
    }

    /// Inference mode: the forward `Tensor.batchNorm` with the given statistics; gradients for x, scale
    /// and bias (the statistics are constants).
    private static func inference(_ x: Variable, scale: Variable, bias: Variable, mean: Tensor, variance: Tensor,
                                  eps: Float) throws -> Variable {
        let xv = x.value
        let y = try Tensor.batchNorm(xv, scale: scale.value, bias: bias.value, mean: mean, variance: variance, eps: eps)
        let c = xv.shape[1], n = xv.shape[0]
        let inner = xv.count == 0 ? 0 : xv.count / Swift.max(1, n * c)
        let invStd = variance.scalars.map { 1 / (Double($0) + Double(eps)).squareRoot() }
        let mu = mean.scalars.map(Double.init), gamma = scale.value.scalars
        let needX = x.requiresGrad, needScale = scale.requiresGrad, needBias = bias.requiresGrad
        let scaleShape = scale.shape, biasShape = bias.shape
        return Autograd.record(y, parents: [x, scale, bias]) { gy in
            let g = gy.scalars, xs = xv.scalars
            var dx: Tensor?
            if needX {
                dx = Tensor(unchecked: xv.shape, scalars: mapPlanes(count: g.count, inner: inner) { p, i in
                    let ch = p % c
                    return Float(Double(g[p * inner + i]) * Double(gamma[ch]) * invStd[ch])
                })
            }
            let dScale = needScale ? channelSums(n: n, c: c, inner: inner) { p, i in
                Double(g[p * inner + i]) * (Double(xs[p * inner + i]) - mu[p % c]) * invStd[p % c]
            } : []
            let dBias = needBias ? channelSums(n: n, c: c, inner: inner) { p, i in Double(g[p * inner + i]) } : []
            return [dx,
                    needScale ? Tensor(unchecked: scaleShape, scalars: dScale.map { Float($0) }) : nil,
                    needBias ? Tensor(unchecked: biasShape, scalars: dBias.map { Float($0) }) : nil]
        }
    }
}
