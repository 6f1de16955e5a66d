// Gradients of the shape ops (Tensor+Shape.swift, Tensor+Permute.swift, Tensor+Index.swift,
// Pool+Global.swift's flatten). Each moves elements without changing them, so its gradient moves the
// result's gradient back: reshape it, permute it by the inverse, slice it, or scatter it into zeros.

extension Tensor {
    /// A zero tensor of `shape` with `g` written at the positions `index` read from (`base`, `strides`
    /// from `indexLayout`): the gradient of indexing. The positions are distinct, so rows may be
    /// written in parallel.
    static func scatter(_ g: Tensor, into shape: [Int], base: Int, strides: [Int]) -> Tensor {
        let n = shape.reduce(1, *)
        var values = [Float](repeating: 0, count: n)
        guard g.count > 0 else { return Tensor(unchecked: shape, scalars: values) }
        let dims = g.shape.isEmpty ? [1] : g.shape
        let steps = strides.isEmpty ? [0] : strides
        let inner = dims[dims.count - 1], step = steps[steps.count - 1]
        let rows = g.count / inner
        values.withUnsafeMutableBufferPointer { dst in
            g.scalars.withUnsafeBufferPointer { src in
                guard let d = dst.baseAddress, let s = src.baseAddress else { return }
                forChunks(rows, chunk: Swift.max(1, elementwiseChunk / inner)) { lo, hi in
                    for row in lo..<hi {
                        var r = row, off = base
                        var axis = dims.count - 2
                        while axis >= 0 {
                            off += (r % dims[axis]) * steps[axis]
                            r /= dims[axis]
                            axis -= 1
                        }
                        let from = s + row * inner
                        for j in 0..<inner { d[off + j * step] = from[j] }
                    }
                }
            }
        }
        return Tensor(unchecked: shape, scalars: values)
    }
}

extension Variable {
    /// The same elements under another shape; the gradient is reshaped back.
    public func reshape(_ shape: [Int]) throws -> Variable {
        try viewing(value.reshape(shape))
    }

    /// Removes one size-1 axis, or all of them; the gradient is reshaped back.
    public func squeeze(axis: Int? = nil) throws -> Variable {
        try viewing(value.squeeze(axis: axis))
    }

    /// Inserts a size-1 axis; the gradient is reshaped back.
    public func unsqueeze(axis: Int) throws -> Variable {
        try viewing(value.unsqueeze(axis: axis))
    }

    /// N×C×H×W → N×(C·H·W) for `axis: 1` (`Tensor.flatten`); the gradient is reshaped back.
    public func flatten(axis: Int = 1) throws -> Variable {
        try viewing(value.flatten(axis: axis))
    }

    /// A result holding this variable's elements in the same order under another shape.
    private func viewing(_ y: Tensor) -> Variable {
        guard Autograd.needsGraph(self) else { return Variable(y) }
        let shape = value.shape
        return Autograd.record(y, parents: [self]) { g in [g.reshaped(unchecked: shape)] }
    }

    /// The axes in reverse order; reversing is its own inverse.
    public func transposed() throws -> Variable {
        let y = value.transposed()
        guard Autograd.needsGraph(self) else { return Variable(y) }
        return Autograd.record(y, parents: [self]) { g in [g.transposed()] }
    }

    /// Result axis i is axis `axes[i]`; the gradient is permuted by the inverse permutation.
    public func permute(_ axes: [Int]) throws -> Variable {
        let y = try value.permute(axes)
        guard Autograd.needsGraph(self) else { return Variable(y) }
        let rank = value.rank
        var inverse = [Int](repeating: 0, count: rank)
        for (i, axis) in axes.enumerated() { inverse[axis < 0 ? axis + rank : axis] = i }
        return Autograd.record(y, parents: [self]) { g in [g.permuteCopy(inverse)] }
    }

    /// Joins along an existing axis; each input's gradient is its slice of the result's gradient.
    public static func concat(_ xs: [Variable], axis: Int = 0) throws -> Variable {
        let y = try Tensor.concat(xs.map(\.value), axis: axis)
        guard Autograd.needsGraph(xs) else { return Variable(y) }
        let a = axis < 0 ? axis + y.rank : axis
        var starts: [Int] = [], position = 0
        for x in xs { starts.append(position); position += x.shape[a] }
        let sizes = xs.map { $0.shape[a] }, needs = xs.map(\.requiresGrad)
        return Autograd.record(y, parents: xs) { g in
            let whole = IndexItem.slice(start: nil, end: nil, step: nil)
            return try (0..<sizes.count).map { i in
                guard needs[i] else { return nil }
                let items = [IndexItem](repeating: whole, count: a) + [.slice(start: starts[i], end: starts[i] + sizes[i], step: nil)]
                return try g.index(items)
            }
        }
    }

    /// Joins along a new axis; each input's gradient is its position along that axis.
    public static func stack(_ xs: [Variable], axis: Int = 0) throws -> Variable {
        let y = try Tensor.stack(xs.map(\.value), axis: axis)
        guard Autograd.needsGraph(xs) else { return Variable(y) }
        let a = axis < 0 ? axis + y.rank : axis
        let needs = xs.map(\.requiresGrad)
        return Autograd.record(y, parents: xs) { g in
            let whole = IndexItem.slice(start: nil, end: nil, step: nil)
            return try (0..<needs.count).map { i in
                needs[i] ? try g.index([IndexItem](repeating: whole, count: a) + [.index(i)]) : nil
            }
        }
    }

    /// Constant padding (`Tensor.pad`); the gradient is the un-padded slice of the result's gradient.
    public func pad(_ pads: [Int], value fill: Float = 0) throws -> Variable {
        let y = try value.pad(pads, value: fill)
        guard Autograd.needsGraph(self) else { return Variable(y) }
        let (begin, _) = try value.padBounds(pads)
        let items = zip(begin, value.shape).map { IndexItem.slice(start: $0, end: $0 + $1, step: nil) }
        return Autograd.record(y, parents: [self]) { g in [try g.index(items)] }
    }

    /// Indexing and slicing (`Tensor.index`); the gradient is scattered into zeros at the positions read.
    public func index(_ items: [IndexItem]) throws -> Variable {
        let y = try value.index(items)
        guard Autograd.needsGraph(self) else { return Variable(y) }
        let (base, _, strides) = try value.indexLayout(items)
        let shape = value.shape
        return Autograd.record(y, parents: [self]) { g in
            [Tensor.scatter(g, into: shape, base: base, strides: strides)]
        }
    }
}
