// dY: N×K×P×Q, x: N×C×H×W, w: K×(C/groups)×R×S → dX: N×C×H×W, dW: K×(C/groups)×R×S, dB: K
//
// Convolution's gradients through the forward pass's own machinery (the engine's SGEMM and the forward
// kernels), per group:
//   dW_g += dY_g · im2col(x)_gᵀ    (K/groups)×(C/groups·R·S), accumulated over the images
//   dX_g  = col2im(W_gᵀ · dY_g)    col2im (Col2im.swift) scatters columns back onto the pixels
//   dB    = Σ_{n,p,q} dY
// Which kernel computes them, by shape:
// - depthwise (one channel in and out per group): direct loops, as the forward (a one-row GEMM wastes BLAS);
// - 1×1, stride 1, unpadded: the input plane IS the column matrix; W_gᵀ·dY_g goes straight into dX;
// - stride 1: dX is a convolution of dY with the flipped, transposed weights (`inputGradientConvolution`),
//   run by the forward's own kernel choice (the direct kernel in release builds), and dW takes R GEMMs per
//   image on S shifted copies of the padded input (`strideOneWeightGradient`) instead of im2col's R·S;
// - otherwise (strided): im2col + GEMM for dW, GEMM + col2im for dX, sharing one column buffer.
//
// Memory: the graph keeps only x and w (which it holds anyway); the backward pass rebuilds one image's
// column matrix (or shifted copies) at a time per worker. Keeping the whole batch's column matrices alive
// (R·S times the input) would cost more memory than recomputing them costs time: one pass per image
// beside two GEMMs.
//
// Threads, as the forward GEMM path: with enough images, each worker takes whole images with
// single-threaded GEMMs and its own dW partial (summed at the end: no races, no locks); otherwise images
// run one after another, with the GEMMs (or kernel rows) and the copies split over the workers.
// Measured on R3 (8×64×56×56 → 64, 3×3, pad 1), release, on a machine shared with other builds:
// one thread (thread CPU time) forward 18.3 ms, dX 19.7 ms, dW 24.5 ms (with im2col + GEMM: 26.5 ms),
// both 42 ms; two threads, dX + dW wall time 23.1 ms = 160 GFLOP/s counting 2× the forward's FLOPs,
// 78 % of the 204 GFLOP/s SGEMM peak (PyTorch: 19.3 ms).

/// Which gradients a convolution's backward pass computes; the others stay nil.
struct ConvGradients {
    var x: [Float]?
    var w: [Float]?
    var b: [Float]?
}

