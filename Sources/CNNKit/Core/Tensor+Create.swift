import Foundation

// Tensor creation: constant fills, random fills, ranges and identity matrices. Every shape goes through
// `Shape.elementCount`, so a negative or too large shape is an `OpError` naming the op, never a crash.

extension Tensor {
    /// A tensor of `shape` filled with 0.
    public static func zeros(_ shape: [Int]) throws -> Tensor {
        try filled(shape, 0, op: "zeros")
    }

    /// A tensor of `shape` filled with 1.
    public static func ones(_ shape: [Int]) throws -> Tensor {
        try filled(shape, 1, op: "ones")
    }

    /// A tensor of `shape` filled with `value`.
    public static func full(_ shape: [Int], value: Float) throws -> Tensor {
        try filled(shape, value, op: "full")
    }

    static func filled(_ shape: [Int], _ value: Float, op: String) throws -> Tensor {
        let n = try Shape.elementCount(shape, op: op)
        return Tensor(unchecked: shape, scalars: [Float](repeating: value, count: n))
    }

    /// Uniform values in [0, 1), drawn from `rng` in row-major order (PyTorch's `torch.rand`).
    public static func rand(_ shape: [Int], using rng: inout RandomSource) throws -> Tensor {
        let n = try Shape.elementCount(shape, op: "rand")
        var values = [Float](repeating: 0, count: n)
        for i in 0..<n { values[i] = rng.nextFloat() }
        return Tensor(unchecked: shape, scalars: values)
    }

    /// Standard normal values (mean 0, variance 1), drawn from `rng` in row-major order (`torch.randn`).
    public static func randn(_ shape: [Int], using rng: inout RandomSource) throws -> Tensor {
        let n = try Shape.elementCount(shape, op: "randn")
        var values = [Float](repeating: 0, count: n)
        for i in 0..<n { values[i] = rng.nextNormal() }
        return Tensor(unchecked: shape, scalars: values)
    }

    /// Values `start, start+step, …` stopping before `end`, as NumPy's `arange`: the count is
    /// `ceil((end - start) / step)` (0 when negative), element i is `start + i·step` computed in Double.
    /// Throws on a zero or non-finite step, non-finite bounds, or a count over `Shape.maxElements`.
    public static func arange(_ start: Float, _ end: Float, step: Float = 1) throws -> Tensor {
        guard start.isFinite, end.isFinite else {
            throw OpError("arange", "bounds must be finite, got start \(start), end \(end)")
        }
        guard step.isFinite, step != 0 else {
            throw OpError("arange", "step must be a finite non-zero number, got \(step)")
        }
        let s = Double(start), st = Double(step)
        let exact = ((Double(end) - s) / st).rounded(.up)
        guard exact <= Double(Shape.maxElements) else {
            throw OpError("arange", "\(start) to \(end) by \(step) gives \(exact) values (limit \(Shape.maxElements))")
        }
        let n = exact > 0 ? Int(exact) : 0  // exact may be -inf for a tiny step the wrong way
        var values = [Float](repeating: 0, count: n)
        for i in 0..<n { values[i] = Float(s + Double(i) * st) }
        return Tensor(unchecked: [n], scalars: values)
    }

    /// `count` evenly spaced values from `start` to `end`, both included (NumPy's `linspace` with
    /// `endpoint=True`). `count` 0 gives an empty tensor and 1 gives `[start]`; the last value is exactly
    /// `end`.
    public static func linspace(_ start: Float, _ end: Float, count: Int) throws -> Tensor {
        guard count >= 0 else {
            throw OpError("linspace", "count must not be negative, got \(count)")
        }
        _ = try Shape.elementCount([count], op: "linspace")
        guard start.isFinite, end.isFinite else {
            throw OpError("linspace", "bounds must be finite, got start \(start), end \(end)")
        }
        var values = [Float](repeating: start, count: count)
        if count > 1 {
            let s = Double(start)
            let delta = (Double(end) - s) / Double(count - 1)
            for i in 1..<count { values[i] = Float(s + Double(i) * delta) }
            values[count - 1] = end
        }
        return Tensor(unchecked: [count], scalars: values)
    }

    /// An `n×m` matrix (`m` defaults to `n`) with ones on the main diagonal and zeros elsewhere.
    public static func eye(_ n: Int, _ m: Int? = nil) throws -> Tensor {
        let cols = m ?? n
        let count = try Shape.elementCount([n, cols], op: "eye")
        var values = [Float](repeating: 0, count: count)
        for i in 0..<Swift.min(n, cols) { values[i * cols + i] = 1 }
        return Tensor(unchecked: [n, cols], scalars: values)
    }
}
