// x: N×C×H×W → N×C×1×1   (C×H×W → C×1×1, H×W → 1×1)
// flatten: d0×…×d(k-1)×dk×…×d(n-1) → d0×…×d(k-1)×(dk·…·d(n-1))

extension Tensor {
    /// Global average pooling: the mean of each H×W plane. Keeps N×C×1×1 like ONNX GlobalAveragePool
    /// and PyTorch's `adaptive_avg_pool2d(x, 1)`.
    public static func globalAvgPool(_ x: Tensor) throws -> Tensor {
        try globalPool(x, op: "gavgpool") { p, n in
            var sum: Float = 0
            for i in 0..<n { sum += p[i] }
            return sum / Float(n)
        }
    }

    /// Global max pooling: the maximum of each H×W plane (NaN propagates), N×C×1×1.
    public static func globalMaxPool(_ x: Tensor) throws -> Tensor {
        try globalPool(x, op: "gmaxpool") { p, n in
            var m = -Float.infinity
            for i in 0..<n { m = scalarNanMax(m, p[i]) }
            return m
        }
    }

    private static func globalPool(_ x: Tensor, op: String,
                                   _ reduce: (UnsafePointer<Float>, Int) -> Float) throws -> Tensor {
        let planes = try ImageBatch(x.shape, op: op)
        guard planes.h >= 1, planes.w >= 1 else {
            throw OpError(op, "input plane \(planes.h)×\(planes.w) is empty")
        }
        let size = planes.h * planes.w
        var out = [Float](repeating: 0, count: planes.planes)
        x.scalars.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                guard let s = src.baseAddress, let d = dst.baseAddress else { return }
                parallelFor(planes.planes, minChunk: 16) { i in d[i] = reduce(s + i * size, size) }
            }
        }
        return Tensor(unchecked: planes.shape(channels: planes.c, size: Size2(1, 1)), scalars: out)
    }

    /// Keeps the axes before `axis` and multiplies the rest into one: `flatten(axis: 1)` turns N×C×H×W
    /// into N×(C·H·W), as PyTorch's `flatten(1)`. `axis: 0` gives 1×total, like ONNX Flatten; `axis`
    /// may be negative (counted from the end) and may equal the rank (a trailing axis of size 1).
    public func flatten(axis: Int = 1) throws -> Tensor {
        let a = axis < 0 ? axis + rank : axis
        guard a >= 0, a <= rank else {
            throw OpError("flatten", "axis \(axis) is out of range for a tensor of rank \(rank) (allowed \(-rank)…\(rank))")
        }
        // With a zero elsewhere in the shape, the other axes' product may overflow.
        var tail = 1
        for d in shape[a...] {
            let (p, overflow) = tail.multipliedReportingOverflow(by: d)
            guard !overflow else { throw OpError("flatten", "flattening \(Shape.describe(shape)) from axis \(axis) overflows") }
            tail = p
        }
        let head = a == 0 ? [1] : Array(shape[..<a])
        return reshaped(unchecked: head + [tail])
    }
}
