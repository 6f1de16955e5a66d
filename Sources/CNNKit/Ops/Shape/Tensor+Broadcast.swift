// NumPy broadcasting: shapes are aligned at their last axis; two sizes are compatible when equal or when
// one of them is 1 (that operand is repeated along the axis); a missing leading axis counts as size 1.

extension Shape {
    /// The broadcast shape of `a` and `b` (NumPy rules), or an error naming `op`, both shapes and the
    /// first axis (numbered in the result) that does not fit:
    /// `+: shapes 2×3 and 4×3 cannot broadcast (axis 0: 2 vs 4)`.
    public static func broadcast(_ a: [Int], _ b: [Int], op: String) throws -> [Int] {
        if a == b { return a }
        let rank = Swift.max(a.count, b.count)
        var out = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i - (rank - a.count) >= 0 ? a[i - (rank - a.count)] : 1
            let db = i - (rank - b.count) >= 0 ? b[i - (rank - b.count)] : 1
            if da == db || db == 1 {
                out[i] = da
            } else if da == 1 {
                out[i] = db
            } else {
                throw OpError(op, "shapes \(describe(a)) and \(describe(b)) cannot broadcast (axis \(i): \(da) vs \(db))")
            }
        }
        return out
    }

    /// Element strides of a contiguous tensor of `shape` read as a tensor of `out` (right-aligned):
    /// 0 on axes that are missing or broadcast from size 1. `out` must be a broadcast of `shape`.
    static func broadcastStrides(_ shape: [Int], to out: [Int]) -> [Int] {
        let own = strides(shape)
        let lead = out.count - shape.count
        var result = [Int](repeating: 0, count: out.count)
        for i in 0..<shape.count where shape[i] != 1 || out[i + lead] == 1 {
            result[i + lead] = own[i]
        }
        return result
    }
}

/// How to walk a broadcast of several operands: the output's axes with size-1 axes dropped and
/// neighbours merged wherever every operand steps through them contiguously, so the innermost loop is
/// as long as possible. `strides[k]` are operand k's strides on the merged axes (0 where it repeats).
struct BroadcastWalk {
    var dims: [Int]
    var strides: [[Int]]

    init(out: [Int], operands: [[Int]]) {
        let full = operands.map { Shape.broadcastStrides($0, to: out) }
        var dims: [Int] = []
        var merged = [[Int]](repeating: [], count: operands.count)
        for axis in 0..<out.count where out[axis] != 1 {
            let size = out[axis]
            let last = dims.count - 1
            var canMerge = last >= 0
            if canMerge {
                for k in 0..<full.count where merged[k][last] != full[k][axis] * size { canMerge = false }
            }
            if canMerge {
                dims[last] *= size
                for k in 0..<full.count { merged[k][last] = full[k][axis] }
            } else {
                dims.append(size)
                for k in 0..<full.count { merged[k].append(full[k][axis]) }
            }
        }
        if dims.isEmpty {
            dims = [1]
            merged = merged.map { _ in [0] }
        }
        self.dims = dims
        self.strides = merged
    }

    /// Length of the innermost merged axis.
    var inner: Int { dims[dims.count - 1] }
    /// Number of innermost rows.
    var rows: Int { dims.dropLast().reduce(1, *) }

    /// Operand `k`'s offset at the start of innermost row `row`.
    @inline(__always)
    func offset(row: Int, operand k: Int) -> Int {
        var r = row, off = 0
        var axis = dims.count - 2
        while axis >= 0 {
            let d = dims[axis]
            off += (r % d) * strides[k][axis]
            r /= d
            axis -= 1
        }
        return off
    }
}

extension Tensor {
    /// This tensor repeated along broadcast axes to `shape` (NumPy `broadcast_to`, materialised).
    public func broadcasted(to shape: [Int]) throws -> Tensor {
        let out = try Shape.broadcast(self.shape, shape, op: "broadcast")
        guard out == shape else {
            throw OpError("broadcast", "cannot broadcast shape \(Shape.describe(self.shape)) to \(Shape.describe(shape))")
        }
        if out == self.shape { return self }
        let n = try Shape.elementCount(out, op: "broadcast")
        let walk = BroadcastWalk(out: out, operands: [self.shape])
        let inner = walk.inner, step = walk.strides[0][walk.dims.count - 1]
        let values = [Float](unsafeUninitializedCapacity: n) { buf, initialized in
            scalars.withUnsafeBufferPointer { src in
                guard let s = src.baseAddress, let o = buf.baseAddress else { return }
                for row in 0..<(n == 0 ? 0 : walk.rows) {
                    let base = walk.offset(row: row, operand: 0)
                    let dst = o + row * inner
                    for j in 0..<inner { dst[j] = s[base + j * step] }
                }
            }
            initialized = n
        }
        return Tensor(unchecked: out, scalars: values)
    }
}
