// x: N×C×H×W → N×C×P×Q   (C×H×W → C×P×Q and H×W → P×Q: one image, the rank is kept)
//
// Max and average pooling. Output sizes come only from `Window2D.outputSize`. Every pool splits its
// work over the N·C planes; a plane with no padding, no dilation and windows that all lie inside the
// input takes a fast path (Pool+Fast.swift), the rest the general clipped-window loop below.

/// The planes of a pooling input and how to give the result the input's rank.
struct PoolPlanes {
    let n: Int, c: Int, h: Int, w: Int
    let rank: Int

    /// Reads N×C×H×W, C×H×W (N=1) or H×W (N=C=1); anything else is an error naming `op`.
    init(_ x: Tensor, op: String) throws {
        let s = x.shape
        switch s.count {
        case 4: (n, c, h, w) = (s[0], s[1], s[2], s[3])
        case 3: (n, c, h, w) = (1, s[0], s[1], s[2])
        case 2: (n, c, h, w) = (1, 1, s[0], s[1])
        default:
            throw OpError(op, "expects an N×C×H×W, C×H×W or H×W input, got \(Shape.describe(s)) (rank \(s.count))")
        }
        rank = s.count
    }

    var planes: Int { n * c }
    var size: Size2 { Size2(h, w) }

    /// The output shape for spatial size `out`, in the input's rank.
    func outputShape(_ out: Size2) -> [Int] {
        switch rank {
        case 4: return [n, c, out.h, out.w]
        case 3: return [c, out.h, out.w]
        default: return [out.h, out.w]
        }
    }
}

/// Everything a pooling kernel needs about one window geometry, resolved for one input size.
struct PoolGeometry {
    let h: Int, w: Int            // input plane
    let p: Int, q: Int            // output plane
    let kh: Int, kw: Int
    let sh: Int, sw: Int
    let dh: Int, dw: Int
    let top: Int, left: Int, bottom: Int, right: Int

    /// True when every window lies inside the input with unit dilation: no clipping, no padding.
    var isInterior: Bool {
        top == 0 && left == 0 && dh == 1 && dw == 1
            && (p - 1) * sh + kh <= h && (q - 1) * sw + kw <= w
    }
}

extension Tensor {
    /// Resolves and checks a pool's window on `planes`, naming `op` in every error.
    ///
    /// Like PyTorch, padding may be at most half the (dilated) kernel on each side, so that every window
    /// overlaps the input: a window made only of padding has no maximum and no average.
    static func poolGeometry(_ planes: PoolPlanes, window: Window2D, op: String) throws -> PoolGeometry {
        let out = try window.outputSize(input: planes.size, op: op)
        guard planes.h >= 1, planes.w >= 1 else {
            throw OpError(op, "input plane \(planes.h)×\(planes.w) is empty")
        }
        let pad = window.resolvedPadding(input: planes.size)
        let reach = window.effectiveKernel
        guard Swift.max(pad.top, pad.bottom) <= reach.h / 2, Swift.max(pad.left, pad.right) <= reach.w / 2 else {
            throw OpError(op, "padding \(pad) must be at most half the kernel reach \(reach) on each side")
        }
        return PoolGeometry(h: planes.h, w: planes.w, p: out.h, q: out.w,
                            kh: window.kernel.h, kw: window.kernel.w,
                            sh: window.stride.h, sw: window.stride.w,
                            dh: window.dilation.h, dw: window.dilation.w,
                            top: pad.top, left: pad.left, bottom: pad.bottom, right: pad.right)
    }

    /// Runs `plane(src, dst)` over every N·C plane in parallel into a fresh output tensor.
    static func mapPlanes(_ x: Tensor, _ planes: PoolPlanes, _ g: PoolGeometry,
                          _ plane: (UnsafePointer<Float>, UnsafeMutablePointer<Float>) -> Void) -> Tensor {
        let inPlane = g.h * g.w, outPlane = g.p * g.q
        let total = planes.planes * outPlane
        let scalars = [Float](unsafeUninitializedCapacity: total) { buf, initialized in
            if let dst = buf.baseAddress {
                x.scalars.withUnsafeBufferPointer { src in
                    if let src = src.baseAddress {
                        parallelFor(planes.planes) { i in plane(src + i * inPlane, dst + i * outPlane) }
                    }
                }
            }
            initialized = total
        }
        return Tensor(unchecked: planes.outputShape(Size2(g.p, g.q)), scalars: scalars)
    }

