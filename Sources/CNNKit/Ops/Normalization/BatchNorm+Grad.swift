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

/// The channels of an N×C×inner tensor (inner = the product of the axes after C), and the per-channel
/// passes of batch norm: every channel is one task over its N planes of `inner` contiguous values.
struct ChannelPlanes {
    let n: Int, c: Int, inner: Int
    var valuesPerChannel: Int { n * inner }

    /// Runs `body(ch)` for every channel, in parallel when the work is large enough.
    func forEachChannel(_ body: (Int) -> Void) {
        parallelFor(c, minChunk: Swift.max(1, 32_768 / Swift.max(1, n * inner))) { ch in body(ch) }
    }

    /// Σ x and Σ (x − mean)² per channel (two passes, the second on centred values for accuracy).
    func meanAndBiasedVariance(_ x: UnsafePointer<Float>) -> (mean: [Double], variance: [Double]) {
        var mean = [Double](repeating: 0, count: c), variance = [Double](repeating: 0, count: c)
        let m = Double(valuesPerChannel)
        mean.withUnsafeMutableBufferPointer { mb in
            variance.withUnsafeMutableBufferPointer { vb in
                guard let mp = mb.baseAddress, let vp = vb.baseAddress else { return }
                forEachChannel { ch in
                    var sum = 0.0
                    for image in 0..<n {
                        let p = x + (image * c + ch) * inner
                        for i in 0..<inner { sum += Double(p[i]) }
                    }
                    let mu = sum / m
                    var squares = 0.0
                    for image in 0..<n {
                        let p = x + (image * c + ch) * inner
                        for i in 0..<inner {
                            let d = Double(p[i]) - mu
                            squares += d * d
                        }
                    }
                    mp[ch] = mu
                    vp[ch] = squares / m
                }
            }
        }
        return (mean, variance)
    }

