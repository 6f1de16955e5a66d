// Axis permutation and the strided copy behind it, slicing and transposition.
// x: d0×…×d(r-1), axes p → d(p0)×…×d(p(r-1)).

extension Tensor {
    /// The axes in reverse order (NumPy's `.T`, ONNX Transpose without `perm`): a 2-D matrix is transposed,
    /// an N×C×H×W tensor becomes W×H×C×N. A copy, blocked for cache.
    public func transposed() -> Tensor {
        permuteCopy(Array((0..<rank).reversed()))
    }

    /// Reorders the axes: result axis i is input axis `axes[i]` (PyTorch `permute`, NumPy `transpose`
    /// with axes). Negative axes count from the end. Throws unless `axes` is a permutation of the axes.
    public func permute(_ axes: [Int]) throws -> Tensor {
        let notPermutation = OpError("permute", "\(axes) is not a permutation of the axes of a \(Shape.describe(shape)) tensor (rank \(rank))")
        guard axes.count == rank else { throw notPermutation }
        var seen = [Bool](repeating: false, count: rank)
        var normalized: [Int] = []
        for axis in axes {
            let a = axis < 0 ? axis + rank : axis
            guard a >= 0, a < rank, !seen[a] else { throw notPermutation }
            seen[a] = true
            normalized.append(a)
        }
        return permuteCopy(normalized)
    }

    /// Permuted copy; `axes` must already be a permutation of 0..<rank.
    func permuteCopy(_ axes: [Int]) -> Tensor {
        let own = strides
        let outShape = axes.map { shape[$0] }
        if axes == Array(0..<rank) { return self }
        let values = Tensor.gather(scalars, base: 0, shape: outShape, strides: axes.map { own[$0] })
        return Tensor(unchecked: outShape, scalars: values)
    }

    /// Copies the elements at `base + Σ index[k]·strides[k]` for every index of `shape`, in row-major
    /// order. Strides may be negative or zero; every address must lie inside `source` (callers check).
    ///
    /// Axes of size 1 are dropped and neighbours that are contiguous in the source merged. Then a
    /// unit-stride innermost axis is copied row by row; otherwise the last two axes are copied in
    /// 32×32 tiles, so both the reads and the writes stay in cache (a 2-D transpose, possibly batched).
    static func gather(_ source: [Float], base: Int, shape: [Int], strides: [Int]) -> [Float] {
        let n = shape.reduce(1, *)
        var dims: [Int] = [], steps: [Int] = []
        for k in 0..<shape.count where shape[k] != 1 {
            let last = dims.count - 1
            if last >= 0 && steps[last] == strides[k] * shape[k] {
                dims[last] *= shape[k]
                steps[last] = strides[k]
            } else {
                dims.append(shape[k])
                steps.append(strides[k])
            }
        }
        if dims.isEmpty { dims = [1]; steps = [1] }
        return [Float](unsafeUninitializedCapacity: n) { buf, initialized in
            initialized = n
            guard n > 0, let dst = buf.baseAddress else { return }
            source.withUnsafeBufferPointer { sb in
                guard let src = sb.baseAddress.map({ $0 + base }) else { return }
                let k = dims.count
                /// Source offset of the start of block `b` of the axes before `upTo`.
                func offset(_ b: Int, upTo: Int) -> Int {
                    var r = b, off = 0
                    var axis = upTo - 1
                    while axis >= 0 {
                        off += (r % dims[axis]) * steps[axis]
                        r /= dims[axis]
                        axis -= 1
                    }
                    return off
                }
                if steps[k - 1] == 1 || k == 1 {
                    let inner = dims[k - 1], step = steps[k - 1]
                    let rows = n / inner
                    forChunks(rows, chunk: Swift.max(1, elementwiseChunk / inner)) { lo, hi in
                        for row in lo..<hi {
                            let from = src + offset(row, upTo: k - 1)
                            let to = dst + row * inner
                            if step == 1 {
                                to.update(from: from, count: inner)
                            } else {
                                for j in 0..<inner { to[j] = from[j * step] }
                            }
                        }
                    }
                    return
                }
                let rowsDim = dims[k - 2], colsDim = dims[k - 1]
                let rowStep = steps[k - 2], colStep = steps[k - 1]
                let tile = 32
                let rowTiles = (rowsDim + tile - 1) / tile
                let batches = n / (rowsDim * colsDim)
                let tasks = batches * rowTiles
                let minChunk = n < elementwiseChunk ? Swift.max(tasks, 1) : Swift.max(1, tasks * elementwiseChunk / n)
                parallelFor(tasks, minChunk: minChunk) { t in
                    let b = t / rowTiles, i0 = (t % rowTiles) * tile
                    let from = src + offset(b, upTo: k - 2)
                    let to = dst + b * rowsDim * colsDim
                    let i1 = Swift.min(rowsDim, i0 + tile)
                    var j0 = 0
                    while j0 < colsDim {
                        let j1 = Swift.min(colsDim, j0 + tile)
                        for i in i0..<i1 {
                            let s = from + i * rowStep
                            let d = to + i * colsDim
                            for j in j0..<j1 { d[j] = s[j * colStep] }
                        }
                        j0 = j1
                    }
                }
            }
        }
    }
}
