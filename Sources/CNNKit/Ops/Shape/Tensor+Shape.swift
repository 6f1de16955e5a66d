// Shape ops: reshape, squeeze/unsqueeze, concat/stack and constant padding.

extension Tensor {
    /// The same elements under `newShape` (row-major order kept). One dimension may be -1: it is
    /// inferred from the element count. Throws naming both shapes when the counts differ.
    public func reshape(_ newShape: [Int]) throws -> Tensor {
        let inferred = newShape.indices.filter { newShape[$0] == -1 }
        guard inferred.count <= 1 else {
            throw OpError("reshape", "only one dimension can be -1, got \(Shape.describe(newShape))")
        }
        guard newShape.allSatisfy({ $0 >= -1 }) else {
            throw OpError("reshape", "cannot reshape \(Shape.describe(shape)) into \(Shape.describe(newShape)): negative dimension")
        }
        var target = newShape
        if let slot = inferred.first {
            target[slot] = 1
            let known = try Shape.elementCount(target, op: "reshape")
            guard known > 0 else {
                throw OpError("reshape", "cannot reshape \(Shape.describe(shape)) into \(Shape.describe(newShape)): -1 is ambiguous when the other dimensions hold 0 elements")
            }
            guard count % known == 0 else {
                throw OpError("reshape", "cannot reshape \(Shape.describe(shape)) (\(count) elements) into \(Shape.describe(newShape)): \(count) is not a multiple of \(known)")
            }
            target[slot] = count / known
        }
        let total = try Shape.elementCount(target, op: "reshape")
        guard total == count else {
            throw OpError("reshape", "cannot reshape \(Shape.describe(shape)) (\(count) elements) into \(Shape.describe(newShape)) (\(total) elements)")
        }
        return reshaped(unchecked: target)
    }

    /// Removes `axis`, which must have size 1 (NumPy; PyTorch silently ignores other sizes), or every
    /// size-1 axis when `axis` is nil.
    public func squeeze(axis: Int? = nil) throws -> Tensor {
        guard let axis else { return reshaped(unchecked: shape.filter { $0 != 1 }) }
        let a = try Tensor.checkAxis(axis, rank: rank, op: "squeeze", shape: shape)
        guard shape[a] == 1 else {
            throw OpError("squeeze", "axis \(axis) has size \(shape[a]), not 1 (shape \(Shape.describe(shape)))")
        }
        var newShape = shape
        newShape.remove(at: a)
        return reshaped(unchecked: newShape)
    }

    /// Inserts a size-1 axis so that it becomes axis `axis` of the result; `axis` may be
    /// -(rank+1)…rank, negative counting from the end of the result (PyTorch's rule).
    public func unsqueeze(axis: Int) throws -> Tensor {
        let a = try Tensor.checkInsertAxis(axis, rank: rank, op: "unsqueeze", shape: shape)
        var newShape = shape
        newShape.insert(1, at: a)
        return reshaped(unchecked: newShape)
    }

    /// Joins tensors along an existing `axis`. All must have the same rank (at least 1) and the same
    /// size on every other axis.
    public static func concat(_ tensors: [Tensor], axis: Int = 0) throws -> Tensor {
        guard let first = tensors.first else {
            throw OpError("concat", "needs at least one tensor")
        }
        guard first.rank > 0 else {
            throw OpError("concat", "cannot concatenate rank-0 tensors (use stack)")
        }
        let a = try checkAxis(axis, rank: first.rank, op: "concat", shape: first.shape)
        var joined = 0
        for (i, t) in tensors.enumerated() {
            guard t.rank == first.rank else {
                throw OpError("concat", "tensor \(i) has shape \(Shape.describe(t.shape)) (rank \(t.rank)) but tensor 0 has \(Shape.describe(first.shape)) (rank \(first.rank))")
            }
            for k in 0..<first.rank where k != a && t.shape[k] != first.shape[k] {
                throw OpError("concat", "tensor \(i) has shape \(Shape.describe(t.shape)) but tensor 0 has \(Shape.describe(first.shape)): sizes must match on every axis except axis \(axis)")
            }
            joined += t.shape[a]
        }
        var outShape = first.shape
        outShape[a] = joined
        let n = try Shape.elementCount(outShape, op: "concat")
        let outer = first.shape[..<a].reduce(1, *)
        let inner = first.shape[(a + 1)...].reduce(1, *)
        var values = [Float](repeating: 0, count: n)
        values.withUnsafeMutableBufferPointer { dst in
            guard let d = dst.baseAddress else { return }
            var column = 0  // where the current tensor's block starts within one output row
            let rowLength = joined * inner
            for t in tensors {
                let block = t.shape[a] * inner
                t.scalars.withUnsafeBufferPointer { src in
                    guard let s = src.baseAddress, block > 0 else { return }
                    for o in 0..<outer {
                        (d + o * rowLength + column).update(from: s + o * block, count: block)
                    }
                }
                column += block
            }
        }
        return Tensor(unchecked: outShape, scalars: values)
    }

