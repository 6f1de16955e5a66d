// x: N×C×H×W → N×C×P×Q   (C×H×W → C×P×Q and H×W → P×Q: one image, the rank is kept)
//
// Max and average pooling. Output sizes come only from `Window2D.outputSize`. Every pool splits its
// work over the N·C planes; 2×2 stride-2 windows with no padding (the common case) take a fast path,
// the rest a general row-wise loop (both in Pool+Kernels.swift).

/// Everything a pooling kernel needs about one window geometry, resolved for one input size.
struct PoolGeometry {
    let h: Int, w: Int            // input plane
    let p: Int, q: Int            // output plane
    let kh: Int, kw: Int
    let sh: Int, sw: Int
    let dh: Int, dw: Int
    let top: Int, left: Int, bottom: Int, right: Int

    /// 2×2 windows at stride 2, all inside the input (no padding; ceil mode may not add a partial one).
    var is2x2Stride2: Bool {
        kh == 2 && kw == 2 && sh == 2 && sw == 2 && top == 0 && left == 0 && dh == 1 && dw == 1
            && 2 * p <= h && 2 * q <= w
    }

    /// The output columns whose taps all fall inside the input: `interiorColumns.lowerBound` is the first
    /// window starting at x ≥ 0, `upperBound` one past the last window ending at x < W.
    var interiorColumns: Range<Int> {
        let lo = Swift.min(q, (left + sw - 1) / sw)
        let last = w - 1 - (kw - 1) * dw + left     // the largest start (in padded coordinates) that fits
        let hi = last < 0 ? 0 : Swift.min(q, last / sw + 1)
        return lo..<Swift.max(lo, hi)
    }
}

extension Tensor {
    /// Resolves and checks a pool's window on `planes`, naming `op` in every error.
    ///
    /// Like PyTorch, padding may be at most half the (dilated) kernel on each side, so that every window
    /// overlaps the input: a window made only of padding has no maximum and no average.
    static func poolGeometry(_ planes: ImageBatch, window: Window2D, op: String) throws -> PoolGeometry {
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
    static func mapPlanes(_ x: Tensor, _ planes: ImageBatch, _ g: PoolGeometry,
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
        return Tensor(unchecked: planes.shape(channels: planes.c, size: Size2(g.p, g.q)), scalars: scalars)
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
        let planes = try ImageBatch(x.shape, op: op)
        let window = Window2D(kernel: kernel, stride: stride ?? kernel, dilation: dilation,
                              padding: padding, ceilMode: ceilMode)
        let g = try poolGeometry(planes, window: window, op: op)
        if g.is2x2Stride2 {
            return mapPlanes(x, planes, g) { src, dst in maxPool2x2Plane(src, dst, g) }
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
        let planes = try ImageBatch(x.shape, op: op)
        let window = Window2D(kernel: kernel, stride: stride ?? kernel, padding: padding, ceilMode: ceilMode)
        let g = try poolGeometry(planes, window: window, op: op)
        if g.is2x2Stride2 {
            return mapPlanes(x, planes, g) { src, dst in avgPool2x2Plane(src, dst, g) }
        }
        return mapPlanes(x, planes, g) { src, dst in avgPoolPlane(src, dst, g, countPad: countPad) }
    }
}