extension ConvGeometry {
    /// The gradients of `run(x:w:bias:)` for the output gradient `dy` (N×K×P×Q flat), with `x` and `w`
    /// the forward pass's input and (K×C/groups×R×S) weight.
    func backward(x: [Float], w: [Float], dy: [Float], needX: Bool, needW: Bool, needB: Bool) -> ConvGradients {
        var result = ConvGradients()
        if needB { result.b = biasGradient(dy) }
        guard needX || needW else { return result }
        // No input channels, an empty input or no outputs: every product is empty, the gradients are 0.
        guard colRows > 0, colCols > 0, n > 0, k > 0, !x.isEmpty else {
            if needX { result.x = [Float](repeating: 0, count: n * c * h * self.w) }
            if needW { result.w = [Float](repeating: 0, count: k * colRows) }
            return result
        }
        let strideOne = stride == Size2(1) && !isDepthwise && !isPointwise
        // At stride 1, dX is itself a convolution: the forward kernels compute it into a fresh array.
        let batchedX = needX && strideOne && groups == 1 && Double(h * self.w) > 1.25 * Double(out.h * out.w)
        let transposed = strideOne && needX && !batchedX ? inputGradientConvolution : nil
        if batchedX {
            result.x = w.withUnsafeBufferPointer { wb in
                dy.withUnsafeBufferPointer { db in
                    guard let wp = wb.baseAddress, let dyp = db.baseAddress else { return [Float](repeating: 0, count: n * c * h * self.w) }
                    return batchedInputGradient(w: wp, dy: dyp)
                }
            }
        } else if let transposed {
            let flipped = w.withUnsafeBufferPointer { wb in wb.baseAddress.map(flippedTransposedWeights) ?? [] }
            result.x = transposed.run(x: dy, w: flipped, bias: nil)
        }
        let gemmX = needX && transposed == nil && !batchedX
        var dx = [Float](repeating: 0, count: gemmX ? n * c * h * self.w : 0)
        var dw = [Float](repeating: 0, count: needW ? k * colRows : 0)
        x.withUnsafeBufferPointer { xb in
            w.withUnsafeBufferPointer { wb in
                dy.withUnsafeBufferPointer { db in
                    dx.withUnsafeMutableBufferPointer { dxb in
                        dw.withUnsafeMutableBufferPointer { dwb in
                            guard let xp = xb.baseAddress, let wp = wb.baseAddress, let dyp = db.baseAddress else { return }
                            let dxp = gemmX ? dxb.baseAddress : nil, dwp = needW ? dwb.baseAddress : nil
                            if isDepthwise {
                                depthwiseBackward(x: xp, w: wp, dy: dyp, dx: dxp, dw: dwp)
                            } else if strideOne && shiftedCopiesFit {
                                if let dwp { strideOneWeightGradient(x: xp, dy: dyp, dw: dwp) }
                                if dxp != nil { gemmBackward(x: xp, w: wp, dy: dyp, dx: dxp, dw: nil) }
                            } else {
                                gemmBackward(x: xp, w: wp, dy: dyp, dx: dxp, dw: dwp)
                            }
                        }
                    }
                }
            }
        }
        if gemmX { result.x = dx }
        if needW { result.w = dw }
        return result
    }

    /// At stride 1 (and padding no wider than the dilated kernel's reach minus one, which 'same' and
    /// the usual paddings are), the input gradient is a stride-1 convolution of dY, zero-padded by
    /// reach − 1 − pad, with the weights flipped in R and S and transposed to C×(K/groups)×R×S:
    /// `dX[c, i, j] = Σ_{k,r,s} W[k, c, R−1−r, S−1−s] · dYpad[k, i + r·dh, j + s·dw]`. Running it through
    /// `run` reuses the forward's fastest kernel (direct or im2col + SGEMM) instead of GEMM + col2im.
    /// Nil when this does not apply (strided, or a padding that would need cropping).
    var inputGradientConvolution: ConvGeometry? {
        guard stride == Size2(1), !isPointwise else { return nil }
        let reachH = (kernel.h - 1) * dilation.h, reachW = (kernel.w - 1) * dilation.w
        let p = Padding2D(top: reachH - pad.top, left: reachW - pad.left, bottom: reachH - pad.bottom, right: reachW - pad.right)
        guard p.top >= 0, p.left >= 0, p.bottom >= 0, p.right >= 0 else { return nil }
        // Its column matrix is (K/groups·R·S)×(H·W): with a huge dilation H·W can dwarf P·Q, and then
        // the forward's (validated) column matrix is the safer size to allocate.
        let transposedColumns = Double(filtersPerGroup * kernel.h * kernel.w) * Double(h * self.w)
        guard transposedColumns <= Swift.max(4 * Double(colRows) * Double(colCols), Double(1 << 22)) else { return nil }
        return ConvGeometry(n: n, c: k, h: out.h, w: out.w, k: c, groups: groups, kernel: kernel, stride: Size2(1),
                            dilation: dilation, pad: p, out: Size2(h, w), kernels: kernels)
    }

