// x: N×C×H×W → N×(C·R·S)×(P·Q), rows ordered (c, r, s), columns (p, q)
//
// The column matrix turns convolution into one matrix product: reshape(w, [K, C·R·S]) @ im2col(x)
// is conv(x, w) reshaped to K×(P·Q). It is the GEMM path's building block (ConvKernels.swift) and a
// user-visible view.

extension Tensor {
    /// The matrix that convolution multiplies ("image to columns").
    ///
    /// Row `(c·R + r)·S + s` holds, for every output position `(p, q)` in row-major order, the input
    /// value `x[c, p·sh + r·dh - top, q·sw + s·dw - left]`, or 0 where that falls in the padding.
    /// A 3-D C×H×W gives (C·R·S)×(P·Q); a 2-D H×W gives (R·S)×(P·Q).
    /// Output sizes come from `Window2D.outputSize`, as for `conv`.
    public static func im2col(_ x: Tensor, kernel: Size2, stride: Size2 = Size2(1), padding: PaddingSpec = .valid,
                              dilation: Size2 = Size2(1)) throws -> Tensor {
        let batch = try ImageBatch(x.shape, op: "im2col")
        let (n, c, h, w) = (batch.n, batch.c, batch.h, batch.w)
        let window = Window2D(kernel: kernel, stride: stride, dilation: dilation, padding: padding)
        let out = try window.outputSize(input: Size2(h, w), op: "im2col")
        let pad = window.resolvedPadding(input: Size2(h, w))
        let rows = c * kernel.h * kernel.w, cols = out.h * out.w
        let count = try Shape.elementCount([n, c, kernel.h, kernel.w, out.h, out.w], op: "im2col")
        let geometry = ConvGeometry(n: n, c: c, h: h, w: w, k: 0, groups: 1, kernel: kernel, stride: stride,
                                    dilation: dilation, pad: pad, out: out)
        let result = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            if let dst = buffer.baseAddress, count > 0 {
                x.scalars.withUnsafeBufferPointer { src in
                    // An empty input with padding around it: every entry comes from the padding.
                    guard let src = src.baseAddress else { dst.initialize(repeating: 0, count: count); return }
                    // One task per (image, channel): each writes its own R·S contiguous rows.
                    let plane = h * w, block = kernel.h * kernel.w * cols
                    parallelFor(n * c, minChunk: Swift.max(1, 16_384 / Swift.max(1, block))) { i in
                        geometry.im2colChannel(src + i * plane, into: dst + i * block)
                    }
                }
            }
            initialized = count
        }
        switch x.rank {
        case 4: return Tensor(unchecked: [n, rows, cols], scalars: result)
        default: return Tensor(unchecked: [rows, cols], scalars: result)
        }
    }
}

extension ConvGeometry {
    /// Writes the R·S rows of one input channel plane (H×W at `src`) to `dst`, each row P·Q long.
    /// Stride-1 rows are contiguous copies; the padding is written as zeros.
    @inlinable
    func im2colChannel(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>) {
        let (oh, ow) = (out.h, out.w)
        var row = dst
        for r in 0..<kernel.h {
            for s in 0..<kernel.w {
                let dx = s * dilation.w - pad.left
                let inside = insideColumns(count: ow, offset: dx, stride: stride.w, width: w)
                let (qlo, qhi) = (inside.lowerBound, inside.upperBound)
                var o = row
                for p in 0..<oh {
                    let ih = p * stride.h + r * dilation.h - pad.top
                    if ih < 0 || ih >= h {
                        o.update(repeating: 0, count: ow)
                    } else {
                        if qlo > 0 { o.update(repeating: 0, count: qlo) }
                        let line = src + ih * w + dx
                        if stride.w == 1 {
                            // Rows are short (24, 28, 56 …): an inline vector copy, not a memmove call per row.
                            copyRow(line + qlo, to: o + qlo, count: qhi - qlo, adding: nil)
                        } else {
                            let sw = stride.w
                            for q in qlo..<qhi { o[q] = line[q * sw] }
                        }
                        if qhi < ow { (o + qhi).update(repeating: 0, count: ow - qhi) }
                    }
                    o += ow
                }
                row += oh * ow
            }
        }
    }
}
