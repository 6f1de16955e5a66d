import CNNKit

extension Builtins {
    static let create: [Builtin] = [
        Builtin(
            name: "tensor", group: .create,
            summary: "A tensor from a number, a bracketed list of numbers, or a list of equal-shaped tensors.",
            parameters: [.required("values", "a number, [nested lists of numbers] or a list of tensors (stacked)")],
            shapes: "[[1, 2], [3, 4]] → 2×2",
            example: "tensor([[1, 2], [3, 4]])",
            body: { a, _ in .tensor(try a.tensor("values")) }),
        Builtin(
            name: "zeros", group: .create,
            summary: "A tensor of zeros.",
            parameters: [.variadic("shape", "the dimensions, as zeros(2, 3) or zeros([2, 3])")],
            shapes: "→ shape",
            example: "zeros(2, 3)",
            body: { a, _ in .tensor(try Tensor.zeros(try a.shapeFromRest("shape"))) }),
        Builtin(
            name: "ones", group: .create,
            summary: "A tensor of ones.",
            parameters: [.variadic("shape", "the dimensions, as ones(2, 3) or ones([2, 3])")],
            shapes: "→ shape",
            example: "ones(1, 1, 3, 3)",
            body: { a, _ in .tensor(try Tensor.ones(try a.shapeFromRest("shape"))) }),
        Builtin(
            name: "full", group: .create,
            summary: "A tensor of shape filled with value.",
            parameters: [.required("shape", "the dimensions, e.g. [2, 3]"), .required("value", "the fill value")],
            shapes: "→ shape",
            example: "full([2, 3], 7)",
            body: { a, _ in .tensor(try Tensor.full(try a.ints("shape"), value: try a.float("value"))) }),
        Builtin(
            name: "rand", group: .create,
            summary: "Uniform random values in [0, 1), from the session's generator or a fresh one seeded by seed:.",
            parameters: [.variadic("shape", "the dimensions, as rand(2, 3) or rand([2, 3])"),
                         .labeled("seed", .none, shown: "", "an integer for a reproducible draw that leaves the session's generator alone")],
            shapes: "→ shape",
            example: "rand(2, 3, seed:1)",
            body: { a, i in
                let shape = try a.shapeFromRest("shape")
                return try i.withRandom(a) { rng in .tensor(try Tensor.rand(shape, using: &rng)) }
            }),
        Builtin(
            name: "randn", group: .create,
            summary: "Standard normal random values, from the session's generator or a fresh one seeded by seed:.",
            parameters: [.variadic("shape", "the dimensions, as randn(2, 3) or randn([2, 3])"),
                         .labeled("seed", .none, shown: "", "an integer for a reproducible draw that leaves the session's generator alone")],
            shapes: "→ shape",
            example: "randn(1, 1, 4, 4, seed:42)",
            body: { a, i in
                let shape = try a.shapeFromRest("shape")
                return try i.withRandom(a) { rng in .tensor(try Tensor.randn(shape, using: &rng)) }
            }),
        Builtin(
            name: "arange", group: .create,
            summary: "Evenly spaced values in [start, end): arange(end) or arange(start, end, step), as NumPy.",
            parameters: [.required("start", "the first value (or the end, when given alone)"),
                         .optional("end", "the end, excluded"),
                         .positional("step", .number(1), "the spacing (may be negative)")],
            shapes: "→ n",
            example: "arange(16) |> reshape([1, 1, 4, 4])",
            body: { a, _ in
                let first = try a.float("start")
                guard let end = try a.optionalNumber("end") else {
                    return .tensor(try Tensor.arange(0, first, step: try a.float("step")))
                }
                return .tensor(try Tensor.arange(first, Float(end), step: try a.float("step")))
            }),
        Builtin(
            name: "linspace", group: .create,
            summary: "n evenly spaced values from start to end, both included (NumPy's linspace).",
            parameters: [.required("start", "the first value"), .required("end", "the last value"),
                         .positional("n", .number(50), "how many values")],
            shapes: "→ n",
            example: "linspace(0, 1, 5)",
            body: { a, _ in
                let n = try a.int("n")
                guard n >= 0 else { throw a.fail("n", "a count ≥ 0", got: a["n"]) }
                return .tensor(try Tensor.linspace(try a.float("start"), try a.float("end"), count: n))
            }),
        Builtin(
            name: "eye", group: .create,
            summary: "An identity matrix, n×n or n×m.",
            parameters: [.required("n", "rows"), .optional("m", "columns (default n)")],
            shapes: "→ n×m",
            example: "eye(3)",
            body: { a, _ in .tensor(try Tensor.eye(try a.int("n"), try a.optionalInt("m"))) }),
    ]
}

extension Interpreter {
    /// Runs `body` with the generator a random builtin should use: a fresh one for `seed:`, else the
    /// session's, which advances.
    func withRandom(_ a: BoundArguments, _ body: (inout RandomSource) throws -> Value) throws -> Value {
        if a.isGiven("seed") {
            let s = try a.int("seed")
            var rng = RandomSource(seed: UInt64(bitPattern: Int64(s)))
            return try body(&rng)
        }
        return try body(&session.rng)
    }
}