    /// W (K×(C/groups)×R×S) → W' (C×(K/groups)×R×S) with `W'[g·C/groups + ci, kj, r, s] =
    /// W[g·K/groups + kj, ci, R−1−r, S−1−s]`: the weights of `inputGradientConvolution`.
    func flippedTransposedWeights(_ w: UnsafePointer<Float>) -> [Float] {
        let cg = channelsPerGroup, kg = filtersPerGroup, taps = kernel.h * kernel.w
        return [Float](unsafeUninitializedCapacity: k * cg * taps) { buffer, initialized in
            guard let out = buffer.baseAddress else { return }
            for g in 0..<groups {
                for ci in 0..<cg {
                    for kj in 0..<kg {
                        let src = w + ((g * kg + kj) * cg + ci) * taps
                        let dst = out + ((g * cg + ci) * kg + kj) * taps
                        for t in 0..<taps { dst[t] = src[taps - 1 - t] }
                    }
                }
            }
            initialized = k * cg * taps
        }
    }

    /// dB[k] = Σ over images and positions of dY[n, k, ·, ·], summed in Double per channel.
    private func biasGradient(_ dy: [Float]) -> [Float] {
        var db = [Float](repeating: 0, count: k)
        let plane = colCols
        dy.withUnsafeBufferPointer { src in
            db.withUnsafeMutableBufferPointer { dst in
                guard let s = src.baseAddress, let d = dst.baseAddress else { return }
                parallelFor(k, minChunk: Swift.max(1, 65_536 / Swift.max(1, n * plane))) { ch in
                    var sum = 0.0
                    for image in 0..<n {
                        sum += Double(vectorSum(s + (image * k + ch) * plane, count: plane))
                    }
                    d[ch] = Float(sum)
                }
            }
        }
        return db
    }

    /// Σ p[0..<count] with 16 independent partial sums: a plain `+=` loop is one serial chain of
    /// scalar adds (LLVM may not reassociate floats), which made dB ~8 % of a LeNet-5 training step.
    @inline(__always)
    private func vectorSum(_ p: UnsafePointer<Float>, count: Int) -> Float {
        var lanes = SIMD16<Float>()
        var i = 0
        let raw = UnsafeRawPointer(p)
        while i + 16 <= count {
            lanes += raw.loadUnaligned(fromByteOffset: i * MemoryLayout<Float>.stride, as: SIMD16<Float>.self)
            i += 16
        }
        var tail: Float = 0
        while i < count { tail += p[i]; i += 1 }
        return lanes.sum() + tail
    }

    // MARK: im2col + SGEMM

    /// dX = col2im(Wᵀ · dY) for one group, with each GEMM spanning several images: their dY planes are
    /// laid side by side (K × images·P·Q), so a small layer makes one well-shaped GEMM per chunk
    /// instead of one tiny GEMM per image. Used at stride 1 when the transposed convolution would
    /// mostly multiply its zero border (H·W well above P·Q: a 'valid' convolution of a small plane,
    /// LeNet's 6→16 5×5 on 14×14 has 196 / 100). Chunks of about 2048 columns run on the workers,
    /// each with single-threaded BLAS and its own buffers; each chunk owns its images' dX planes.
    private func batchedInputGradient(w: UnsafePointer<Float>, dy: UnsafePointer<Float>) -> [Float] {
        let rows = colRows, cols = colCols, plane = h * self.w, taps = kernel.h * kernel.w
        let chunks = Swift.min(n, Swift.max(Engine.threads, (n * cols + 2047) / 2048))
        var dx = [Float](repeating: 0, count: n * c * plane)
        dx.withUnsafeMutableBufferPointer { dxb in
            guard let dxp = dxb.baseAddress, chunks > 0 else { return }
            withSingleThreadedBLAS {
                parallelFor(chunks) { chunk in
                    let first = n * chunk / chunks, count = n * (chunk + 1) / chunks - first
                    let width = count * cols
                    guard width > 0 else { return }
                    let dyt = UnsafeMutablePointer<Float>.allocate(capacity: k * width)
                    let col = UnsafeMutablePointer<Float>.allocate(capacity: rows * width)
                    defer { dyt.deallocate(); col.deallocate() }
                    for image in 0..<count {
                        for kk in 0..<k {
                            (dyt + kk * width + image * cols).initialize(from: dy + ((first + image) * k + kk) * cols, count: cols)
                        }
                    }
                    sgemm(transA: true, m: rows, n: width, k: k, a: w, b: dyt, c: col, kernels: kernels)
                    for image in 0..<count {
                        for ch in 0..<c {
                            col2imChannel(col + ch * taps * width + image * cols, rowStride: width,
                                          into: dxp + ((first + image) * c + ch) * plane)
                        }
                    }
                }
            }
        }
        return dx
    }

