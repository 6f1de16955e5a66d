/// A height × width pair: kernel sizes, strides, dilations, spatial sizes.
public struct Size2: Equatable, Hashable, Sendable, CustomStringConvertible {
    public var h: Int
    public var w: Int
    public init(_ h: Int, _ w: Int) { self.h = h; self.w = w }
    public init(_ both: Int) { self.init(both, both) }
    public var description: String { "\(h)×\(w)" }
}

/// Explicit zero padding of the last two axes. Follows ONNX's `pads` order for 2-D:
/// `[top, left, bottom, right]`.
public struct Padding2D: Equatable, Hashable, Sendable, CustomStringConvertible {
    public var top: Int, left: Int, bottom: Int, right: Int
    public init(top: Int, left: Int, bottom: Int, right: Int) {
        self.top = top; self.left = left; self.bottom = bottom; self.right = right
    }
    public init(_ p: Int) { self.init(top: p, left: p, bottom: p, right: p) }
    public init(h: Int, w: Int) { self.init(top: h, left: w, bottom: h, right: w) }
    public static let zero = Padding2D(0)
    public var isSymmetric: Bool { top == bottom && left == right }
    public var description: String {
        if top == bottom && left == right { return top == left ? "\(top)" : "[\(top), \(left)]" }
        return "[\(top), \(left), \(bottom), \(right)]"
    }
}

/// How a user asked for padding: explicit sizes, `"same"` (output = ceil(input / stride) at any stride,
/// the extra pixel going to the end as ONNX's SAME_UPPER), or `"valid"` (none). `sameLower` is ONNX's
/// SAME_LOWER (the extra pixel at the start), which imported models may ask for.
public enum PaddingSpec: Equatable, Hashable, Sendable, CustomStringConvertible {
    case explicit(Padding2D)
    case same
    case sameLower
    case valid

    public var description: String {
        switch self {
        case .explicit(let p): return p.description
        case .same: return "\"same\""
        case .sameLower: return "\"same_lower\""
        case .valid: return "\"valid\""
        }
    }
}

/// The geometry of a 2-D sliding window, shared by conv, im2col and the pools: the one place that
/// turns an input size into an output size. Ops, their error messages, `summary` and `explain` all
/// call `outputSize`; nothing recomputes it.
///
/// `out = floor((in + padBegin + padEnd - dilation·(k-1) - 1) / stride) + 1`, or with `ceilMode`
/// the ceiling, dropping a last window that would start inside the end padding (PyTorch's rule).
public struct Window2D: Equatable, Sendable {
    public var kernel: Size2
    public var stride: Size2
    public var dilation: Size2
    public var padding: PaddingSpec
    public var ceilMode: Bool

    public init(kernel: Size2, stride: Size2 = Size2(1), dilation: Size2 = Size2(1),
                padding: PaddingSpec = .valid, ceilMode: Bool = false) {
        self.kernel = kernel; self.stride = stride; self.dilation = dilation
        self.padding = padding; self.ceilMode = ceilMode
    }

    /// The kernel's reach once dilated: `dilation·(k-1) + 1`.
    public var effectiveKernel: Size2 {
        Size2(dilation.h * (kernel.h - 1) + 1, dilation.w * (kernel.w - 1) + 1)
    }

    /// The largest kernel, stride, dilation or padding accepted: far beyond any real network, and
    /// small enough that `dilation·(k-1)` and padded sizes cannot overflow.
    public static let maxParameter = 1 << 20

    /// Checks the parameters themselves, independent of any input.
    public func validate(op: String) throws {
        let limit = Window2D.maxParameter
        var values = [kernel.h, kernel.w, stride.h, stride.w, dilation.h, dilation.w]
        if case .explicit(let p) = padding { values += [p.top, p.left, p.bottom, p.right] }
        guard values.allSatisfy({ $0 <= limit }) else {
            throw OpError(op, "kernel, stride, dilation and padding must be at most \(limit), got kernel \(kernel), stride \(stride), dilation \(dilation), pad \(padding)")
        }
        guard kernel.h >= 1, kernel.w >= 1 else { throw OpError(op, "kernel size must be at least 1, got \(kernel)") }
        guard stride.h >= 1, stride.w >= 1 else { throw OpError(op, "stride must be at least 1, got \(stride)") }
        guard dilation.h >= 1, dilation.w >= 1 else { throw OpError(op, "dilation must be at least 1, got \(dilation)") }
        if case .explicit(let p) = padding {
            guard p.top >= 0, p.left >= 0, p.bottom >= 0, p.right >= 0 else {
                throw OpError(op, "padding must not be negative, got \(p)")
            }
        }
    }

