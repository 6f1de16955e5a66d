import Foundation

// Gradients of softmax and log-softmax (Softmax.swift). x: d0×…×dk×…×dn → same shape, along axis k.
// With y = softmax(x): ∂x = y·(∂y − Σ ∂y·y); with y = log_softmax(x): ∂x = ∂y − exp(y)·Σ ∂y.
// Both read only the saved output, one row (a lane along the axis) at a time.

extension Tensor {
    /// The gradient of `softmax` (or `logSoftmax` when `log`) along `axis` given its output `y` and the
    /// gradient `g` of that output (same shape). `axis` has been validated by the forward pass.
    static func softmaxBackward(_ g: Tensor, _ y: Tensor, axis: Int, log: Bool) -> Tensor {
        if y.count == 0 { return g }
        let dims = y.rank == 0 ? [1] : y.shape
        let a = axis < 0 ? axis + dims.count : axis
        let len = dims[a]
        let inner = dims[(a + 1)...].reduce(1, *)
        let outer = dims[..<a].reduce(1, *)
        var out = g.scalars
        out.withUnsafeMutableBufferPointer { buf in
            y.scalars.withUnsafeBufferPointer { ybuf in
                guard let base = buf.baseAddress, let ys = ybuf.baseAddress else { return }
                parallelFor(outer * inner, minChunk: Swift.max(1, 4096 / Swift.max(1, len))) { row in
                    let start = (row / inner) * len * inner + row % inner
                    let p = base + start, q = ys + start
                    var dot: Float = 0
                    if log {
                        for i in 0..<len { dot += p[i * inner] }
                        for i in 0..<len { p[i * inner] -= Foundation.exp(q[i * inner]) * dot }
                    } else {
                        for i in 0..<len { dot += p[i * inner] * q[i * inner] }
                        for i in 0..<len { p[i * inner] = q[i * inner] * (p[i * inner] - dot) }
                    }
                }
            }
        }
        return Tensor(unchecked: g.shape, scalars: out)
    }
}

extension Variable {
    /// Differentiable softmax along `axis` (negative counts from the end).
    public func softmax(axis: Int = -1) throws -> Variable {
        let y = try value.softmax(axis: axis)
        guard Autograd.needsGraph(self) else { return Variable(y) }
        return Autograd.record(y, parents: [self]) { g in [Tensor.softmaxBackward(g, y, axis: axis, log: false)] }
    }

    /// Differentiable log-softmax along `axis`. For a classification loss prefer `Loss.crossEntropy`,
    /// which fuses this with the NLL and never forms the log-probabilities' gradient.
    public func logSoftmax(axis: Int = -1) throws -> Variable {
        let y = try value.logSoftmax(axis: axis)
        guard Autograd.needsGraph(self) else { return Variable(y) }
        return Autograd.record(y, parents: [self]) { g in [Tensor.softmaxBackward(g, y, axis: axis, log: true)] }
    }
}
