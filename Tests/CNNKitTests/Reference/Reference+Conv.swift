@testable import CNNKit

/// Plainly written reference implementations of conv, im2col and linear: direct loops, no BLAS, no
/// shared geometry code, so the fast paths are checked against something independent.
enum ConvReference {
    /// Sizes and parameters of one reference convolution; padding is explicit [top, left, bottom, right].
    struct Params {
        var n = 1, c = 1, h = 1, w = 1
        var k = 1, r = 1, s = 1
        var groups = 1
        var stride = (h: 1, w: 1), dilation = (h: 1, w: 1)
        var pad = (top: 0, left: 0, bottom: 0, right: 0)

        /// out = floor((in + pads - dilation·(k-1) - 1) / stride) + 1, written out again on purpose.
        var outH: Int { (h + pad.top + pad.bottom - dilation.h * (r - 1) - 1) / stride.h + 1 }
        var outW: Int { (w + pad.left + pad.right - dilation.w * (s - 1) - 1) / stride.w + 1 }

        /// Whether the dilated kernel fits inside the padded input on both axes.
        var fits: Bool {
            h + pad.top + pad.bottom >= dilation.h * (r - 1) + 1 && w + pad.left + pad.right >= dilation.w * (s - 1) + 1
        }

        /// ONNX SAME_UPPER padding: output ceil(in / stride), the odd pixel at the end.
        mutating func setSamePadding() {
            let oh = (h + stride.h - 1) / stride.h, ow = (w + stride.w - 1) / stride.w
            let th = Swift.max(0, (oh - 1) * stride.h + dilation.h * (r - 1) + 1 - h)
            let tw = Swift.max(0, (ow - 1) * stride.w + dilation.w * (s - 1) + 1 - w)
            pad = (top: th / 2, left: tw / 2, bottom: th - th / 2, right: tw - tw / 2)
        }
    }

    /// The 7-loop direct convolution (cross-correlation) with groups, dilation, padding, stride, bias.
    /// x: N×C×H×W, w: K×(C/groups)×R×S → N×K×P×Q.
    static func conv(_ x: [Float], _ w: [Float], bias: [Float]?, _ p: Params) -> [Float] {
        let cg = p.c / p.groups, kg = p.k / p.groups
        let oh = p.outH, ow = p.outW
        var y = [Float](repeating: 0, count: p.n * p.k * oh * ow)
        for n in 0..<p.n {
            for k in 0..<p.k {
                let g = k / kg
                for i in 0..<oh {
                    for j in 0..<ow {
                        var acc: Float = bias?[k] ?? 0
                        for c in 0..<cg {
                            for r in 0..<p.r {
                                for s in 0..<p.s {
                                    let ih = i * p.stride.h - p.pad.top + r * p.dilation.h
                                    let iw = j * p.stride.w - p.pad.left + s * p.dilation.w
                                    if ih < 0 || ih >= p.h || iw < 0 || iw >= p.w { continue }
                                    let xv = x[((n * p.c + g * cg + c) * p.h + ih) * p.w + iw]
                                    let wv = w[((k * cg + c) * p.r + r) * p.s + s]
                                    acc += xv * wv
                                }
                            }
                        }
                        y[((n * p.k + k) * oh + i) * ow + j] = acc
                    }
                }
            }
        }
        return y
    }

    /// Naive im2col: N×C×H×W → N×(C·R·S)×(P·Q), row (c, r, s), column (p, q), zeros in the padding.
    static func im2col(_ x: [Float], _ p: Params) -> [Float] {
        let oh = p.outH, ow = p.outW
        let rows = p.c * p.r * p.s, cols = oh * ow
        var y = [Float](repeating: 0, count: p.n * rows * cols)
        for n in 0..<p.n {
            for c in 0..<p.c {
                for r in 0..<p.r {
                    for s in 0..<p.s {
                        let row = (c * p.r + r) * p.s + s
                        for i in 0..<oh {
                            for j in 0..<ow {
                                let ih = i * p.stride.h - p.pad.top + r * p.dilation.h
                                let iw = j * p.stride.w - p.pad.left + s * p.dilation.w
                                guard ih >= 0, ih < p.h, iw >= 0, iw < p.w else { continue }
                                y[(n * rows + row) * cols + i * ow + j] = x[((n * p.c + c) * p.h + ih) * p.w + iw]
                            }
                        }
                    }
                }
            }
        }
        return y
    }

    /// rows×in times (out×in)ᵀ plus bias.
    static func linear(_ x: [Float], rows: Int, inFeatures: Int, _ w: [Float], outFeatures: Int,
                       bias: [Float]?) -> [Float] {
        var y = [Float](repeating: 0, count: rows * outFeatures)
        for i in 0..<rows {
            for o in 0..<outFeatures {
                var acc: Float = bias?[o] ?? 0
                for j in 0..<inFeatures { acc += x[i * inFeatures + j] * w[o * inFeatures + j] }
                y[i * outFeatures + o] = acc
            }
        }
        return y
    }

    /// Plain matrix product a (m×k) · b (k×n), for im2col-based checks.
    static func matmul(_ a: [Float], _ b: [Float], m: Int, k: Int, n: Int) -> [Float] {
        var y = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var acc: Float = 0
                for l in 0..<k { acc += a[i * k + l] * b[l * n + j] }
                y[i * n + j] = acc
            }
        }
        return y
    }
}
