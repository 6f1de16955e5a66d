// The functional ops of `GraphModel`: running one on variables, and inferring its output shape
// (with the values of small integer tensors, so shape arithmetic folds) without computing.

enum GraphOps {
    /// What shape inference knows about a tensor: its shape, and its values when it is a small
    /// constant or was computed from shapes (Shape, Gather, Concat, Unsqueeze of those).
    struct Known {
        var shape: [Int]
        var values: [Int]?

        init(shape: [Int], values: [Int]?) { self.shape = shape; self.values = values }

        init(constant t: Tensor) {
            shape = t.shape
            values = t.count <= 64 && t.scalars.allSatisfy({ $0 == $0.rounded() && abs($0) < 1e9 })
                ? t.scalars.map { Int($0) } : nil
        }
    }

    static func arity(_ op: GraphModel.Op, _ n: Int, _ needed: ClosedRange<Int>) throws {
        guard needed.contains(n) else {
            throw OpError(op.name, "takes \(needed.lowerBound == needed.upperBound ? "\(needed.lowerBound)" : "\(needed.lowerBound)–\(needed.upperBound)") inputs, got \(n)")
        }
    }

    static func axis(_ a: Int, rank: Int, _ op: String) throws -> Int {
        try Shape.normalizeAxis(a, rank: rank, op: op)
    }

    static func ints(_ v: Tensor, _ op: String, what: String) throws -> [Int] {
        guard v.rank <= 1, v.scalars.allSatisfy({ $0 == $0.rounded() && abs($0) < 1e12 }) else {
            throw OpError(op, "\(what) must be a vector of integers, got a tensor \(Shape.describe(v.shape))")
        }
        return v.scalars.map { Int($0) }
    }

    /// ONNX Reshape's target: 0 copies the input's dim at that position, −1 is inferred.
    static func reshapeTarget(_ input: [Int], _ target: [Int]) throws -> [Int] {
        var out = target
        for (k, d) in target.enumerated() {
            guard d >= -1 else { throw OpError("Reshape", "target \(target) has a negative size \(d)") }
            if d == 0 {
                guard k < input.count else { throw OpError("Reshape", "target \(target) copies dim \(k), input \(Shape.describe(input)) has rank \(input.count)") }
                out[k] = input[k]
            }
        }
        let count = try Shape.elementCount(input, op: "Reshape")
        if let slot = out.firstIndex(of: -1) {
            var rest = out; rest[slot] = 1
            guard rest.filter({ $0 == -1 }).isEmpty else { throw OpError("Reshape", "target \(target) has more than one −1") }
            let known = try Shape.elementCount(rest, op: "Reshape")
            guard known > 0, count % known == 0 else {
                throw OpError("Reshape", "cannot reshape \(Shape.describe(input)) into \(target)")
            }
            out[slot] = count / known
        }
        guard try Shape.elementCount(out, op: "Reshape") == count else {
            throw OpError("Reshape", "cannot reshape \(Shape.describe(input)) (\(count) values) into \(Shape.describe(out))")
        }
        return out
    }

    /// ONNX Flatten: always a matrix, the axes before `axis` multiplied into the rows and the rest into
    /// the columns (cnns's `Flatten` layer keeps the leading axes instead; the two agree for axis 1).
    static func onnxFlatten(_ shape: [Int], axis a: Int) throws -> [Int] {
        let ax = a < 0 ? a + shape.count : a
        guard ax >= 0, ax <= shape.count else {
            throw OpError("Flatten", "axis \(a) is out of range for \(Shape.describe(shape))")
        }
        return [try Shape.elementCount(Array(shape[..<ax]), op: "Flatten"),
                try Shape.elementCount(Array(shape[ax...]), op: "Flatten")]
    }

    static func squeezeAxes(_ shape: [Int], _ axes: [Int]) throws -> [Int] {
        let normalized = try axes.map { try axis($0, rank: shape.count, "Squeeze") }
        let drop = normalized.isEmpty ? Set(shape.indices.filter { shape[$0] == 1 }) : Set(normalized)
        for a in drop where shape[a] != 1 {
            throw OpError("Squeeze", "axis \(a) of \(Shape.describe(shape)) has size \(shape[a]), not 1")
        }
        return shape.indices.filter { !drop.contains($0) }.map { shape[$0] }
    }

    static func unsqueezeShape(_ shape: [Int], _ axes: [Int]) throws -> [Int] {
        let rank = shape.count + axes.count
        let normalized = Set(try axes.map { try axis($0, rank: rank, "Unsqueeze") })
        guard normalized.count == axes.count else { throw OpError("Unsqueeze", "axes \(axes) repeat") }
        var out: [Int] = []
        var src = shape.makeIterator()
        for k in 0..<rank { out.append(normalized.contains(k) ? 1 : (src.next() ?? 1)) }
        return out
    }

    // MARK: running

