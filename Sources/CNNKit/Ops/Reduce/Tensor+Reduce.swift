import Foundation

// Reductions. x: d0×…×d(r-1), axes A → the shape without A (keepdims: A kept as size 1).
//
// Every reduction is brought to one layout, outer × R × inner over contiguous memory, where R is the
// product of the reduced sizes: directly when the reduced axes are adjacent (ignoring size-1 axes),
// otherwise after a permuting copy that moves them last. Sums accumulate in Double, so results do not
// depend on the thread count or on the order of the reduced axes beyond float rounding of the result.

/// A reduction seen as `outer × r × inner`: lane (o, i) reduces `r` values at stride `inner`.
struct ReduceLayout {
    var outer: Int
    var r: Int
    var inner: Int
}

extension Tensor {
    /// Sum over `axes` (nil: every axis; negative axes count from the end). The sum of an empty axis is 0.
    public func sum(axes: [Int]? = nil, keepdims: Bool = false) throws -> Tensor {
        let plan = try reductionPlan(axes, keepdims: keepdims, op: "sum")
        let sums = Tensor.laneSums(plan.source, plan.layout)
        return Tensor(unchecked: plan.shape, scalars: sums.map { Float($0) })
    }

    /// Arithmetic mean over `axes`. The mean of an empty axis is NaN (0/0), as NumPy returns (with a
    /// warning) and PyTorch does.
    public func mean(axes: [Int]? = nil, keepdims: Bool = false) throws -> Tensor {
        let plan = try reductionPlan(axes, keepdims: keepdims, op: "mean")
        let r = Double(plan.layout.r)
        let sums = Tensor.laneSums(plan.source, plan.layout)
        return Tensor(unchecked: plan.shape, scalars: sums.map { Float($0 / r) })
    }

    /// Population standard deviation `sqrt(mean((x - mean(x))²))` over `axes`: NumPy's default
    /// (`ddof=0`). PyTorch's `torch.std` defaults to the sample deviation (divides by n-1) instead.
    /// Computed in two passes (mean, then squared deviations) for accuracy. Empty axis → NaN.
    public func std(axes: [Int]? = nil, keepdims: Bool = false) throws -> Tensor {
        let plan = try reductionPlan(axes, keepdims: keepdims, op: "std")
        let layout = plan.layout
        let r = Double(layout.r)
        let means = Tensor.laneSums(plan.source, layout).map { $0 / r }
        let squares = Tensor.laneSquaredDeviations(plan.source, layout, means: means)
        return Tensor(unchecked: plan.shape, scalars: squares.map { Float(($0 / r).squareRoot()) })
    }

    /// Largest value over `axes`; NaN if any value is NaN (as NumPy). Throws on an empty axis:
    /// `max: cannot reduce an empty axis`.
    public func max(axes: [Int]? = nil, keepdims: Bool = false) throws -> Tensor {
        try extreme(axes, keepdims: keepdims, largest: true, op: "max")
    }

    /// Smallest value over `axes`; NaN if any value is NaN. Throws on an empty axis.
    public func min(axes: [Int]? = nil, keepdims: Bool = false) throws -> Tensor {
        try extreme(axes, keepdims: keepdims, largest: false, op: "min")
    }

    /// Index of the largest value along `axis`, as float values; with `axis` nil, the index into the
    /// flattened tensor (a rank-0 result, or all size-1 axes with `keepdims`). Ties give the first index;
    /// a NaN counts as the largest (NumPy). Throws on an empty axis.
    public func argmax(axis: Int? = nil, keepdims: Bool = false) throws -> Tensor {
        let plan: (source: Tensor, layout: ReduceLayout, shape: [Int])
        if let axis {
            plan = try reductionPlan([axis], keepdims: keepdims, op: "argmax")
        } else {
            let shape = keepdims ? [Int](repeating: 1, count: rank) : []
            plan = (self, ReduceLayout(outer: 1, r: count, inner: 1), shape)
        }
        let layout = plan.layout
        guard layout.r > 0 else { throw emptyReduction("argmax") }
        var result = [Float](repeating: 0, count: layout.outer * layout.inner)
        plan.source.scalars.withUnsafeBufferPointer { src in
            result.withUnsafeMutableBufferPointer { dst in
                guard let s = src.baseAddress, let d = dst.baseAddress else { return }
                Tensor.forLanes(layout) { o, lo, hi in
                    for i in lo..<hi {
                        var p = s + o * layout.r * layout.inner + i
                        var best = p[0], bestIndex = 0
                        for k in 1..<layout.r {
                            p += layout.inner
                            let v = p[0]
                            if !best.isNaN && (v > best || v.isNaN) { best = v; bestIndex = k }
                        }
                        d[o * layout.inner + i] = Float(bestIndex)
                    }
                }
            }
        }
        return Tensor(unchecked: plan.shape, scalars: result)
    }

