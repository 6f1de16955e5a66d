import Foundation

// Gradients of the reductions in Tensor+Reduce.swift. x: d0×…×d(r-1), axes A → reduced shape; the
// gradient of the result is viewed with A kept as size-1 axes and broadcast back over x.

extension Tensor {
    /// The shape of a reduction over `axes` with `keepdims` (reduced axes kept as size 1). The axes
    /// have been validated by the forward reduction.
    func keptShape(_ axes: [Int]?) -> [Int] {
        guard let axes else { return [Int](repeating: 1, count: rank) }
        var kept = shape
        for axis in axes where rank > 0 { kept[axis < 0 ? axis + rank : axis] = 1 }
        return kept
    }

    /// The gradient of a reduction, viewed with its reduced axes kept, repeated over `shape`.
    func spread(from kept: [Int], to shape: [Int]) throws -> Tensor {
        try reshaped(unchecked: kept).broadcasted(to: shape)
    }
}

extension Variable {
    /// Differentiable sum: every element gets the gradient of its sum.
    public func sum(axes: [Int]? = nil, keepdims: Bool = false) throws -> Variable {
        let y = try value.sum(axes: axes, keepdims: keepdims)
        guard Autograd.needsGraph(self) else { return Variable(y) }
        let shape = value.shape, kept = value.keptShape(axes)
        return Autograd.record(y, parents: [self]) { g in [try g.spread(from: kept, to: shape)] }
    }

    /// Differentiable mean: every element gets 1/r of the gradient of its mean (r reduced elements).
    public func mean(axes: [Int]? = nil, keepdims: Bool = false) throws -> Variable {
        let y = try value.mean(axes: axes, keepdims: keepdims)
        guard Autograd.needsGraph(self) else { return Variable(y) }
        let shape = value.shape, kept = value.keptShape(axes)
        let r = Float(value.count / Swift.max(1, y.count))
        return Autograd.record(y, parents: [self]) { g in
            [try g.spread(from: kept, to: shape).mapScalars { $0 / r }]
        }
    }

    /// Differentiable max: the gradient goes to the positions that hold the maximum. Ties share it
    /// evenly, as PyTorch's `amax` and its full reductions `max()` do (its `max(dim)` picks one index
    /// instead).
    public func max(axes: [Int]? = nil, keepdims: Bool = false) throws -> Variable {
        let y = try value.max(axes: axes, keepdims: keepdims)
        return try extremeGrad(y, axes: axes)
    }

    /// Differentiable min: as `max`, the gradient shared evenly by the positions of the minimum.
    public func min(axes: [Int]? = nil, keepdims: Bool = false) throws -> Variable {
        let y = try value.min(axes: axes, keepdims: keepdims)
        return try extremeGrad(y, axes: axes)
    }

    private func extremeGrad(_ y: Tensor, axes: [Int]?) throws -> Variable {
        guard Autograd.needsGraph(self) else { return Variable(y) }
        let x = value, kept = x.keptShape(axes)
        return Autograd.record(y, parents: [self]) { g in
            let best = try y.spread(from: kept, to: x.shape)
            // A NaN extreme came from the NaN elements (NumPy's propagation): they share the gradient.
            let hit = x.zipScalars(best) { v, m in v == m || (v.isNaN && m.isNaN) ? 1 : 0 }
            let counts = try hit.sum(axes: axes, keepdims: true)
            let share = g.reshaped(unchecked: kept).zipScalars(counts) { $0 / $1 }
            return [try hit * share]
        }
    }

    /// Differentiable population standard deviation: `∂σ/∂x = (x − mean) / (r·σ)`. Where σ = 0 (all
    /// reduced values equal) the gradient is taken as 0, a subgradient; PyTorch gives NaN there.
    public func std(axes: [Int]? = nil, keepdims: Bool = false) throws -> Variable {
        let x = value
        let y = try x.std(axes: axes, keepdims: keepdims)
        guard Autograd.needsGraph(self) else { return Variable(y) }
        let kept = x.keptShape(axes)
        let r = Float(x.count / Swift.max(1, y.count))
        return Autograd.record(y, parents: [self]) { g in
            let deviation = try x - x.mean(axes: axes, keepdims: true)
            let scale = g.reshaped(unchecked: kept).zipScalars(y.reshaped(unchecked: kept)) { g, s in
                s == 0 ? 0 : g / (r * s)
            }
            return [try deviation * scale]
        }
    }
}
