// x: …×in, w: out×in, bias: out → …×out

extension Tensor {
    /// A fully connected layer: `y = x · wᵀ + bias` over the last axis of `x`.
    ///
    /// - Parameters:
    ///   - x: …×in, any rank ≥ 1; every leading axis is kept.
    ///   - w: out×in, PyTorch's `nn.Linear` layout (ONNX `Gemm` with `transB = 1`).
    ///   - bias: `out` values, or nil.
    /// - Returns: …×out.
    /// - Throws: `OpError("linear", …)` naming the shapes when they do not fit.
    public static func linear(_ x: Tensor, _ w: Tensor, bias: Tensor? = nil) throws -> Tensor {
        let xs = Shape.describe(x.shape), ws = Shape.describe(w.shape)
        guard x.rank >= 1 else { throw OpError("linear", "input must have at least one axis (…×in), got shape \(xs)") }
        guard w.rank == 2 else { throw OpError("linear", "weight must be out×in, got shape \(ws)") }
        let inFeatures = x.shape[x.rank - 1], outFeatures = w.shape[0]
        guard w.shape[1] == inFeatures else {
            throw OpError("linear", "weight \(ws) needs \(w.shape[1]) input features, input \(xs) has \(inFeatures)")
        }
        if let bias {
            guard bias.rank == 1, bias.shape[0] == outFeatures else {
                throw OpError("linear", "bias must hold \(outFeatures) values (one per output of weight \(ws)), got shape \(Shape.describe(bias.shape))")
            }
        }
        var shape = x.shape
        shape[shape.count - 1] = outFeatures
        let total = try Shape.elementCount(shape, op: "linear")
        let rows = inFeatures == 0 ? 0 : x.count / inFeatures
        let kernels = Kernels.active
        let y = [Float](unsafeUninitializedCapacity: total) { buffer, initialized in
            initialized = total
            guard let yp = buffer.baseAddress, total > 0 else { return }
            guard inFeatures > 0 else {
                // Nothing to sum over: only the bias remains.
                for i in 0..<total { yp[i] = bias?.scalars[i % outFeatures] ?? 0 }
                return
            }
            if let bias {
                for r in 0..<rows { (yp + r * outFeatures).update(from: bias.scalars, count: outFeatures) }
            }
            x.scalars.withUnsafeBufferPointer { xb in
                w.scalars.withUnsafeBufferPointer { wb in
                    guard let xp = xb.baseAddress, let wp = wb.baseAddress else { return }
                    sgemm(transB: true, m: rows, n: outFeatures, k: inFeatures, a: xp, b: wp,
                          beta: bias == nil ? 0 : 1, c: yp, kernels: kernels)
                }
            }
        }
        return Tensor(unchecked: shape, scalars: y)
    }
}