    /// Sums this tensor down to `shape`, a shape that broadcasts to this one: the reverse of
    /// broadcasting, as the gradient of a broadcast operand needs.
    public func sum(toShape shape: [Int]) throws -> Tensor {
        guard (try? Shape.broadcast(shape, self.shape, op: "sum")) == self.shape else {
            throw OpError("sum", "shape \(Shape.describe(self.shape)) cannot be summed to \(Shape.describe(shape)): it is not a broadcast of it")
        }
        if shape == self.shape { return self }
        let lead = rank - shape.count
        var axes = Array(0..<lead)
        for i in 0..<shape.count where shape[i] == 1 && self.shape[i + lead] != 1 { axes.append(i + lead) }
        return try sum(axes: axes, keepdims: true).reshaped(unchecked: shape)
    }

    // MARK: - Plumbing

    private func emptyReduction(_ op: String) -> OpError {
        OpError(op, "cannot reduce an empty axis (shape \(Shape.describe(shape)))")
    }

    private func extreme(_ axes: [Int]?, keepdims: Bool, largest: Bool, op: String) throws -> Tensor {
        let plan = try reductionPlan(axes, keepdims: keepdims, op: op)
        let layout = plan.layout
        guard layout.r > 0 else { throw emptyReduction(op) }
        var result = [Float](repeating: 0, count: layout.outer * layout.inner)
        plan.source.scalars.withUnsafeBufferPointer { src in
            result.withUnsafeMutableBufferPointer { dst in
                guard let s = src.baseAddress, let d = dst.baseAddress else { return }
                Tensor.forLanes(layout) { o, lo, hi in
                    let base = s + o * layout.r * layout.inner
                    let out = d + o * layout.inner
                    for i in lo..<hi { out[i] = base[i] }
                    for k in 1..<layout.r {
                        let row = base + k * layout.inner
                        // `v > m || v.isNaN` keeps a NaN once seen: NumPy's max propagates NaN.
                        if largest {
                            for i in lo..<hi where row[i] > out[i] || row[i].isNaN { out[i] = row[i] }
                        } else {
                            for i in lo..<hi where row[i] < out[i] || row[i].isNaN { out[i] = row[i] }
                        }
                    }
                }
            }
        }
        return Tensor(unchecked: plan.shape, scalars: result)
    }