    private func gemmBackward(x: UnsafePointer<Float>, w: UnsafePointer<Float>, dy: UnsafePointer<Float>,
                              dx: UnsafeMutablePointer<Float>?, dw: UnsafeMutablePointer<Float>?) {
        let colCount = isPointwise ? 1 : colRows * colCols
        let wCount = k * colRows
        let schedule = ImageSchedule(images: n)
        // The first scratch accumulates straight into dw, every other into its own partial sum, added at
        // the end; fixed image ranges keep those sums (and the result) the same from run to run.
        let partials = dw == nil ? 0 : (schedule.scratchCount - 1) * wCount
        let spare = zeroedScratch(partials)
        defer { spare.deallocate() }
        schedule.forEachImage(.fixed, scratch: { _ in UnsafeMutablePointer<Float>.allocate(capacity: colCount) },
                              release: { $0.deallocate() }) { image, col, worker, spread in
            let myDW = dw.map { worker == 0 ? $0 : spare + (worker - 1) * wCount }
            imageBackward(image, x: x, w: w, dy: dy, dx: dx, dw: myDW, col: col, splitCol2im: spread)
        }
        if let dw, partials > 0 {
            for i in 0..<partials { dw[i % wCount] += spare[i] }
        }
    }

    /// One image, every group: dW_g += dY_g · im2col(x)ᵀ, then dX_g = col2im(W_gᵀ · dY_g), reusing `col`.
    private func imageBackward(_ image: Int, x: UnsafePointer<Float>, w: UnsafePointer<Float>, dy: UnsafePointer<Float>,
                               dx: UnsafeMutablePointer<Float>?, dw: UnsafeMutablePointer<Float>?,
                               col: UnsafeMutablePointer<Float>, splitCol2im: Bool) {
        let plane = h * self.w, cg = channelsPerGroup, kg = filtersPerGroup
        let rows = colRows, cols = colCols
        let channelBlock = kernel.h * kernel.w * cols
        let minChunk = Swift.max(1, 16_384 / Swift.max(1, channelBlock))
        for g in 0..<groups {
            let xin = x + (image * c + g * cg) * plane
            let dyg = dy + (image * k + g * kg) * cols
            let wg = w + g * kg * rows
            if let dw {
                let b: UnsafePointer<Float>
                if isPointwise {
                    b = xin
                } else {
                    if splitCol2im {
                        parallelFor(cg, minChunk: minChunk) { ci in im2colChannel(xin + ci * plane, into: col + ci * channelBlock) }
                    } else {
                        for ci in 0..<cg { im2colChannel(xin + ci * plane, into: col + ci * channelBlock) }
                    }
                    b = UnsafePointer(col)
                }
                sgemm(transB: true, m: kg, n: rows, k: cols, a: dyg, b: b, beta: 1, c: dw + g * kg * rows, kernels: kernels)
            }
            if let dx {
                let dxg = dx + (image * c + g * cg) * plane
                if isPointwise {
                    sgemm(transA: true, m: rows, n: cols, k: kg, a: wg, b: dyg, c: dxg, kernels: kernels)
                } else {
                    sgemm(transA: true, m: rows, n: cols, k: kg, a: wg, b: dyg, c: col, kernels: kernels)
                    if splitCol2im {
                        parallelFor(cg, minChunk: minChunk) { ci in col2imChannel(col + ci * channelBlock, into: dxg + ci * plane) }
                    } else {
                        for ci in 0..<cg { col2imChannel(col + ci * channelBlock, into: dxg + ci * plane) }
                    }
                }
            }
        }
    }