    /// Max pooling over windows of `kernel`, as PyTorch's `max_pool2d` (ONNX MaxPool agrees).
    ///
    /// - Parameters:
    ///   - x: N×C×H×W, or C×H×W / H×W taken as one image; the result keeps the input's rank.
    ///   - kernel: window size R×S.
    ///   - stride: step between windows; nil means the kernel size (PyTorch's default).
    ///   - padding: implicit -inf padding, at most half the dilated kernel on each side.
    ///   - dilation: spacing between the window's taps.
    ///   - ceilMode: round the output size up; a last window may start in the input or the begin
    ///     padding, never in the end padding (PyTorch's rule).
    /// - Returns: N×C×P×Q with P, Q from `Window2D.outputSize`. A NaN in a window gives NaN, as in PyTorch.
    public static func maxPool(_ x: Tensor, kernel: Size2, stride: Size2? = nil, padding: PaddingSpec = .valid,
                               dilation: Size2 = Size2(1), ceilMode: Bool = false) throws -> Tensor {
        let op = "maxpool"
        let planes = try PoolPlanes(x, op: op)
        let window = Window2D(kernel: kernel, stride: stride ?? kernel, dilation: dilation,
                              padding: padding, ceilMode: ceilMode)
        let g = try poolGeometry(planes, window: window, op: op)
        if g.isInterior && g.kh == 2 && g.kw == 2 && g.sh == 2 && g.sw == 2 {
            return mapPlanes(x, planes, g) { src, dst in maxPool2x2Plane(src, dst, g) }
        }
        if g.isInterior {
            return mapPlanes(x, planes, g) { src, dst in maxPoolInteriorPlane(src, dst, g) }
        }
        return mapPlanes(x, planes, g) { src, dst in maxPoolPlane(src, dst, g) }
    }

    /// Average pooling over windows of `kernel`, as PyTorch's `avg_pool2d`.
    ///
    /// - Parameters:
    ///   - x: N×C×H×W, or C×H×W / H×W taken as one image; the result keeps the input's rank.
    ///   - kernel: window size R×S; stride nil means the kernel size.
    ///   - padding: implicit zero padding, at most half the kernel on each side.
    ///   - ceilMode: round the output size up (a last window never starts in the end padding).
    ///   - countPad: PyTorch's `count_include_pad`, default true: padded positions count in the divisor.
    ///     ONNX AveragePool's `count_include_pad` defaults to 0 (false), so importers and exporters must
    ///     pass it explicitly. With `ceilMode`, a window running past the padded end divides by the part
    ///     of it inside input + padding only (PyTorch's rule), even when `countPad` is true.
    public static func avgPool(_ x: Tensor, kernel: Size2, stride: Size2? = nil, padding: PaddingSpec = .valid,
                               ceilMode: Bool = false, countPad: Bool = true) throws -> Tensor {
        let op = "avgpool"
        let planes = try PoolPlanes(x, op: op)
        let window = Window2D(kernel: kernel, stride: stride ?? kernel, padding: padding, ceilMode: ceilMode)
        let g = try poolGeometry(planes, window: window, op: op)
        if g.isInterior && g.kh == 2 && g.kw == 2 && g.sh == 2 && g.sw == 2 {
            return mapPlanes(x, planes, g) { src, dst in avgPool2x2Plane(src, dst, g) }
        }
        if g.isInterior {
            return mapPlanes(x, planes, g) { src, dst in avgPoolInteriorPlane(src, dst, g) }
        }
        return mapPlanes(x, planes, g) { src, dst in avgPoolPlane(src, dst, g, countPad: countPad) }
    }

    /// General max pooling of one plane: windows clipped to the input (padding acts as -inf).
    static func maxPoolPlane(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ g: PoolGeometry) {
        for op in 0..<g.p {
            let y0 = op * g.sh - g.top
            for oq in 0..<g.q {
                let x0 = oq * g.sw - g.left
                var m = -Float.infinity
                for i in 0..<g.kh {
                    let y = y0 + i * g.dh
                    if y < 0 || y >= g.h { continue }
                    let row = src + y * g.w
                    for j in 0..<g.kw {
                        let xx = x0 + j * g.dw
                        if xx < 0 || xx >= g.w { continue }
                        let v = row[xx]
                        // `!(v <= m)` also takes a NaN, so NaN propagates as in PyTorch.
                        if !(v <= m) { m = v }
                    }
                }
                dst[op * g.q + oq] = m
            }
        }
    }

    /// General average pooling of one plane, with PyTorch's divisor: the window clipped to the padded
    /// input (`countPad`) or to the input itself.
    static func avgPoolPlane(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ g: PoolGeometry,
                             countPad: Bool) {
        for op in 0..<g.p {
            let ys = op * g.sh - g.top
            let ye = Swift.min(ys + g.kh, g.h + g.bottom)
            let y0 = Swift.max(ys, 0), y1 = Swift.min(ye, g.h)
            for oq in 0..<g.q {
                let xs = oq * g.sw - g.left
                let xe = Swift.min(xs + g.kw, g.w + g.right)
                let x0 = Swift.max(xs, 0), x1 = Swift.min(xe, g.w)
                var sum: Float = 0
                for y in y0..<Swift.max(y0, y1) {
                    let row = src + y * g.w
                    for xx in x0..<Swift.max(x0, x1) { sum += row[xx] }
                }
                let count = countPad ? (ye - ys) * (xe - xs) : Swift.max(0, y1 - y0) * Swift.max(0, x1 - x0)
                dst[op * g.q + oq] = sum / Float(count)
            }
        }
    }
}
