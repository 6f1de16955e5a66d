// Indexing and slicing, Python/NumPy style: x[0, 1:3, ::2, -1].

/// One item of an index expression `x[0, 1:3, ::2, -1]`.
public enum IndexItem: Equatable, Sendable {
    /// One position along the axis (negative counts from the end); the axis is dropped.
    case index(Int)
    /// Python's `start:end:step`; nil parts take their defaults. The axis is kept.
    case slice(start: Int?, end: Int?, step: Int?)
}

extension Tensor {
    /// The sub-tensor selected by `items`, one per leading axis; axes without an item are kept whole.
    ///
    /// An integer picks one position (negative counts from the end) and drops the axis; a position
    /// outside the axis throws `index: index 5 is out of range for axis 0 of size 3`. A slice follows
    /// Python exactly: bounds are clamped, negative bounds count from the end, a negative step walks
    /// backwards with defaults from the end, and step 0 throws. More items than axes throws.
    /// The result is a copy.
    public func index(_ items: [IndexItem]) throws -> Tensor {
        let (base, outShape, outStrides) = try indexLayout(items)
        if outShape.contains(0) { return Tensor(unchecked: outShape, scalars: []) }
        let values = Tensor.gather(scalars, base: base, shape: outShape, strides: outStrides)
        return Tensor(unchecked: outShape, scalars: values)
    }

    /// Where `index(items)` reads: the offset of its first element, its shape and the element strides
    /// of its axes in this tensor. Throws as `index` does.
    func indexLayout(_ items: [IndexItem]) throws -> (base: Int, shape: [Int], strides: [Int]) {
        guard items.count <= rank else {
            throw OpError("index", "\(items.count) indices for a tensor of rank \(rank) (shape \(Shape.describe(shape)))")
        }
        let own = strides
        var base = 0
        var outShape: [Int] = [], outStrides: [Int] = []
        for axis in 0..<rank {
            let size = shape[axis]
            let item = axis < items.count ? items[axis] : .slice(start: nil, end: nil, step: nil)
            switch item {
            case .index(let i):
                let p = i < 0 ? i + size : i
                guard p >= 0, p < size else {
                    throw OpError("index", "index \(i) is out of range for axis \(axis) of size \(size)")
                }
                base += p * own[axis]
            case .slice(let start, let end, let step):
                let s = try Tensor.sliceBounds(start: start, end: end, step: step, size: size, axis: axis)
                base += s.start * own[axis]
                outShape.append(s.count)
                // With two or more positions |step| < size, so the product cannot overflow; a single
                // position needs no stride at all.
                outStrides.append(s.count > 1 ? s.step * own[axis] : 0)
            }
        }
        return (base, outShape, outStrides)
    }

    /// Python's `slice(start, end, step).indices(size)` and the resulting length: the first position,
    /// the step and how many positions are taken.
    static func sliceBounds(start: Int?, end: Int?, step: Int?, size: Int, axis: Int)
        throws -> (start: Int, step: Int, count: Int) {
        let step = step ?? 1
        guard step != 0 else {
            throw OpError("index", "slice step cannot be zero (axis \(axis))")
        }
        let lower = step < 0 ? -1 : 0
        let upper = step < 0 ? size - 1 : size
        func clamp(_ v: Int?, _ defaultValue: Int) -> Int {
            guard let v else { return defaultValue }
            if v < 0 { return Swift.max(v + size, lower) }
            return Swift.min(v, upper)
        }
        let first = clamp(start, step < 0 ? upper : lower)
        let stop = clamp(end, step < 0 ? lower : upper)
        let count: Int
        if step > 0 {
            count = stop > first ? (stop - first - 1) / step + 1 : 0
        } else {
            // -step would overflow for Int.min; any step that large takes one element anyway.
            let magnitude = step == Int.min ? Int.max : -step
            count = first > stop ? (first - stop - 1) / magnitude + 1 : 0
        }
        return (first, step, count)
    }
}
