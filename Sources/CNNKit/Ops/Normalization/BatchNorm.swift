import Foundation

// x: N×C×… (rank ≥ 2), scale, bias, mean, variance: C → N×C×…

extension Tensor {
    /// Inference-form batch normalisation over axis 1:
    /// `y = (x − mean[c]) / sqrt(variance[c] + eps) · scale[c] + bias[c]`, as ONNX
    /// BatchNormalization and PyTorch's `batch_norm(training=False)` with running statistics.
    ///
    /// Each parameter holds C values (any shape with C elements, e.g. `C` or `C×1×1`).
    /// Folded into one multiply-add per element: `a = scale / sqrt(var + eps)`, `b = bias − mean·a`.
    public static func batchNorm(_ x: Tensor, scale: Tensor, bias: Tensor, mean: Tensor, variance: Tensor,
                                 eps: Float = 1e-5) throws -> Tensor {
        let op = "batchnorm"
        guard x.rank >= 2 else {
            throw OpError(op, "expects an input of rank ≥ 2 (N×C×…), got \(Shape.describe(x.shape))")
        }
        let c = x.shape[1]
        for (name, t) in [("scale", scale), ("bias", bias), ("mean", mean), ("variance", variance)] {
            guard t.count == c else {
                throw OpError(op, "\(name) has \(t.count) values (shape \(Shape.describe(t.shape))) but the input \(Shape.describe(x.shape)) has \(c) channels")
            }
        }
        guard eps >= 0, eps.isFinite else { throw OpError(op, "eps must be finite and ≥ 0, got \(eps)") }
        var a = [Float](repeating: 0, count: c), b = [Float](repeating: 0, count: c)
        for k in 0..<c {
            let v = variance.scalars[k]
            guard v >= 0 else { throw OpError(op, "variance[\(k)] is \(v); variances must be ≥ 0") }
            a[k] = scale.scalars[k] / (v + eps).squareRoot()
            b[k] = bias.scalars[k] - mean.scalars[k] * a[k]
        }
        if x.count == 0 { return x }  // nothing to scale; the spatial product may overflow beside a 0
        let inner = x.shape[2...].reduce(1, *)
        let n = x.shape[0]
        var out = x.scalars
        out.withUnsafeMutableBufferPointer { buf in
            guard let base = buf.baseAddress else { return }
            parallelFor(n * c, minChunk: 8) { plane in
                let k = plane % c
                let ak = a[k], bk = b[k]
                let p = base + plane * inner
                for i in 0..<inner { p[i] = p[i] * ak + bk }
            }
        }
        return Tensor(unchecked: x.shape, scalars: out)
    }
}