    static func run(_ op: GraphModel.Op, _ x: [Variable]) throws -> Variable {
        switch op {
        case .layer(let m):
            try arity(op, x.count, 1...1)
            return try m.forward(x[0])
        case .binary(let b):
            try arity(op, x.count, 2...2)
            return try Variable.binary(b, x[0], x[1])
        case .matmul:
            try arity(op, x.count, 2...2)
            return try Variable.matmul(x[0], x[1])
        case .gemm(let ta, let tb, let alpha, let beta):
            try arity(op, x.count, 2...3)
            let a = ta ? try x[0].transposed() : x[0]
            let b = tb ? try x[1].transposed() : x[1]
            var y = try Variable.matmul(a, b)
            if alpha != 1 { y = try y * alpha }
            if x.count == 3 { y = try y + (beta == 1 ? x[2] : x[2] * beta) }
            return y
        case .concat(let a):
            guard !x.isEmpty else { throw OpError("Concat", "needs at least one input") }
            return try Variable.concat(x, axis: a)
        case .reshape:
            try arity(op, x.count, 2...2)
            let target = try reshapeTarget(x[0].shape, ints(x[1].value, "Reshape", what: "the shape"))
            return try x[0].reshape(target)
        case .transpose(let perm):
            try arity(op, x.count, 1...1)
            return try x[0].permute(perm.isEmpty ? Array((0..<x[0].shape.count).reversed()) : perm)
        case .flatten(let a):
            try arity(op, x.count, 1...1)
            return try x[0].reshape(onnxFlatten(x[0].shape, axis: a))
        case .pad(let pads, let value):
            try arity(op, x.count, 1...1)
            return try x[0].pad(pads, value: value)
        case .clip(let lo, let hi):
            try arity(op, x.count, 1...1)
            return try x[0].clip(min: lo, max: hi)
        case .prelu:
            try arity(op, x.count, 2...2)
            let positive = try x[0].relu()
            return try positive + x[1] * (x[0] - positive)
        case .identity:
            try arity(op, x.count, 1...1)
            return x[0]
        case .shape:
            try arity(op, x.count, 1...1)
            return Variable(Tensor(x[0].shape.map { Float($0) }))
        case .gather(let a):
            try arity(op, x.count, 2...2)
            let ax = try axis(a, rank: x[0].shape.count, "Gather")
            let whole = [IndexItem](repeating: .slice(start: nil, end: nil, step: nil), count: ax)
            let idx = x[1].value
            if idx.rank == 0 {
                return try x[0].index(whole + [.index(try ints(idx, "Gather", what: "indices")[0])])
            }
            guard idx.rank == 1, idx.count >= 1 else {
                throw OpError("Gather", "indices must be a scalar or a non-empty vector, got \(Shape.describe(idx.shape))")
            }
            let picked = try ints(idx, "Gather", what: "indices").map { try x[0].index(whole + [.index($0)]) }
            return try Variable.stack(picked, axis: ax)
        case .unsqueeze(let axes):
            try arity(op, x.count, 1...1)
            return try x[0].reshape(unsqueezeShape(x[0].shape, axes))
        case .squeeze(let axes):
            try arity(op, x.count, 1...1)
            return try x[0].reshape(squeezeAxes(x[0].shape, axes))
        case .globalMaxPool:
            try arity(op, x.count, 1...1)
            return try Variable.globalMaxPool(x[0])
        }
    }

    // MARK: shape inference

