// 1-D: f: n, g: m → full n+m−1, same max(n, m), valid max(n, m)−min(n, m)+1     (NumPy)
// 2-D: f: H×W, g: R×S → full (H+R−1)×(W+S−1), same H×W, valid (H−R+1)×(W−S+1)    (SciPy)

/// Which part of the full convolution `convolve` and `correlate` return, as NumPy and SciPy name them.
public enum ConvolveMode: String, Sendable { case full, same, valid }

extension Tensor {
    /// True convolution `(f ∗ g)[k] = Σ f[j]·g[k−j]` (the kernel flipped) of two 1-D or two 2-D signals
    /// with zero fill outside them.
    ///
    /// 1-D follows `numpy.convolve`: the longer input is the signal (convolution commutes), so "same"
    /// has the longer length and "valid" works whichever input is longer. 2-D follows
    /// `scipy.signal.convolve2d`: "same" has f's size, and "valid" needs one input at least as large as
    /// the other in every dimension (the larger one is the signal).
    /// Unlike `conv` (which, like every CNN framework, correlates), this flips the kernel.
    public static func convolve(_ f: Tensor, _ g: Tensor, mode: ConvolveMode = .full) throws -> Tensor {
        try signalOp(f, g, mode: mode, op: "convolve", flip: true)
    }

    /// Cross-correlation `(f ⋆ g)[k] = Σ f[k+j]·g[j]`: convolution without the flip.
    ///
    /// 1-D follows `numpy.correlate` exactly, including its asymmetry: when g is longer than f, NumPy
    /// correlates g with f and reverses the result. 2-D follows `scipy.signal.correlate2d`, whose "same"
    /// window is centred at offset ⌊R/2⌋ (convolve2d's at ⌊(R−1)/2⌋), and whose "valid" swaps the inputs
    /// and reverses both axes when g is the larger one.
    public static func correlate(_ f: Tensor, _ g: Tensor, mode: ConvolveMode = .full) throws -> Tensor {
        try signalOp(f, g, mode: mode, op: "correlate", flip: false)
    }

    private static func signalOp(_ f: Tensor, _ g: Tensor, mode: ConvolveMode, op: String, flip: Bool) throws -> Tensor {
        guard f.rank == g.rank, f.rank == 1 || f.rank == 2 else {
            throw OpError(op, "needs two 1-D or two 2-D signals, got \(Shape.describe(f.shape)) and \(Shape.describe(g.shape))")
        }
        guard f.count > 0, g.count > 0 else {
            throw OpError(op, "signals must not be empty, got \(Shape.describe(f.shape)) and \(Shape.describe(g.shape))")
        }
        return f.rank == 1 ? try signal1D(f, g, mode: mode, op: op, flip: flip) : try signal2D(f, g, mode: mode, op: op, flip: flip)
    }

    /// NumPy's `_pyarray_correlate`: the longer input is the signal; correlate reverses the output when it
    /// had to swap, convolve does not need to (it commutes).
    private static func signal1D(_ f: Tensor, _ g: Tensor, mode: ConvolveMode, op: String, flip: Bool) throws -> Tensor {
        let swapped = f.count < g.count
        let a = swapped ? g.scalars : f.scalars
        var v = swapped ? f.scalars : g.scalars
        if flip { v.reverse() }
        let n1 = a.count, n = v.count
        let (offset, length): (Int, Int)
        switch mode {
        case .full: (offset, length) = (0, n1 + n - 1)
        case .same: (offset, length) = ((n - 1) / 2, n1)
        case .valid: (offset, length) = (n - 1, n1 - n + 1)
        }
        var out = try correlateFull2D(a, 1, n1, v, 1, n, rows: 0..<1, cols: offset..<offset + length, op: op)
        if swapped && !flip { out.reverse() }
        return Tensor(out)
    }

    /// SciPy's `convolve2d` / `correlate2d` with zero fill.
    private static func signal2D(_ f: Tensor, _ g: Tensor, mode: ConvolveMode, op: String, flip: Bool) throws -> Tensor {
        var (a, ah, aw) = (f.scalars, f.shape[0], f.shape[1])
        var (v, vh, vw) = (g.scalars, g.shape[0], g.shape[1])
        var swapped = false
        if mode == .valid {
            let fBigger = ah >= vh && aw >= vw, gBigger = vh >= ah && vw >= aw
            guard fBigger || gBigger else {
                throw OpError(op, "mode \"valid\" needs one input at least as large as the other in every dimension, got \(Shape.describe(f.shape)) and \(Shape.describe(g.shape))")
            }
            if !fBigger {
                swap(&a, &v); swap(&ah, &vh); swap(&aw, &vw)
                swapped = true
            }
        }
        if flip { v.reverse() }  // row-major reverse = flip both axes
        let rows: Range<Int>, cols: Range<Int>
        switch mode {
        case .full:
            rows = 0..<ah + vh - 1; cols = 0..<aw + vw - 1
        case .same:
            // SciPy centres "same" differently for the two: convolve2d at ⌊(R−1)/2⌋, correlate2d at ⌊R/2⌋.
            let oh = flip ? (vh - 1) / 2 : vh / 2, ow = flip ? (vw - 1) / 2 : vw / 2
            rows = oh..<oh + ah; cols = ow..<ow + aw
        case .valid:
            rows = vh - 1..<ah; cols = vw - 1..<aw
        }
        var out = try correlateFull2D(a, ah, aw, v, vh, vw, rows: rows, cols: cols, op: op)
        if swapped && !flip { out.reverse() }
        return Tensor(unchecked: [rows.count, cols.count], scalars: out)
    }

    /// The window `rows × cols` of the full correlation of a (ah×aw) with v (vh×vw):
    /// `full[i][j] = Σ a[i−(vh−1)+r][j−(vw−1)+s]·v[r][s]`, zero outside a. Direct loops: the signals
    /// this is for are small; a long one can be interrupted between output rows.
    private static func correlateFull2D(_ a: [Float], _ ah: Int, _ aw: Int, _ v: [Float], _ vh: Int, _ vw: Int,
                                        rows: Range<Int>, cols: Range<Int>, op: String) throws -> [Float] {
        var out = [Float](repeating: 0, count: try Shape.elementCount([rows.count, cols.count], op: op))
        var k = 0
        for i in rows {
            try Engine.checkCancel()
            let y0 = i - (vh - 1)
            let r0 = Swift.max(0, -y0), r1 = Swift.min(vh, ah - y0)
            for j in cols {
                let x0 = j - (vw - 1)
                let s0 = Swift.max(0, -x0), s1 = Swift.min(vw, aw - x0)
                var sum: Float = 0
                if r0 < r1 && s0 < s1 {
                    for r in r0..<r1 {
                        let arow = (y0 + r) * aw + x0, vrow = r * vw
                        for s in s0..<s1 { sum += a[arow + s] * v[vrow + s] }
                    }
                }
                out[k] = sum
                k += 1
            }
        }
        return out
    }
}
