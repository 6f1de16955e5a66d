/// A dense float32 tensor of any rank, stored contiguously in row-major (C) order.
///
/// `scalars` is a Swift array, so a `Tensor` is a value with copy-on-write storage: assigning one to
/// another variable shares the buffer until either side writes. A rank-0 tensor (`shape == []`) holds
/// one scalar.
public struct Tensor: Equatable, Sendable {
    public private(set) var shape: [Int]
    public var scalars: [Float]

    /// Builds a tensor from a shape and its scalars in row-major order; throws when they disagree.
    public init(shape: [Int], scalars: [Float]) throws {
        let count = try Shape.elementCount(shape, op: "tensor")
        guard count == scalars.count else {
            throw OpError("tensor", "shape \(Shape.describe(shape)) needs \(count) values, got \(scalars.count)")
        }
        self.shape = shape
        self.scalars = scalars
    }

    /// Internal fast path for kernels whose output shape has already been validated.
    init(unchecked shape: [Int], scalars: [Float]) {
        self.shape = shape
        self.scalars = scalars
    }

    /// A tensor of `shape` filled with `value`; throws on a negative or too large shape.
    public init(shape: [Int], repeating value: Float) throws {
        let count = try Shape.elementCount(shape, op: "full")
        self.init(unchecked: shape, scalars: [Float](repeating: value, count: count))
    }

    /// A rank-0 tensor holding one value.
    public init(_ value: Float) {
        self.init(unchecked: [], scalars: [value])
    }

    /// A rank-1 tensor holding `values`.
    public init(_ values: [Float]) {
        self.init(unchecked: [values.count], scalars: values)
    }

    public var rank: Int { shape.count }
    public var count: Int { scalars.count }

    /// The single value of a one-element tensor, or nil.
    public var scalarValue: Float? { scalars.count == 1 ? scalars[0] : nil }

    /// Row-major strides of a contiguous tensor with this shape.
    public var strides: [Int] { Shape.strides(shape) }

    /// Same scalars under another shape; the element counts must match (callers check).
    func reshaped(unchecked newShape: [Int]) -> Tensor {
        Tensor(unchecked: newShape, scalars: scalars)
    }
}

/// Shape arithmetic shared by every op.
public enum Shape {
    /// `61,706`: digits grouped by thousands, as printouts show parameter and operation counts.
    public static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out += "," }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    /// The largest tensor the engine will allocate: 2^31 float32 values (8 GiB). Anything a user types or
    /// a file declares is checked against it before memory is reserved.
    public static let maxElements = 1 << 31

    /// The number of elements of `shape`, or a typed error when a dimension is negative or the total
    /// overflows `maxElements`.
    public static func elementCount(_ shape: [Int], op: String) throws -> Int {
        var total = 1
        for d in shape {
            guard d >= 0 else {
                throw OpError(op, "shape \(describe(shape)) has a negative dimension")
            }
            let (p, overflow) = total.multipliedReportingOverflow(by: d)
            guard !overflow, p <= maxElements else {
                throw OpError(op, "shape \(describe(shape)) has too many elements (limit \(maxElements))")
            }
            total = p
        }
        return total
    }

    public static func strides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[i] = acc
            acc *= shape[i]
        }
        return strides
    }

    /// `2×3×4`, the way shapes appear in messages and headers; `[]` for a scalar.
    public static func describe(_ shape: [Int]) -> String {
        shape.isEmpty ? "[]" : shape.map(String.init).joined(separator: "×")
    }

    /// Turns a possibly negative axis into 0..<rank, or throws naming the op.
    public static func normalizeAxis(_ axis: Int, rank: Int, op: String) throws -> Int {
        let a = axis < 0 ? axis + rank : axis
        guard a >= 0, a < max(rank, 1) else {
            throw OpError(op, "axis \(axis) is out of range for a tensor of rank \(rank)")
        }
        return a
    }
}
