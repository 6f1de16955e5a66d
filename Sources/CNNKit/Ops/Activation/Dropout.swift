// x: any shape → same shape

extension Tensor {
    /// Inverted dropout, as PyTorch's `dropout`: identity unless `training`; in training each element is
    /// zeroed with probability `p` and the survivors are scaled by 1/(1−p), so the expected value is
    /// unchanged and inference needs no rescaling. `p` = 1 zeroes everything. Draws one
    /// `rng.nextFloat()` per element in row-major order, so a seed reproduces the mask.
    public func dropout(p: Float, training: Bool, using rng: inout RandomSource) throws -> Tensor {
        guard p >= 0, p <= 1 else { throw OpError("dropout", "p must be in [0, 1], got \(p)") }
        guard training, p > 0 else { return self }
        if p == 1 { return Tensor(unchecked: shape, scalars: [Float](repeating: 0, count: count)) }
        let scale = 1 / (1 - p)
        var out = scalars
        for i in 0..<out.count {
            // Keep with probability 1 − p: nextFloat() is uniform in [0, 1).
            out[i] = rng.nextFloat() >= p ? out[i] * scale : 0
        }
        return Tensor(unchecked: shape, scalars: out)
    }
}