    /// The explicit padding this window uses on an input of `input` size.
    public func resolvedPadding(input: Size2) -> Padding2D {
        switch padding {
        case .explicit(let p): return p
        case .valid: return .zero
        case .same, .sameLower:
            let lower = padding == .sameLower
            func split(_ n: Int, _ s: Int, _ k: Int) -> (Int, Int) {
                let out = (n + s - 1) / s
                let total = max(0, (out - 1) * s + k - n)
                return lower ? (total - total / 2, total / 2) : (total / 2, total - total / 2)
            }
            let e = effectiveKernel
            let (t, b) = split(input.h, stride.h, e.h)
            let (l, r) = split(input.w, stride.w, e.w)
            return Padding2D(top: t, left: l, bottom: b, right: r)
        }
    }

    /// The output size on an input of `input` size, or an error naming `op`, the sizes and the padding.
    public func outputSize(input: Size2, op: String) throws -> Size2 {
        try validate(op: op)
        let p = resolvedPadding(input: input)
        let e = effectiveKernel
        func axis(_ n: Int, _ b: Int, _ a: Int, _ k: Int, _ s: Int, _ name: String) throws -> Int {
            let span = n + b + a
            guard span >= k else {
                throw OpError(op, "kernel \(kernel) does not fit padded input \(input.h + p.top + p.bottom)×\(input.w + p.left + p.right) (\(name)=\(n), pad=\(padding))")
            }
            var out = (span - k) / s + 1
            if ceilMode {
                out = (span - k + s - 1) / s + 1
                // The last window must start inside the input or the begin padding.
                if (out - 1) * s >= n + b { out -= 1 }
            }
            return out
        }
        return Size2(try axis(input.h, p.top, p.bottom, e.h, stride.h, "H"),
                     try axis(input.w, p.left, p.right, e.w, stride.w, "W"))
    }
}

/// The axes of an image op's input: N×C×H×W, or one image given as C×H×W or H×W (N = 1, and C = 1
/// for H×W). Results keep the input's rank (`shape(channels:size:)`). Conv, im2col and the pools read
/// their inputs through it.
struct ImageBatch {
    let n: Int, c: Int, h: Int, w: Int
    /// The input's rank: 4, 3 or 2.
    let rank: Int

    /// Reads `shape`; any other rank is an error naming `op`.
    init(_ shape: [Int], op: String) throws {
        switch shape.count {
        case 4: (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        case 3: (n, c, h, w) = (1, shape[0], shape[1], shape[2])
        case 2: (n, c, h, w) = (1, 1, shape[0], shape[1])
        default:
            throw OpError(op, "input must be N×C×H×W, C×H×W or H×W, got shape \(Shape.describe(shape)) (rank \(shape.count))")
        }
        rank = shape.count
    }

    var planes: Int { n * c }
    var size: Size2 { Size2(h, w) }

    /// A result of `channels` channels of `size`, in the input's rank: an H×W input gives H×W back when
    /// the result has one channel, C×H×W otherwise.
    func shape(channels: Int, size: Size2) -> [Int] {
        switch rank {
        case 4: return [n, channels, size.h, size.w]
        case 3: return [channels, size.h, size.w]
        default: return channels == 1 ? [size.h, size.w] : [channels, size.h, size.w]
        }
    }
}

/// The outputs q in 0..<count whose input column q·stride + offset lies inside 0..<width: the ones a
/// window tap reads from the input row rather than from its padding.
@inline(__always)
func insideColumns(count: Int, offset: Int, stride: Int, width: Int) -> Range<Int> {
    let lo = min(count, max(0, ceilDiv(-offset, stride)))
    return lo..<max(lo, min(count, ceilDiv(width - offset, stride)))
}

/// ⌈a / b⌉ for b > 0 and any sign of a.
@inline(__always)
func ceilDiv(_ a: Int, _ b: Int) -> Int {
    a >= 0 ? (a + b - 1) / b : -((-a) / b)
}
