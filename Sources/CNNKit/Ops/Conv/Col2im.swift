// columns: (C·R·S)×(P·Q) of one image, rows ordered (c, r, s) → x-gradient C×H×W
//
// The adjoint of im2col (Im2col.swift): every column entry is added back onto the input pixel it was
// copied from; entries that came from the padding are dropped. Convolution's input gradient is
// col2im(Wᵀ · dY).

extension ConvGeometry {
    /// Adds the R·S rows of one channel's column block (each P·Q long, at `src`) onto the H×W plane
    /// `dst`, which the caller has initialised (zeros, usually). Overlapping windows (stride < kernel)
    /// add up; one call owns its plane, so calls on different planes may run in parallel. `rowStride`
    /// is the distance between the R·S rows (P·Q when one image's columns are stored alone; more when
    /// several images' columns sit side by side in each row).
    @inlinable
    func col2imChannel(_ src: UnsafePointer<Float>, rowStride: Int? = nil, into dst: UnsafeMutablePointer<Float>) {
        let rowStride = rowStride ?? out.h * out.w
        let (oh, ow) = (out.h, out.w)
        var row = src
        for r in 0..<kernel.h {
            for s in 0..<kernel.w {
                let dx = s * dilation.w - pad.left
                let inside = insideColumns(count: ow, offset: dx, stride: stride.w, width: w)
                let (qlo, qhi) = (inside.lowerBound, inside.upperBound)
                var o = row
                for p in 0..<oh {
                    let ih = p * stride.h + r * dilation.h - pad.top
                    if ih >= 0 && ih < h && qlo < qhi {
                        let line = dst + ih * w + dx
                        if stride.w == 1 {
                            for q in qlo..<qhi { line[q] += o[q] }
                        } else {
                            let sw = stride.w
                            for q in qlo..<qhi { line[q * sw] += o[q] }
                        }
                    }
                    o += ow
                }
                row += rowStride
            }
        }
    }
}
