// x plane: H×W → P×Q (one of the N·C planes)
//
// The per-plane pooling kernels. They are written as plain loops over an output row because LLVM
// vectorises those well at -target-cpu znver4: the 2×2 stride-2 loops become AVX-512 loads with
// interleave shuffles, the general loop vectorises over the output columns whose taps are all inside
// the input, and only the few border columns check bounds. (Hand-written `SIMD32<Float>` code was 100×
// slower: Swift scalarises its arithmetic and `pointwiseMax`.) Measured on 8×64×112×112, release build,
// median: 2×2/s2 max 1.2 ms and avg 1.1 ms (PyTorch, 2 threads: 16.9 and 6.06 ms); 3×3/s2/p1 max 3.0 ms.
// The pass is memory-bound, so a second thread adds little.

extension Tensor {
    /// 2×2 stride-2 max pooling of one plane whose windows all lie inside it.
    static func maxPool2x2Plane(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ g: PoolGeometry) {
        let w = g.w, q = g.q
        for op in 0..<g.p {
            let r0 = src + 2 * op * w, r1 = r0 + w
            let out = dst + op * q
            for oq in 0..<q {
                let x = 2 * oq
                out[oq] = scalarNanMax(scalarNanMax(r0[x], r1[x]), scalarNanMax(r0[x + 1], r1[x + 1]))
            }
        }
    }

    /// 2×2 stride-2 average pooling of one plane whose windows all lie inside it.
    static func avgPool2x2Plane(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ g: PoolGeometry) {
        let w = g.w, q = g.q
        for op in 0..<g.p {
            let r0 = src + 2 * op * w, r1 = r0 + w
            let out = dst + op * q
            for oq in 0..<q {
                let x = 2 * oq
                out[oq] = ((r0[x] + r0[x + 1]) + (r1[x] + r1[x + 1])) * 0.25
            }
        }
    }

    /// Any window: accumulates each output row tap by tap. Padding acts as -inf (it is skipped).
    static func maxPoolPlane(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ g: PoolGeometry) {
        let inner = g.interiorColumns
        for op in 0..<g.p {
            let out = dst + op * g.q
            for oq in 0..<g.q { out[oq] = -Float.infinity }
            let y0 = op * g.sh - g.top
            for i in 0..<g.kh {
                let y = y0 + i * g.dh
                if y < 0 || y >= g.h { continue }
                let row = src + y * g.w
                maxRow(out, row, inner, g)
                for j in 0..<g.kw {
                    let shift = j * g.dw - g.left  // tap j of window oq reads x = oq·sw + shift
                    for oq in 0..<inner.lowerBound { updateMax(out, row, oq, oq * g.sw + shift, g.w) }
                    for oq in inner.upperBound..<g.q { updateMax(out, row, oq, oq * g.sw + shift, g.w) }
                }
            }
        }
    }

    /// One kernel row of every interior window: out[oq] = max(out[oq], row[oq·sw − left + j·dw]) for all taps j.
    /// The common small kernels and strides are dispatched with constant sizes, so LLVM unrolls the taps
    /// and vectorises over oq with interleaved loads; other sizes take the same loop with runtime sizes.
    @inline(__always)
    private static func maxRow(_ out: UnsafeMutablePointer<Float>, _ row: UnsafePointer<Float>, _ columns: Range<Int>,
                               _ g: PoolGeometry) {
        let base = row - g.left
        switch (g.kw, g.sw, g.dw) {
        case (2, 1, 1): maxTaps(out, base, columns, taps: 2, stride: 1, dilation: 1)
        case (2, 2, 1): maxTaps(out, base, columns, taps: 2, stride: 2, dilation: 1)
        case (3, 1, 1): maxTaps(out, base, columns, taps: 3, stride: 1, dilation: 1)
        case (3, 2, 1): maxTaps(out, base, columns, taps: 3, stride: 2, dilation: 1)
        default: maxTaps(out, base, columns, taps: g.kw, stride: g.sw, dilation: g.dw)
        }
    }

