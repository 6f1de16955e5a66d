@testable import CNNKit
import Foundation

/// Plainly written reference implementations of the layer ops: direct loops over the definitions, with
/// their own output-size arithmetic (PyTorch's formulas), so the engine's fast paths and its
/// `Window2D.outputSize` are both checked against something independent.
enum RefLayers {
    /// PyTorch's pooling output size for one axis (pooling_output_shape in ATen).
    static func poolOut(_ n: Int, _ padBegin: Int, _ padEnd: Int, _ k: Int, _ s: Int, _ d: Int, _ ceil: Bool) -> Int {
        let span = n + padBegin + padEnd - d * (k - 1) - 1
        var out = (ceil ? (span + s - 1) : span) / s + 1
        if ceil && (out - 1) * s >= n + padBegin { out -= 1 }
        return out
    }

    /// x: N×C×H×W; pads [top, left, bottom, right]; max over the taps inside the input.
    static func maxPool(_ x: Tensor, k: (Int, Int), s: (Int, Int), pad: [Int], d: (Int, Int), ceil: Bool) -> Tensor {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let p = poolOut(h, pad[0], pad[2], k.0, s.0, d.0, ceil)
        let q = poolOut(w, pad[1], pad[3], k.1, s.1, d.1, ceil)
        var out: [Float] = []
        for b in 0..<n {
            for ch in 0..<c {
                for i in 0..<p {
                    for j in 0..<q {
                        var m = -Float.infinity
                        var sawNaN = false
                        for r in 0..<k.0 {
                            for t in 0..<k.1 {
                                let y = i * s.0 - pad[0] + r * d.0
                                let xx = j * s.1 - pad[1] + t * d.1
                                if y >= 0 && y < h && xx >= 0 && xx < w {
                                    let v = x.scalars[((b * c + ch) * h + y) * w + xx]
                                    if v.isNaN { sawNaN = true } else if v > m { m = v }
                                }
                            }
                        }
                        out.append(sawNaN ? .nan : m)
                    }
                }
            }
        }
        return Tensor(unchecked: [n, c, p, q], scalars: out)
    }

    /// x: N×C×H×W, PyTorch's avg_pool2d (AvgPool2d.cpp): the divisor is the window clipped to the padded
    /// input when `countPad`, else the count of input elements in the window.
    static func avgPool(_ x: Tensor, k: (Int, Int), s: (Int, Int), pad: [Int], ceil: Bool, countPad: Bool) -> Tensor {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let p = poolOut(h, pad[0], pad[2], k.0, s.0, 1, ceil)
        let q = poolOut(w, pad[1], pad[3], k.1, s.1, 1, ceil)
        var out: [Float] = []
        for b in 0..<n {
            for ch in 0..<c {
                for i in 0..<p {
                    for j in 0..<q {
                        var hs = i * s.0 - pad[0], ws = j * s.1 - pad[1]
                        var he = min(hs + k.0, h + pad[2]), we = min(ws + k.1, w + pad[3])
                        let poolSize = (he - hs) * (we - ws)
                        hs = max(hs, 0); ws = max(ws, 0); he = min(he, h); we = min(we, w)
                        var sum: Double = 0
                        for y in hs..<he { for xx in ws..<we { sum += Double(x.scalars[((b * c + ch) * h + y) * w + xx]) } }
                        let div = countPad ? poolSize : (he - hs) * (we - ws)
                        out.append(Float(sum / Double(div)))
                    }
                }
            }
        }
        return Tensor(unchecked: [n, c, p, q], scalars: out)
    }

    /// Softmax (or log-softmax) along `axis` (already non-negative), in Double.
    static func softmax(_ x: Tensor, axis: Int, log: Bool) -> Tensor {
        let shape = x.shape
        let len = shape[axis]
        let inner = shape[(axis + 1)...].reduce(1, *)
        let outer = shape[..<axis].reduce(1, *)
        var out = [Float](repeating: 0, count: x.count)
        for o in 0..<outer {
            for i in 0..<inner {
                let idx = (0..<len).map { o * len * inner + $0 * inner + i }
                let vals = idx.map { Double(x.scalars[$0]) }
                let m = vals.max() ?? 0
                let z = vals.map { Foundation.exp($0 - m) }.reduce(0, +)
                for (t, id) in idx.enumerated() {
                    out[id] = Float(log ? vals[t] - m - Foundation.log(z) : Foundation.exp(vals[t] - m) / z)
                }
            }
        }
        return Tensor(unchecked: shape, scalars: out)
    }