    // MARK: stride-1 weight gradient without im2col

    /// dW at stride 1 through shifted views instead of a column matrix. With x zero-padded to Hp×Wp
    /// and dY widened to P×Wp rows (zeros in columns Q..<Wp), tap (r, s) reads, for every flat position
    /// j = p·Wp + q, the padded pixel at j + r·dh·Wp + s·dw. Keeping S copies of the padded planes, copy
    /// s shifted left by s·dw and laid out [group][s][channel], the rows (s, c) of one kernel row r are
    /// evenly spaced (one plane apart), so each kernel row is ONE GEMM:
    /// `dW[:, :, r, :] += dYw (K/groups × L) · X_rᵀ (L × S·C/groups)`, L = (P−1)·Wp + Q, reading X_r at
    /// offset r·dh·Wp with row stride Hp·Wp. At stride 1, Wp = Q + dw·(S−1) and Hp = P + dh·(R−1), so no
    /// read passes a plane's end; the widened columns meet pixels wrapped from the next row, times zero.
    /// This writes S padded copies of x instead of im2col's R·S, and R GEMMs of S·C/groups columns.
    /// Whether the S shifted padded copies stay within the size of the column matrix the forward
    /// already allowed (or 4 M values): huge paddings with huge dilations could make them far larger.
    var shiftedCopiesFit: Bool {
        let planeP = Double(h + pad.top + pad.bottom) * Double(self.w + pad.left + pad.right)
        return Double(kernel.w) * Double(c) * planeP <= Swift.max(Double(colRows) * Double(colCols) * Double(groups), Double(1 << 22))
    }

    private func strideOneWeightGradient(x: UnsafePointer<Float>, dy: UnsafePointer<Float>, dw: UnsafeMutablePointer<Float>) {
        let cg = channelsPerGroup, kg = filtersPerGroup, taps = kernel.h * kernel.w, sCount = kernel.w
        let hp = h + pad.top + pad.bottom, wp = self.w + pad.left + pad.right
        let planeP = hp * wp, rowLen = out.h * wp, span = (out.h - 1) * wp + out.w
        let accCount = taps * k * cg
        let schedule = ImageSchedule(images: n)
        let workers = schedule.scratchCount
        // acc[worker][r][k][s][ci], summed and reordered into K×(C/groups)×R×S at the end.
        let acc = zeroedScratch(workers * accCount)
        defer { acc.deallocate() }
        let shiftedCount = sCount * c * planeP

        /// Channel `ch` of one image into its S shifted padded planes (borders and tails stay zero).
        func fill(_ ch: Int, image: Int, into shifted: UnsafeMutablePointer<Float>) {
            let (g, ci) = (ch / cg, ch % cg)
            let src = x + (image * c + ch) * h * self.w
            for s in 0..<sCount {
                let plane = shifted + ((g * sCount + s) * cg + ci) * planeP
                let shift = s * dilation.w
                // Padded pixel (row + top, col + left) lands at flat index (row + top)·Wp + col + left − shift.
                for row in 0..<h {
                    let flat = (row + pad.top) * wp + pad.left - shift
                    let skip = Swift.max(0, -flat)
                    if skip < self.w { (plane + flat + skip).update(from: src + row * self.w + skip, count: self.w - skip) }
                }
            }
        }
        func widen(_ kk: Int, image: Int, into dyw: UnsafeMutablePointer<Float>) {
            let src = dy + (image * k + kk) * colCols
            for row in 0..<out.h { (dyw + kk * rowLen + row * wp).update(from: src + row * out.w, count: out.w) }
        }
        /// The GEMM of kernel row `r` of group `g`.
        func rowGEMM(_ r: Int, group g: Int, shifted: UnsafePointer<Float>, dyw: UnsafePointer<Float>, acc: UnsafeMutablePointer<Float>) {
            sgemm(transB: true, m: kg, n: sCount * cg, k: span, a: dyw + g * kg * rowLen, lda: rowLen,
                  b: shifted + g * sCount * cg * planeP + r * dilation.h * wp, ldb: planeP,
                  beta: 1, c: acc + (r * k + g * kg) * sCount * cg, ldc: sCount * cg, kernels: kernels)
        }
        schedule.forEachImage(.fixed, scratch: { _ in (shifted: zeroedScratch(shiftedCount), dyw: zeroedScratch(k * rowLen)) },
                              release: { $0.shifted.deallocate(); $0.dyw.deallocate() }) { image, mine, worker, spread in
            guard spread else {
                for ch in 0..<c { fill(ch, image: image, into: mine.shifted) }
                for kk in 0..<k { widen(kk, image: image, into: mine.dyw) }
                for g in 0..<groups {
                    for r in 0..<kernel.h { rowGEMM(r, group: g, shifted: mine.shifted, dyw: mine.dyw, acc: acc + worker * accCount) }
                }
                return
            }
            // Few images: one after another, their kernel rows (and groups) split over the workers.
            parallelFor(c, minChunk: 8) { ch in fill(ch, image: image, into: mine.shifted) }
            parallelFor(k, minChunk: 8) { kk in widen(kk, image: image, into: mine.dyw) }
            withSingleThreadedBLAS {
                parallelFor(kernel.h * groups) { i in
                    rowGEMM(i % kernel.h, group: i / kernel.h, shifted: mine.shifted, dyw: mine.dyw, acc: acc)
                }
            }
        }
        parallelFor(k, minChunk: Swift.max(1, 4096 / Swift.max(1, cg * taps))) { kk in
            for ci in 0..<cg {
                for r in 0..<kernel.h {
                    for s in 0..<sCount {
                        var sum: Float = 0
                        for worker in 0..<workers { sum += acc[worker * accCount + ((r * k + kk) * sCount + s) * cg + ci] }
                        dw[(kk * cg + ci) * taps + r * sCount + s] = sum
                    }
                }
            }
        }
    }

