import CNNKit
import Foundation

extension Builtins {
    /// `abs exp log sqrt`: a number gives a number, a tensor a tensor.
    private static func elementwise(_ name: String, _ op: UnaryOp, _ summary: String, _ scalar: @escaping (Double) -> Double) -> Builtin {
        Builtin(
            name: name, group: .math, summary: summary,
            parameters: [.required("x", "a number or a tensor")],
            shapes: "x → same shape",
            example: "\(name)(tensor([1, 4, 9]))",
            body: { a, _ in
                if case .number(let n) = a["x"] { return .number(scalar(n)) }
                return .tensor(try a.variable("x").unary(op))
            })
    }

    /// `sum mean max min std`: over every element, or over `axis:` (one axis or a list).
    private static func reduction(_ name: String, _ summary: String,
                                  _ reduce: @escaping (Variable, [Int]?, Bool) throws -> Variable) -> Builtin {
        Builtin(
            name: name, group: .math, summary: summary,
            parameters: [.required("x", "a tensor"),
                         .labeled("axis", .none, shown: "", "one axis or a list of axes (default: all)"),
                         .labeled("keepdims", .bool(false), "keep reduced axes as size 1")],
            shapes: "2×3, axis:1 → 2 (keepdims: 2×1); no axis → a single value",
            example: "\(name)(tensor([[1, 2, 3], [4, 5, 6]]), axis:1)",
            body: { a, _ in
                .tensor(try reduce(try a.variable("x"), try a.axes("axis"), try a.bool("keepdims")))
            })
    }

    static let math: [Builtin] = [
        elementwise("abs", .abs, "Absolute value, elementwise.") { Swift.abs($0) },
        elementwise("exp", .exp, "e to the power x, elementwise.") { Foundation.exp($0) },
        elementwise("log", .log, "Natural logarithm, elementwise.") { Foundation.log($0) },
        elementwise("sqrt", .sqrt, "Square root, elementwise.") { Foundation.sqrt($0) },
        elementwise("floor", .floor, "Rounds down to a whole number, elementwise: floor(7 / 2) is 3.") { $0.rounded(.down) },
        elementwise("ceil", .ceil, "Rounds up to a whole number, elementwise.") { $0.rounded(.up) },
        elementwise("round", .round, "Rounds to the nearest whole number, halves to even (as NumPy).") { $0.rounded(.toNearestOrEven) },
        Builtin(
            name: "clip", group: .math,
            summary: "Limits values to [min, max]; either bound may be left out.",
            parameters: [.required("x", "a tensor"),
                         .labeled("min", .none, shown: "", "the lower bound"),
                         .labeled("max", .none, shown: "", "the upper bound")],
            shapes: "x → same shape",
            example: "clip(tensor([-2, 0.5, 3]), min:0, max:1)",
            body: { a, _ in
                let lo = try a.optionalNumber("min").map(Float.init)
                let hi = try a.optionalNumber("max").map(Float.init)
                if let lo, let hi, lo > hi {
                    throw RuntimeError("clip: min: \(Value.formatNumber(Double(lo))) is greater than max: \(Value.formatNumber(Double(hi)))")
                }
                return .tensor(try a.variable("x").clip(min: lo, max: hi))
            }),
        reduction("sum", "Sum of the elements.", { try $0.sum(axes: $1, keepdims: $2) }),
        reduction("mean", "Mean of the elements.", { try $0.mean(axes: $1, keepdims: $2) }),
        reduction("max", "Largest element.", { try $0.max(axes: $1, keepdims: $2) }),
        reduction("min", "Smallest element.", { try $0.min(axes: $1, keepdims: $2) }),
        reduction("std", "Standard deviation (population, NumPy's default ddof=0).", { try $0.std(axes: $1, keepdims: $2) }),
        Builtin(
            name: "argmax", group: .math,
            summary: "Index of the largest element along axis:, or in the flattened tensor.",
            parameters: [.required("x", "a tensor"),
                         .labeled("axis", .none, shown: "", "the axis (default: the flattened tensor)"),
                         .labeled("keepdims", .bool(false), "keep the reduced axis as size 1")],
            shapes: "N×K, axis:1 → N",
            example: "argmax(tensor([[1, 9, 3], [7, 2, 5]]), axis:1)",
            body: { a, _ in .tensor(try a.tensor("x").argmax(axis: try a.optionalInt("axis"), keepdims: try a.bool("keepdims"))) }),
        Builtin(
            name: "maximum", group: .math,
            summary: "Elementwise larger of two tensors, broadcasting like NumPy.",
            parameters: [.required("a", "a tensor or number"), .required("b", "a tensor or number")],
            shapes: "broadcast(a, b)",
            example: "maximum(tensor([1, 5]), 3)",
            body: { a, _ in
                .tensor(try Variable.binary(.maximum, try a.variable("a"), try a.variable("b")))
            }),
        Builtin(
            name: "minimum", group: .math,
            summary: "Elementwise smaller of two tensors, broadcasting like NumPy.",
            parameters: [.required("a", "a tensor or number"), .required("b", "a tensor or number")],
            shapes: "broadcast(a, b)",
            example: "minimum(tensor([1, 5]), 3)",
            body: { a, _ in
                .tensor(try Variable.binary(.minimum, try a.variable("a"), try a.variable("b")))
            }),
        Builtin(
            name: "matmul", group: .math,
            summary: "Matrix product with NumPy's rules (1-D, 2-D, and batched with broadcasting); a @ b does the same.",
            parameters: [.required("a", "a tensor"), .required("b", "a tensor")],
            shapes: "…×n×k, …×k×m → …×n×m",
            example: "matmul(eye(2), tensor([[1, 2], [3, 4]]))",
            body: { a, _ in
                .tensor(try Variable.matmul(try a.variable("a"), try a.variable("b")))
            }),
    ]
}