    /// Inference batch norm over axis 1, straight from the formula.
    static func batchNorm(_ x: Tensor, scale: [Float], bias: [Float], mean: [Float], variance: [Float], eps: Float) -> Tensor {
        let c = x.shape[1]
        let inner = x.shape[2...].reduce(1, *)
        var out = x.scalars
        for i in 0..<x.count {
            let ch = (i / inner) % c
            let xhat = (Double(x.scalars[i]) - Double(mean[ch])) / (Double(variance[ch]) + Double(eps)).squareRoot()
            out[i] = Float(xhat * Double(scale[ch]) + Double(bias[ch]))
        }
        return Tensor(unchecked: x.shape, scalars: out)
    }

    /// Full 2-D convolution (true, flipped kernel): out[i][j] = Σ f[a][b]·g[i−a][j−b].
    static func convolveFull(_ f: [[Double]], _ g: [[Double]]) -> [[Double]] {
        let (fh, fw, gh, gw) = (f.count, f[0].count, g.count, g[0].count)
        var out = [[Double]](repeating: [Double](repeating: 0, count: fw + gw - 1), count: fh + gh - 1)
        for a in 0..<fh { for b in 0..<fw { for r in 0..<gh { for s in 0..<gw {
            out[a + r][b + s] += f[a][b] * g[r][s]
        } } } }
        return out
    }

    /// Full 2-D correlation: out[i][j] = Σ f[i−(gh−1)+r][j−(gw−1)+s]·g[r][s].
    static func correlateFull(_ f: [[Double]], _ g: [[Double]]) -> [[Double]] {
        convolveFull(f, g.reversed().map { $0.reversed() })
    }

    static func crop(_ m: [[Double]], rows: Range<Int>, cols: Range<Int>) -> [[Double]] {
        rows.map { r in cols.map { m[r][$0] } }
    }

    /// numpy.convolve / numpy.correlate, following NumPy's C code: the longer input first; correlate
    /// reverses the result when it had to swap.
    static func numpy1D(_ a: [Double], _ v: [Double], mode: ConvolveMode, convolve: Bool) -> [Double] {
        let swapped = a.count < v.count
        let (x, y) = swapped ? (v, a) : (a, v)
        let full = (convolve ? convolveFull([x], [y]) : correlateFull([x], [y]))[0]
        let n = y.count
        var out: [Double]
        switch mode {
        case .full: out = full
        case .same: out = Array(full[(n - 1) / 2..<(n - 1) / 2 + x.count])
        case .valid: out = Array(full[(n - 1)..<x.count])
        }
        if swapped && !convolve { out.reverse() }
        return out
    }

    /// scipy.signal.convolve2d / correlate2d with zero fill; nil where SciPy raises ("valid" with
    /// neither input at least as large as the other in both dimensions).
    static func scipy2D(_ f: [[Double]], _ g: [[Double]], mode: ConvolveMode, convolve: Bool) -> [[Double]]? {
        var (a, v) = (f, g)
        var swapped = false
        if mode == .valid {
            let aBig = a.count >= v.count && a[0].count >= v[0].count
            let vBig = v.count >= a.count && v[0].count >= a[0].count
            if !aBig && !vBig { return nil }
            if !aBig { (a, v) = (v, a); swapped = true }
        }
        let full = convolve ? convolveFull(a, v) : correlateFull(a, v)
        let (ah, aw, vh, vw) = (a.count, a[0].count, v.count, v[0].count)
        var out: [[Double]]
        switch mode {
        case .full: out = full
        case .same:
            let oh = convolve ? (vh - 1) / 2 : vh / 2, ow = convolve ? (vw - 1) / 2 : vw / 2
            out = crop(full, rows: oh..<oh + ah, cols: ow..<ow + aw)
        case .valid:
            out = crop(full, rows: vh - 1..<ah, cols: vw - 1..<aw)
        }
        if swapped && !convolve { out = out.reversed().map { $0.reversed() } }
        return out
    }
}
