// Gradient of dropout (Dropout.swift). x: any shape → same shape. The mask drawn in the forward pass
// (0 or 1/(1−p) per element) is kept by the backward closure, which multiplies the gradient by it.

extension Variable {
    /// Inverted dropout (`Tensor.dropout`): identity unless `training`. In training the mask is drawn
    /// exactly as `Tensor.dropout` draws it (one `rng.nextFloat()` per element in row-major order), so
    /// the same seed gives the same mask for a tensor and a variable; the gradient uses that mask.
    public func dropout(p: Float, training: Bool, using rng: inout RandomSource) throws -> Variable {
        guard p >= 0, p <= 1 else { throw OpError("dropout", "p must be in [0, 1], got \(p)") }
        guard training, p > 0 else { return self }
        // Without a graph the mask need not be kept: the plain op draws the same numbers.
        guard Autograd.needsGraph(self) else { return Variable(try value.dropout(p: p, training: true, using: &rng)) }
        let x = value
        if p == 1 {
            let zeros = Tensor(unchecked: x.shape, scalars: [Float](repeating: 0, count: x.count))
            return Autograd.record(zeros, parents: [self]) { _ in [zeros] }
        }
        let scale = 1 / (1 - p)
        var mask = [Float](repeating: 0, count: x.count)
        for i in 0..<mask.count where rng.nextFloat() >= p { mask[i] = scale }
        let m = Tensor(unchecked: x.shape, scalars: mask)
        // A dropped element is 0 even when x is inf or NaN, as in Tensor.dropout.
        let y = x.zipScalars(m) { x, k in k == 0 ? 0 : x * k }
        return Autograd.record(y, parents: [self]) { g in [g.zipScalars(m) { g, k in k == 0 ? 0 : g * k }] }
    }
}