    static func infer(_ op: GraphModel.Op, _ x: [Known]) throws -> Known {
        func same() throws -> Known { try arity(op, x.count, 1...1); return Known(shape: x[0].shape, values: nil) }
        switch op {
        case .layer(let m):
            try arity(op, x.count, 1...1)
            return Known(shape: try m.outputShape(for: x[0].shape), values: nil)
        case .binary(let b):
            try arity(op, x.count, 2...2)
            let shape = try Shape.broadcast(x[0].shape, x[1].shape, op: op.name)
            var values: [Int]? = nil
            if let u = x[0].values, let v = x[1].values, u.count == v.count, shape.count <= 1 {
                switch b {
                case .add: values = zip(u, v).map { $0 + $1 }
                case .sub: values = zip(u, v).map { $0 - $1 }
                case .mul: values = zip(u, v).map { $0 &* $1 }
                default: values = nil
                }
            }
            return Known(shape: shape, values: values)
        case .matmul:
            try arity(op, x.count, 2...2)
            let a = x[0].shape, b = x[1].shape
            guard a.count >= 1, b.count >= 1 else { throw OpError("MatMul", "needs inputs of rank ≥ 1, got \(Shape.describe(a)) and \(Shape.describe(b))") }
            let a2 = a.count == 1 ? [1] + a : a, b2 = b.count == 1 ? b + [1] : b
            guard a2[a2.count - 1] == b2[b2.count - 2] else {
                throw OpError("MatMul", "inner sizes differ: \(Shape.describe(a)) × \(Shape.describe(b))")
            }
            var out = try Shape.broadcast(Array(a2.dropLast(2)), Array(b2.dropLast(2)), op: "MatMul")
            if a.count > 1 { out.append(a2[a2.count - 2]) }
            if b.count > 1 { out.append(b2[b2.count - 1]) }
            return Known(shape: out, values: nil)
        case .gemm(let ta, let tb, _, _):
            try arity(op, x.count, 2...3)
            let a = x[0].shape, b = x[1].shape
            guard a.count == 2, b.count == 2 else { throw OpError("Gemm", "needs two matrices, got \(Shape.describe(a)) and \(Shape.describe(b))") }
            let (m, k) = ta ? (a[1], a[0]) : (a[0], a[1])
            let (k2, n) = tb ? (b[1], b[0]) : (b[0], b[1])
            guard k == k2 else { throw OpError("Gemm", "inner sizes differ: \(k) vs \(k2) (A \(Shape.describe(a)), B \(Shape.describe(b)))") }
            if x.count == 3 { _ = try Shape.broadcast([m, n], x[2].shape, op: "Gemm") }
            return Known(shape: [m, n], values: nil)
        case .concat(let a):
            guard let first = x.first else { throw OpError("Concat", "needs at least one input") }
            let ax = try axis(a, rank: first.shape.count, "Concat")
            var shape = first.shape
            for k in x.dropFirst() {
                guard k.shape.count == shape.count,
                      k.shape.indices.allSatisfy({ $0 == ax || k.shape[$0] == shape[$0] }) else {
                    throw OpError("Concat", "shapes \(x.map { Shape.describe($0.shape) }.joined(separator: ", ")) differ off axis \(ax)")
                }
                shape[ax] += k.shape[ax]
            }
            let values = x.allSatisfy({ $0.values != nil }) && shape.count == 1 ? x.flatMap { $0.values ?? [] } : nil
            return Known(shape: shape, values: values)
        case .reshape:
            try arity(op, x.count, 2...2)
            guard let target = x[1].values else {
                throw OpError("Reshape", "the target shape is computed from data, not from shapes; cannot infer it")
            }
            return Known(shape: try reshapeTarget(x[0].shape, target), values: nil)
        case .transpose(let perm):
            try arity(op, x.count, 1...1)
            let p = perm.isEmpty ? Array((0..<x[0].shape.count).reversed()) : perm
            guard p.count == x[0].shape.count, Set(p) == Set(0..<p.count) else {
                throw OpError("Transpose", "perm \(perm) does not fit rank \(x[0].shape.count)")
            }
            return Known(shape: p.map { x[0].shape[$0] }, values: nil)
        case .flatten(let a):
            try arity(op, x.count, 1...1)
            return Known(shape: try onnxFlatten(x[0].shape, axis: a), values: nil)
        case .pad(let pads, _):
            try arity(op, x.count, 1...1)
            let r = x[0].shape.count
            guard pads.count == 2 * r, pads.allSatisfy({ $0 >= 0 }) else {
                throw OpError("Pad", "needs \(2 * r) non-negative pads for rank \(r), got \(pads)")
            }
            return Known(shape: x[0].shape.indices.map { x[0].shape[$0] + pads[$0] + pads[$0 + r] }, values: nil)
        case .clip: return try same()
        case .identity:
            try arity(op, x.count, 1...1)
            return x[0]
        case .prelu:
            try arity(op, x.count, 2...2)
            return Known(shape: try Shape.broadcast(x[0].shape, x[1].shape, op: "PRelu"), values: nil)
        case .shape:
            try arity(op, x.count, 1...1)
            return Known(shape: [x[0].shape.count], values: x[0].shape)
        case .gather(let a):
            try arity(op, x.count, 2...2)
            let data = x[0].shape
            let ax = try axis(a, rank: data.count, "Gather")
            guard let idx = x[1].values, x[1].shape.count <= 1 else {
                throw OpError("Gather", "indices must be a known scalar or vector")
            }
            for i in idx where i < -data[ax] || i >= data[ax] {
                throw OpError("Gather", "index \(i) is out of range for axis \(ax) of size \(data[ax])")
            }
            let shape = Array(data[..<ax]) + x[1].shape + Array(data[(ax + 1)...])
            var values: [Int]? = nil
            if let v = x[0].values, data.count == 1, v.count == data[0] { values = idx.map { v[$0 < 0 ? $0 + v.count : $0] } }
            return Known(shape: shape, values: values)
        case .unsqueeze(let axes):
            try arity(op, x.count, 1...1)
            return Known(shape: try unsqueezeShape(x[0].shape, axes), values: x[0].values)
        case .squeeze(let axes):
            try arity(op, x.count, 1...1)
            return Known(shape: try squeezeAxes(x[0].shape, axes), values: x[0].values)
        case .globalMaxPool:
            try arity(op, x.count, 1...1)
            guard x[0].shape.count >= 3 else { throw OpError("GlobalMaxPool", "needs N×C×H×W, got \(Shape.describe(x[0].shape))") }
            return Known(shape: x[0].shape.dropLast(2) + [1, 1], values: nil)
        }
    }
}