    /// Joins tensors of one shape along a new axis `axis` (-(rank+1)…rank).
    public static func stack(_ tensors: [Tensor], axis: Int = 0) throws -> Tensor {
        guard let first = tensors.first else {
            throw OpError("stack", "needs at least one tensor")
        }
        for (i, t) in tensors.enumerated() where t.shape != first.shape {
            throw OpError("stack", "tensor \(i) has shape \(Shape.describe(t.shape)) but tensor 0 has \(Shape.describe(first.shape)): stacked tensors must have the same shape")
        }
        let a = try checkInsertAxis(axis, rank: first.rank, op: "stack", shape: first.shape)
        do {
            return try concat(tensors.map { $0.reshaped(unchecked: Tensor.inserting(1, at: a, into: $0.shape)) }, axis: a)
        } catch let error as OpError {
            throw OpError("stack", error.message)
        }
    }

    /// Pads with `value`. `pads` is read like conv's `pad:` for the last two axes — `p`, `[ph, pw]` or
    /// `[top, left, bottom, right]` — or, with `2·rank` values, ONNX-style `[begin₀…, end₀…]` for every
    /// axis (for a rank-2 tensor both readings of 4 values agree). A rank-1 tensor takes `[begin, end]`
    /// or one value for both ends. Pads must not be negative (ONNX allows cropping; use slicing).
    public func pad(_ pads: [Int], value: Float = 0) throws -> Tensor {
        let (begin, end) = try padBounds(pads)
        var outShape = shape
        for k in 0..<rank { outShape[k] = shape[k] + begin[k] + end[k] }
        let n = try Shape.elementCount(outShape, op: "pad")
        var values = [Float](repeating: value, count: n)
        guard count > 0, rank > 0 else {
            if rank == 0 { values = scalars }
            return Tensor(unchecked: outShape, scalars: values)
        }
        let inner = shape[rank - 1]
        let rows = count / inner
        let outStrides = Shape.strides(outShape)
        var startOffset = 0
        for k in 0..<rank { startOffset += begin[k] * outStrides[k] }
        values.withUnsafeMutableBufferPointer { dst in
            scalars.withUnsafeBufferPointer { src in
                guard let d = dst.baseAddress, let s = src.baseAddress else { return }
                forChunks(rows, chunk: Swift.max(1, elementwiseChunk / inner)) { lo, hi in
                    for row in lo..<hi {
                        var r = row, off = startOffset
                        var axis = rank - 2
                        while axis >= 0 {
                            off += (r % shape[axis]) * outStrides[axis]
                            r /= shape[axis]
                            axis -= 1
                        }
                        (d + off).update(from: s + row * inner, count: inner)
                    }
                }
            }
        }
        return Tensor(unchecked: outShape, scalars: values)
    }

    /// The padding `pad(pads)` adds before and after every axis; throws as `pad` does.
    func padBounds(_ pads: [Int]) throws -> (begin: [Int], end: [Int]) {
        for p in pads where p < 0 || p > Shape.maxElements {
            throw OpError("pad", "pads must be between 0 and \(Shape.maxElements), got \(pads)")
        }
        var begin = [Int](repeating: 0, count: rank), end = begin
        if pads.count == 2 * rank {
            for k in 0..<rank { begin[k] = pads[k]; end[k] = pads[k + rank] }
        } else if rank >= 2 && [1, 2, 4].contains(pads.count) {
            let h = rank - 2, w = rank - 1
            switch pads.count {
            case 1: (begin[h], begin[w], end[h], end[w]) = (pads[0], pads[0], pads[0], pads[0])
            case 2: (begin[h], begin[w], end[h], end[w]) = (pads[0], pads[1], pads[0], pads[1])
            default: (begin[h], begin[w], end[h], end[w]) = (pads[0], pads[1], pads[2], pads[3])
            }
        } else if rank == 1 && pads.count == 1 {
            (begin[0], end[0]) = (pads[0], pads[0])
        } else {
            throw OpError("pad", "\(pads.count) pad values do not fit a \(Shape.describe(shape)) tensor: give 1, 2 or 4 values for the last two axes, or \(2 * rank) as [begin…, end…] for every axis")
        }
        return (begin, end)
    }

    // MARK: - Axis checks shared by the shape ops

    /// An existing axis (negative from the end) as 0..<rank; rank 0 has none.
    static func checkAxis(_ axis: Int, rank: Int, op: String, shape: [Int]) throws -> Int {
        let a = axis < 0 ? axis + rank : axis
        guard a >= 0, a < rank else {
            throw OpError(op, "axis \(axis) is out of range for a tensor of rank \(rank) (shape \(Shape.describe(shape)))")
        }
        return a
    }

    /// A position for a new axis, -(rank+1)…rank, as 0…rank.
    static func checkInsertAxis(_ axis: Int, rank: Int, op: String, shape: [Int]) throws -> Int {
        let a = axis < 0 ? axis + rank + 1 : axis
        guard a >= 0, a <= rank else {
            throw OpError(op, "axis \(axis) is out of range for inserting an axis into a tensor of rank \(rank) (shape \(Shape.describe(shape))): allowed \(-(rank + 1))…\(rank)")
        }
        return a
    }

    static func inserting(_ size: Int, at axis: Int, into shape: [Int]) -> [Int] {
        var s = shape
        s.insert(size, at: axis)
        return s
    }
}