    // MARK: depthwise

    /// One channel in and out per group (K = C): for every tap, dX += w·dY and dW += Σ x·dY over the
    /// shifted planes. One task per channel owns that channel's dX planes and dW taps across images.
    private func depthwiseBackward(x: UnsafePointer<Float>, w: UnsafePointer<Float>, dy: UnsafePointer<Float>,
                                   dx: UnsafeMutablePointer<Float>?, dw: UnsafeMutablePointer<Float>?) {
        let (oh, ow) = (out.h, out.w)
        let taps = kernel.h * kernel.w
        let plane = h * self.w
        parallelFor(k, minChunk: Swift.max(1, 4096 / Swift.max(1, n * oh * ow * taps))) { ch in
            for r in 0..<kernel.h {
                for s in 0..<kernel.w {
                    let tap = ch * taps + r * kernel.w + s
                    let wv = w[tap]
                    let dxo = s * dilation.w - pad.left
                    let inside = insideColumns(count: ow, offset: dxo, stride: stride.w, width: self.w)
                    let (qlo, qhi) = (inside.lowerBound, inside.upperBound)
                    guard qlo < qhi else { continue }
                    let sw = stride.w
                    var acc = 0.0
                    for image in 0..<n {
                        let src = x + (image * c + ch) * plane
                        let g = dy + (image * k + ch) * (oh * ow)
                        var part: Float = 0
                        for p in 0..<oh {
                            let ih = p * stride.h + r * dilation.h - pad.top
                            guard ih >= 0 && ih < h else { continue }
                            let grow = g + p * ow
                            if dw != nil {
                                let line = src + ih * self.w + dxo
                                for q in qlo..<qhi { part += line[q * sw] * grow[q] }
                            }
                            if let dx {
                                let line = dx + (image * c + ch) * plane + ih * self.w + dxo
                                for q in qlo..<qhi { line[q * sw] += wv * grow[q] }
                            }
                        }
                        acc += Double(part)
                    }
                    if let dw { dw[tap] = Float(acc) }
                }
            }
        }
    }
}
