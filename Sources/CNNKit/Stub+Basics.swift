// TEMPORARY interface stub so that parallel work compiles; its owner replaces it with real code in files
// of their own and deletes this file.

// MARK: - H1 (basics): creation, random, elementwise, reductions, shape, indexing, matmul

/// A seeded pseudo-random generator (deterministic across runs and platforms).
public struct RandomSource: Sendable {
    public init(seed: UInt64) {}
    public mutating func nextUInt64() -> UInt64 { 0 }
    /// Uniform in [0, 1).
    public mutating func nextFloat() -> Float { 0 }
    /// Standard normal.
    public mutating func nextNormal() -> Float { 0 }
}

public enum BinaryOp: String, Sendable { case add = "+", sub = "-", mul = "*", div = "/", pow = "**",
    maximum = "maximum", minimum = "minimum", eq = "==", ne = "!=", lt = "<", le = "<=", gt = ">", ge = ">=" }
public enum UnaryOp: String, Sendable { case neg, abs, exp, log, sqrt }

/// One item of an index expression `x[0, 1:3, ::2, -1]`.
public enum IndexItem: Equatable, Sendable {
    case index(Int)
    case slice(start: Int?, end: Int?, step: Int?)
}

extension Tensor {
    public static func zeros(_ shape: [Int]) throws -> Tensor { throw OpError("zeros", "not implemented") }
    public static func ones(_ shape: [Int]) throws -> Tensor { throw OpError("ones", "not implemented") }
    public static func full(_ shape: [Int], value: Float) throws -> Tensor { throw OpError("full", "not implemented") }
    public static func rand(_ shape: [Int], using rng: inout RandomSource) throws -> Tensor { throw OpError("rand", "not implemented") }
    public static func randn(_ shape: [Int], using rng: inout RandomSource) throws -> Tensor { throw OpError("randn", "not implemented") }
    public static func arange(_ start: Float, _ end: Float, step: Float = 1) throws -> Tensor { throw OpError("arange", "not implemented") }
    public static func linspace(_ start: Float, _ end: Float, count: Int) throws -> Tensor { throw OpError("linspace", "not implemented") }
    public static func eye(_ n: Int, _ m: Int? = nil) throws -> Tensor { throw OpError("eye", "not implemented") }

    /// Elementwise with NumPy broadcasting; comparisons give 1 or 0.
    public static func binary(_ op: BinaryOp, _ a: Tensor, _ b: Tensor) throws -> Tensor { throw OpError(op.rawValue, "not implemented") }
    public func unary(_ op: UnaryOp) -> Tensor { self }
    public func clip(min: Float?, max: Float?) -> Tensor { self }

    /// Reductions over `axes` (nil: all), keeping reduced axes as size 1 when `keepdims`.
    public func sum(axes: [Int]? = nil, keepdims: Bool = false) throws -> Tensor { throw OpError("sum", "not implemented") }
    public func mean(axes: [Int]? = nil, keepdims: Bool = false) throws -> Tensor { throw OpError("mean", "not implemented") }
    public func max(axes: [Int]? = nil, keepdims: Bool = false) throws -> Tensor { throw OpError("max", "not implemented") }
    public func min(axes: [Int]? = nil, keepdims: Bool = false) throws -> Tensor { throw OpError("min", "not implemented") }
    public func std(axes: [Int]? = nil, keepdims: Bool = false) throws -> Tensor { throw OpError("std", "not implemented") }
    /// Index of the largest value along `axis` (nil: of the flattened tensor), as float values.
    public func argmax(axis: Int? = nil, keepdims: Bool = false) throws -> Tensor { throw OpError("argmax", "not implemented") }

    /// `-1` allowed once.
    public func reshape(_ shape: [Int]) throws -> Tensor { throw OpError("reshape", "not implemented") }
    /// Reverses the axes.
    public func transposed() -> Tensor { self }
    public func permute(_ axes: [Int]) throws -> Tensor { throw OpError("permute", "not implemented") }
    /// Removes `axis` (must be size 1), or every size-1 axis when nil.
    public func squeeze(axis: Int? = nil) throws -> Tensor { throw OpError("squeeze", "not implemented") }
    public func unsqueeze(axis: Int) throws -> Tensor { throw OpError("unsqueeze", "not implemented") }
    public static func concat(_ tensors: [Tensor], axis: Int = 0) throws -> Tensor { throw OpError("concat", "not implemented") }
    public static func stack(_ tensors: [Tensor], axis: Int = 0) throws -> Tensor { throw OpError("stack", "not implemented") }
    /// `pads`: 1, 2 or 4 values pad the last two axes like conv's `pad:`; `2·rank` values pad every axis
    /// ONNX-style `[begin…, end…]`.
    public func pad(_ pads: [Int], value: Float = 0) throws -> Tensor { throw OpError("pad", "not implemented") }
    public func index(_ items: [IndexItem]) throws -> Tensor { throw OpError("index", "not implemented") }

    /// NumPy `matmul`: 1-D and 2-D operands, and batched with broadcasting of leading axes.
    public static func matmul(_ a: Tensor, _ b: Tensor) throws -> Tensor { throw OpError("matmul", "not implemented") }
}