    /// `out = x·a[ch] + b[ch]` for every element.
    func affine(_ x: UnsafePointer<Float>, a: [Float], b: [Float]) -> [Float] {
        let count = n * c * inner
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            if let out = buffer.baseAddress {
                forEachChannel { ch in
                    let ak = a[ch], bk = b[ch]
                    for image in 0..<n {
                        let offset = (image * c + ch) * inner
                        let src = x + offset, dst = out + offset
                        for i in 0..<inner { dst[i] = src[i] * ak + bk }
                    }
                }
            }
            initialized = count
        }
    }

    /// Per channel, Σ g and Σ g·(x − shift)·scale: the bias and scale gradients when x̂ = (x − shift)·scale.
    func gradientSums(_ gradient: [Float], _ input: [Float], shift: [Double], scale: [Double])
        -> (sumG: [Double], sumGXhat: [Double]) {
        var sumG = [Double](repeating: 0, count: c), sumGX = [Double](repeating: 0, count: c)
        gradient.withUnsafeBufferPointer { gbuf in
            input.withUnsafeBufferPointer { xbuf in
                sumG.withUnsafeMutableBufferPointer { gb in
                    sumGX.withUnsafeMutableBufferPointer { xb in
                        guard let gp = gb.baseAddress, let xp = xb.baseAddress,
                              let g = gbuf.baseAddress, let x = xbuf.baseAddress else { return }
                        forEachChannel { ch in
                            let mu = shift[ch]
                            var sg = 0.0, sgx = 0.0
                            for image in 0..<n {
                                let offset = (image * c + ch) * inner
                                let gs = g + offset, xs = x + offset
                                for i in 0..<inner {
                                    let gv = Double(gs[i])
                                    sg += gv
                                    sgx += gv * (Double(xs[i]) - mu)
                                }
                            }
                            gp[ch] = sg
                            xp[ch] = sgx * scale[ch]
                        }
                    }
                }
            }
        }
        return (sumG, sumGX)
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
        // Inference without a graph is the plain op, its checks and messages included.
        if !training && !Autograd.needsGraph([x, scale, bias]) {
            return Variable(try Tensor.batchNorm(xv, scale: scale.value, bias: bias.value, mean: runningMean,
                                                 variance: runningVar, eps: eps))
        }
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
        let planes = ChannelPlanes(n: n, c: c, inner: inner)
        let m = planes.valuesPerChannel
        guard m > 1 else {
            throw OpError(op, "expected more than 1 value per channel when training, got input size \(Shape.describe(xv.shape))")
        }
        let xs = xv.scalars
        let (mean, variance) = xs.withUnsafeBufferPointer { xb in
            xb.baseAddress.map(planes.meanAndBiasedVariance) ?? ([Double](repeating: 0, count: c), [Double](repeating: 0, count: c))
        }
        let invStd = variance.map { 1 / ($0 + Double(eps)).squareRoot() }

        let mom = Double(momentum), unbias = Double(m) / Double(m - 1)
        for ch in 0..<c {
            runningMean.scalars[ch] = Float((1 - mom) * Double(runningMean.scalars[ch]) + mom * mean[ch])
            runningVar.scalars[ch] = Float((1 - mom) * Double(runningVar.scalars[ch]) + mom * variance[ch] * unbias)
        }

        // y = γ·(x − μ)/σ + β folded into one multiply-add per element.
        let gamma = scale.value.scalars, beta = bias.value.scalars
        let a = (0..<c).map { Float(Double(gamma[$0]) * invStd[$0]) }
        let b = (0..<c).map { Float(Double(beta[$0]) - mean[$0] * Double(gamma[$0]) * invStd[$0]) }
        let y = xs.withUnsafeBufferPointer { xb in xb.baseAddress.map { planes.affine($0, a: a, b: b) } ?? [] }
        let needX = x.requiresGrad, needScale = scale.requiresGrad, needBias = bias.requiresGrad
        let scaleShape = scale.shape, biasShape = bias.shape
        return Autograd.record(Tensor(unchecked: xv.shape, scalars: y), parents: [x, scale, bias]) { gy in
            // x̂ is recomputed from x (kept by the graph anyway) rather than stored beside it.
            let (sumG, sumGX) = planes.gradientSums(gy.scalars, xs, shift: mean, scale: invStd)
            var dx: Tensor?
            if needX {
                // dx = γ/σ·(g − mean(g) − x̂·mean(g·x̂)), per element g·a' + x·b' + c' with per-channel a', b', c'.
                var ga = [Float](repeating: 0, count: c), xa = [Float](repeating: 0, count: c), cst = [Float](repeating: 0, count: c)
                for ch in 0..<c {
                    let k = Double(gamma[ch]) * invStd[ch]
                    let meanG = sumG[ch] / Double(m), meanGX = sumGX[ch] / Double(m)
                    let slope = -k * meanGX * invStd[ch]     // coefficient of x (through x̂ = (x − μ)/σ)
                    ga[ch] = Float(k)
                    xa[ch] = Float(slope)
                    cst[ch] = Float(-k * meanG - slope * mean[ch])
                }
                let count = xs.count
                let values = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                    gy.scalars.withUnsafeBufferPointer { gb in
                        xs.withUnsafeBufferPointer { xb in
                            guard let out = buffer.baseAddress, let g = gb.baseAddress, let xp = xb.baseAddress else { return }
                            planes.forEachChannel { ch in
                                let (p, q, r) = (ga[ch], xa[ch], cst[ch])
                                for image in 0..<n {
                                    let offset = (image * c + ch) * inner
                                    for i in 0..<inner { out[offset + i] = g[offset + i] * p + xp[offset + i] * q + r }
                                }
                            }
                        }
                    }
                    initialized = count
                }
                dx = Tensor(unchecked: xv.shape, scalars: values)
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
        let planes = ChannelPlanes(n: n, c: c, inner: xv.count == 0 ? 0 : xv.count / Swift.max(1, n * c))
        let invStd = variance.scalars.map { 1 / (Double($0) + Double(eps)).squareRoot() }
        let mu = mean.scalars.map(Double.init), gamma = scale.value.scalars
        let a = (0..<c).map { Float(Double(gamma[$0]) * invStd[$0]) }
        let needX = x.requiresGrad, needScale = scale.requiresGrad, needBias = bias.requiresGrad
        let scaleShape = scale.shape, biasShape = bias.shape
        return Autograd.record(y, parents: [x, scale, bias]) { gy in
            let (sumG, sumGX) = planes.gradientSums(gy.scalars, xv.scalars, shift: mu, scale: invStd)
            let dx = needX ? gy.scalars.withUnsafeBufferPointer { gb in
                gb.baseAddress.map { planes.affine($0, a: a, b: [Float](repeating: 0, count: c)) } ?? []
            } : []
            return [needX ? Tensor(unchecked: xv.shape, scalars: dx) : nil,
                    needScale ? Tensor(unchecked: scaleShape, scalars: sumGX.map { Float($0) }) : nil,
                    needBias ? Tensor(unchecked: biasShape, scalars: sumG.map { Float($0) }) : nil]
        }
    }
}