    /// Checks `axes` and brings the reduction to `outer × r × inner` form. Axes may be negative; a
    /// repeated or out-of-range axis throws. A rank-0 tensor accepts axis 0 or -1 (as PyTorch does) and
    /// reduces nothing.
    func reductionPlan(_ axes: [Int]?, keepdims: Bool, op: String)
        throws -> (source: Tensor, layout: ReduceLayout, shape: [Int]) {
        var reduced = [Bool](repeating: axes == nil, count: rank)
        if let axes {
            for axis in axes {
                if rank == 0 {
                    guard axis == 0 || axis == -1 else {
                        throw OpError(op, "axis \(axis) is out of range for a tensor of rank 0")
                    }
                    continue
                }
                let a = axis < 0 ? axis + rank : axis
                guard a >= 0, a < rank else {
                    throw OpError(op, "axis \(axis) is out of range for a tensor of rank \(rank) (shape \(Shape.describe(shape)))")
                }
                guard !reduced[a] else {
                    throw OpError(op, "axis \(axis) appears more than once in axes \(axes)")
                }
                reduced[a] = true
            }
        }
        var outShape: [Int] = []
        for i in 0..<rank {
            if !reduced[i] { outShape.append(shape[i]) } else if keepdims { outShape.append(1) }
        }
        let r = (0..<rank).filter { reduced[$0] }.map { shape[$0] }.reduce(1, *)
        // Size-1 axes do not affect memory order, so they are ignored when deciding adjacency.
        let significant = (0..<rank).filter { shape[$0] != 1 }
        let firstReduced = significant.firstIndex { reduced[$0] }
        let lastReduced = significant.lastIndex { reduced[$0] }
        if let first = firstReduced, let last = lastReduced,
           significant[first...last].contains(where: { !reduced[$0] }) {
            // Reduced axes are interleaved with kept ones: move them last.
            let kept = (0..<rank).filter { !reduced[$0] }
            let moved = (0..<rank).filter { reduced[$0] }
            let source = permuteCopy(kept + moved)
            let outer = kept.map { shape[$0] }.reduce(1, *)
            return (source, ReduceLayout(outer: outer, r: r, inner: 1), outShape)
        }
        var outer = 1, inner = 1
        if let last = lastReduced {
            for i in 0..<rank where i > significant[last] { inner *= shape[i] }
            for i in 0..<rank where i < significant[last] && !reduced[i] { outer *= shape[i] }
        } else {
            outer = outShape.reduce(1, *)
        }
        return (self, ReduceLayout(outer: outer, r: r, inner: inner), outShape)
    }

    /// Calls `body(o, lo, hi)` for every outer index and a chunk lo..<hi of inner lanes, in parallel when
    /// the whole reduction is large.
    @inline(__always)
    static func forLanes(_ layout: ReduceLayout, _ body: (Int, Int, Int) -> Void) {
        let chunk = 2048
        let perOuter = (layout.inner + chunk - 1) / chunk
        let tasks = layout.outer * perOuter
        let work = tasks * layout.r * Swift.min(layout.inner, chunk)
        let minChunk = work < elementwiseChunk ? Swift.max(tasks, 1) : Swift.max(1, tasks * elementwiseChunk / Swift.max(work, 1))
        parallelFor(tasks, minChunk: minChunk) { t in
            let o = t / perOuter, c = t % perOuter
            body(o, c * chunk, Swift.min(layout.inner, (c + 1) * chunk))
        }
    }

    /// Per-lane sums in Double.
    static func laneSums(_ source: Tensor, _ layout: ReduceLayout) -> [Double] {
        var sums = [Double](repeating: 0, count: layout.outer * layout.inner)
        source.scalars.withUnsafeBufferPointer { src in
            sums.withUnsafeMutableBufferPointer { dst in
                guard let s = src.baseAddress, let d = dst.baseAddress, layout.r > 0 else { return }
                forLanes(layout) { o, lo, hi in
                    let base = s + o * layout.r * layout.inner
                    let out = d + o * layout.inner
                    if layout.inner == 1 {
                        var acc = 0.0
                        for k in 0..<layout.r { acc += Double(base[k]) }
                        out[0] = acc
                        return
                    }
                    for k in 0..<layout.r {
                        let row = base + k * layout.inner
                        for i in lo..<hi { out[i] += Double(row[i]) }
                    }
                }
            }
        }
        return sums
    }

    /// Per-lane sums of `(x - mean)²` in Double.
    static func laneSquaredDeviations(_ source: Tensor, _ layout: ReduceLayout, means: [Double]) -> [Double] {
        var sums = [Double](repeating: 0, count: layout.outer * layout.inner)
        source.scalars.withUnsafeBufferPointer { src in
            means.withUnsafeBufferPointer { mb in
                sums.withUnsafeMutableBufferPointer { dst in
                    guard let s = src.baseAddress, let m = mb.baseAddress, let d = dst.baseAddress,
                          layout.r > 0 else { return }
                    forLanes(layout) { o, lo, hi in
                        let base = s + o * layout.r * layout.inner
                        let out = d + o * layout.inner
                        let mean = m + o * layout.inner
                        for k in 0..<layout.r {
                            let row = base + k * layout.inner
                            for i in lo..<hi {
                                let dev = Double(row[i]) - mean[i]
                                out[i] += dev * dev
                            }
                        }
                    }
                }
            }
        }
        return sums
    }
}