    @inline(__always)
    private static func maxTaps(_ out: UnsafeMutablePointer<Float>, _ base: UnsafePointer<Float>, _ columns: Range<Int>,
                                taps: Int, stride: Int, dilation: Int) {
        for oq in columns {
            let p = base + oq * stride
            var m = out[oq]
            for j in 0..<taps { m = scalarNanMax(m, p[j * dilation]) }
            out[oq] = m
        }
    }

    /// One kernel row of every interior window summed into out, dispatched like `maxRow`.
    @inline(__always)
    private static func addRow(_ out: UnsafeMutablePointer<Float>, _ row: UnsafePointer<Float>, _ columns: Range<Int>,
                               _ g: PoolGeometry) {
        let base = row - g.left
        switch (g.kw, g.sw) {
        case (2, 1): addTaps(out, base, columns, taps: 2, stride: 1)
        case (2, 2): addTaps(out, base, columns, taps: 2, stride: 2)
        case (3, 1): addTaps(out, base, columns, taps: 3, stride: 1)
        case (3, 2): addTaps(out, base, columns, taps: 3, stride: 2)
        default: addTaps(out, base, columns, taps: g.kw, stride: g.sw)
        }
    }

    @inline(__always)
    private static func addTaps(_ out: UnsafeMutablePointer<Float>, _ base: UnsafePointer<Float>, _ columns: Range<Int>,
                                taps: Int, stride: Int) {
        for oq in columns {
            let p = base + oq * stride
            var sum = out[oq]
            for j in 0..<taps { sum += p[j] }
            out[oq] = sum
        }
    }

    @inline(__always)
    private static func updateMax(_ out: UnsafeMutablePointer<Float>, _ row: UnsafePointer<Float>, _ oq: Int, _ x: Int, _ w: Int) {
        if x >= 0 && x < w { out[oq] = scalarNanMax(out[oq], row[x]) }
    }

    /// Any window, PyTorch's divisor: with `countPad` the window clipped to the padded input
    /// (`min(start + k, size + padEnd) − start` per axis), otherwise the number of input elements in it.
    static func avgPoolPlane(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ g: PoolGeometry,
                             countPad: Bool) {
        let inner = g.interiorColumns
        for op in 0..<g.p {
            let out = dst + op * g.q
            for oq in 0..<g.q { out[oq] = 0 }
            let ys = op * g.sh - g.top
            let ye = Swift.min(ys + g.kh, g.h + g.bottom)
            let y0 = Swift.max(ys, 0), y1 = Swift.min(ye, g.h)
            for y in y0..<Swift.max(y0, y1) {
                let row = src + y * g.w
                addRow(out, row, inner, g)
                for j in 0..<g.kw {
                    let shift = j - g.left
                    for oq in 0..<inner.lowerBound { addIfInside(out, row, oq, oq * g.sw + shift, g.w) }
                    for oq in inner.upperBound..<g.q { addIfInside(out, row, oq, oq * g.sw + shift, g.w) }
                }
            }
            let rows = countPad ? ye - ys : Swift.max(0, y1 - y0)
            for oq in 0..<g.q {
                let xs = oq * g.sw - g.left
                let xe = Swift.min(xs + g.kw, g.w + g.right)
                let cols = countPad ? xe - xs : Swift.max(0, Swift.min(xe, g.w) - Swift.max(xs, 0))
                out[oq] /= Float(rows * cols)
            }
        }
    }

    @inline(__always)
    private static func addIfInside(_ out: UnsafeMutablePointer<Float>, _ row: UnsafePointer<Float>, _ oq: Int, _ x: Int, _ w: Int) {
        if x >= 0 && x < w { out[oq] += row[x] }
    }
}

/// The larger of a and b, or NaN when either is NaN (PyTorch's max-pool propagates NaN). Written as a
/// compare and select so loops over it vectorise.
@inline(__always)
func scalarNanMax(_ a: Float, _ b: Float) -> Float {
    // Take b when it is larger or NaN, unless a is already NaN.
    (!(b <= a) && a == a) ? b : a
}
