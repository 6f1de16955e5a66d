import Foundation

// x: d0×…×dk×…×dn → same shape, normalised along axis k

extension Tensor {
    /// exp(x − max) / Σ exp(x − max) along `axis` (negative counts from the end), as PyTorch's
    /// `softmax(dim:)` and ONNX Softmax-13. Subtracting the row maximum keeps it finite for any input.
    public func softmax(axis: Int = -1) throws -> Tensor {
        try softmaxAlong(axis: axis, op: "softmax", log: false)
    }

    /// x − max − log Σ exp(x − max) along `axis`: the stable form of log(softmax(x)).
    public func logSoftmax(axis: Int = -1) throws -> Tensor {
        try softmaxAlong(axis: axis, op: "log_softmax", log: true)
    }

    private func softmaxAlong(axis: Int, op: String, log: Bool) throws -> Tensor {
        // A rank-0 tensor is one row of one element; axis 0 and -1 both name it, as in PyTorch.
        let a = rank == 0 && axis == -1 ? 0 : try Shape.normalizeAxis(axis, rank: rank, op: op)
        // An empty tensor has nothing to normalise (and its other axes' product may overflow).
        if count == 0 { return self }
        let dims = rank == 0 ? [1] : shape
        let len = dims[a]
        let inner = dims[(a + 1)...].reduce(1, *)
        let outer = dims[..<a].reduce(1, *)
        var out = scalars
        out.withUnsafeMutableBufferPointer { buf in
            guard let base = buf.baseAddress else { return }
            parallelFor(outer * inner, minChunk: 64) { row in
                let p = base + (row / inner) * len * inner + row % inner
                var m = -Float.infinity
                // A NaN never wins `max`, but it reaches the sum below and makes the whole row NaN, as in PyTorch.
                for i in 0..<len { m = Swift.max(m, p[i * inner]) }
                var sum: Float = 0
                if log {
                    for i in 0..<len { sum += Foundation.exp(p[i * inner] - m) }
                    let shift = m + Foundation.log(sum)
                    for i in 0..<len { p[i * inner] -= shift }
                } else {
                    for i in 0..<len {
                        let e = Foundation.exp(p[i * inner] - m)
                        p[i * inner] = e
                        sum += e
                    }
                    let r = 1 / sum
                    for i in 0..<len { p[i * inner] *= r }
                }
            }
        }
        return Tensor(unchecked: shape, scalars: out)
    }
}
