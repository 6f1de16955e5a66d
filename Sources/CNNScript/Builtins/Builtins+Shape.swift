import CNNKit

extension Builtins {
    static let shape: [Builtin] = [
        Builtin(
            name: "shape", group: .shape,
            summary: "The dimensions of a tensor, as a list (the same as x.shape).",
            parameters: [.required("x", "a tensor")],
            shapes: "x → [dims]",
            example: "shape(zeros(2, 3))",
            body: { a, _ in Convert.list(try a.tensor("x").shape) }),
        Builtin(
            name: "reshape", group: .shape,
            summary: "The same values under a new shape; one dimension may be -1 and is then inferred.",
            parameters: [.required("x", "a tensor"), .variadic("shape", "the new dimensions: reshape(x, [2, -1]) or reshape(x, 2, -1)")],
            shapes: "x → shape (same element count)",
            example: "reshape(arange(6), [2, -1])",
            body: { a, _ in
                let dims: [Int]
                if a.rest.count == 1, let list = Convert.ints(a.rest[0].value) { dims = list } else {
                    dims = try a.rest.map { item in
                        guard let i = Convert.int(item.value) else {
                            throw RuntimeError("reshape: shape: expected integers or one list of integers, got \(item.value.brief)", at: item.pos)
                        }
                        return i
                    }
                }
                guard !a.rest.isEmpty else { throw RuntimeError("reshape: missing argument 'shape' — reshape(x, [dims])") }
                return .tensor(try a.variable("x").reshape(dims))
            }),
        Builtin(
            name: "transpose", group: .shape,
            summary: "Reverses the axes (a matrix's transpose); x.T does the same.",
            parameters: [.required("x", "a tensor")],
            shapes: "d0×…×dn → dn×…×d0",
            example: "transpose(reshape(arange(6), [2, 3]))",
            body: { a, _ in .tensor(try a.variable("x").transposed()) }),
        Builtin(
            name: "permute", group: .shape,
            summary: "Reorders the axes: result axis i is input axis axes[i].",
            parameters: [.required("x", "a tensor"), .variadic("axes", "a permutation of 0..<rank: permute(x, [0, 2, 3, 1])")],
            shapes: "N×C×H×W, [0, 2, 3, 1] → N×H×W×C",
            example: "permute(zeros(1, 3, 4, 5), [0, 2, 3, 1])",
            body: { a, _ in
                let axes = try a.shapeFromRestAllowingNegative("axes")
                return .tensor(try a.variable("x").permute(axes))
            }),
        Builtin(
            name: "squeeze", group: .shape,
            summary: "Removes an axis of size 1, or every axis of size 1 when axis: is not given.",
            parameters: [.required("x", "a tensor"), .labeled("axis", .none, shown: "", "the axis to remove (it must have size 1)")],
            shapes: "1×3×1×5 → 3×5",
            example: "squeeze(zeros(1, 3, 1, 5))",
            body: { a, _ in .tensor(try a.variable("x").squeeze(axis: try a.optionalInt("axis"))) }),
        Builtin(
            name: "unsqueeze", group: .shape,
            summary: "Inserts an axis of size 1 at position axis.",
            parameters: [.required("x", "a tensor"), .required("axis", "where the new axis goes (negative counts from the end)")],
            shapes: "3×5, 0 → 1×3×5",
            example: "unsqueeze(zeros(3, 5), 0)",
            body: { a, _ in .tensor(try a.variable("x").unsqueeze(axis: try a.int("axis"))) }),
        Builtin(
            name: "concat", group: .shape,
            summary: "Joins tensors along an existing axis; the other dimensions must agree.",
            parameters: [.required("tensors", "a list of tensors, [a, b, …]"), .labeled("axis", .number(0), "the axis to join along")],
            shapes: "2×3, 4×3 → 6×3 (axis 0)",
            example: "concat([zeros(2, 3), ones(4, 3)], axis:0)",
            body: { a, _ in .tensor(try Variable.concat(try a.variables("tensors"), axis: try a.int("axis"))) }),
        Builtin(
            name: "stack", group: .shape,
            summary: "Joins equal-shaped tensors along a new axis.",
            parameters: [.required("tensors", "a list of tensors, [a, b, …]"), .labeled("axis", .number(0), "where the new axis goes")],
            shapes: "n × (2×3) → n×2×3 (axis 0)",
            example: "stack([zeros(2, 3), ones(2, 3)], axis:0)",
            body: { a, _ in .tensor(try Variable.stack(try a.variables("tensors"), axis: try a.int("axis"))) }),
        Builtin(
            name: "pad", group: .shape,
            summary: "Pads with a constant: p, [ph, pw] or [top, left, bottom, right] pad the last two axes; 2·rank values pad every axis ONNX-style [begin…, end…].",
            parameters: [.required("x", "a tensor"), .required("pads", "the padding sizes (≥ 0)"),
                         .labeled("value", .number(0), "the fill value")],
            shapes: "H×W, 1 → (H+2)×(W+2)",
            example: "pad(ones(2, 2), 1)",
            body: { a, _ in .tensor(try a.variable("x").pad(try a.ints("pads"), value: try a.float("value"))) }),
    ]
}

extension BoundArguments {
    /// Integers given as one list or as the variadic arguments, negative values allowed (axes).
    func shapeFromRestAllowingNegative(_ name: String) throws -> [Int] {
        if rest.count == 1, let list = Convert.ints(rest[0].value) { return list }
        return try rest.map { item in
            guard let i = Convert.int(item.value) else {
                throw RuntimeError("\(function): \(name): expected integers or one list of integers, got \(item.value.brief)", at: item.pos)
            }
            return i
        }
    }
}
