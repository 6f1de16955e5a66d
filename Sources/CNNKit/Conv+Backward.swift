// dY: N×K×P×Q, x: N×C×H×W, w: K×(C/groups)×R×S → dX: N×C×H×W, dW: K×(C/groups)×R×S, dB: K
//
// Convolution's gradients through the forward pass's own machinery (im2col + OpenBLAS SGEMM), per image
// and group, with the column matrix `col = im2col(x)` of (C/groups·R·S)×(P·Q):
//   dW_g += dY_g · colᵀ          (K/groups)×(C/groups·R·S), accumulated over the images
//   dX_g  = col2im(W_gᵀ · dY_g)  the adjoint of im2col scatters the columns back onto the pixels
//   dB    = Σ_{n,p,q} dY
// 1×1 stride-1 unpadded convolutions use the input plane as `col` and write W_gᵀ·dY_g straight into dX
// (no im2col, no col2im). Depthwise convolutions (one channel in and out per group) use direct loops,
// as the forward does: a one-row GEMM would waste the BLAS kernel.
//
// Memory: the graph keeps only x and w (which it holds anyway); each worker recomputes the column matrix
// of one image at a time in the backward pass, then reuses that buffer for W_gᵀ·dY_g. Keeping the whole
// batch's column matrices alive (R·S times the input) would cost more than recomputing them, which is
// one memory pass per image beside two GEMMs.
//
// Threads, as the forward GEMM path: with enough images, each worker takes whole images with
// single-threaded GEMMs and its own dW partial (summed at the end: no races, no locks); otherwise images
// run one after another with OpenBLAS threading each GEMM and col2im split over channels.

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
        var dx = [Float](repeating: 0, count: needX ? n * c * h * self.w : 0)
        var dw = [Float](repeating: 0, count: needW ? k * colRows : 0)
        // No input channels, an empty input or no outputs: every product is empty, the gradients are 0.
        if colRows > 0, colCols > 0, n > 0, k > 0, !x.isEmpty {
            x.withUnsafeBufferPointer { xb in
                w.withUnsafeBufferPointer { wb in
                    dy.withUnsafeBufferPointer { db in
                        dx.withUnsafeMutableBufferPointer { dxb in
                            dw.withUnsafeMutableBufferPointer { dwb in
                                guard let xp = xb.baseAddress, let wp = wb.baseAddress, let dyp = db.baseAddress else { return }
                                let dxp = needX ? dxb.baseAddress : nil, dwp = needW ? dwb.baseAddress : nil
                                if isDepthwise {
                                    depthwiseBackward(x: xp, w: wp, dy: dyp, dx: dxp, dw: dwp)
                                } else {
                                    gemmBackward(x: xp, w: wp, dy: dyp, dx: dxp, dw: dwp)
                                }
                            }
                        }
                    }
                }
            }
        }
        if needX { result.x = dx }
        if needW { result.w = dw }
        return result
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
                        let p = s + (image * k + ch) * plane
                        var part: Float = 0
                        for i in 0..<plane { part += p[i] }
                        sum += Double(part)
                    }
                    d[ch] = Float(sum)
                }
            }
        }
        return db
    }

    // MARK: im2col + SGEMM

    private func gemmBackward(x: UnsafePointer<Float>, w: UnsafePointer<Float>, dy: UnsafePointer<Float>,
                              dx: UnsafeMutablePointer<Float>?, dw: UnsafeMutablePointer<Float>?) {
        let threads = Engine.threads
        let colCount = isPointwise ? 1 : colRows * colCols
        let wCount = k * colRows
        if threads > 1 && (n % threads == 0 || n >= 4 * threads) {
            let workers = threads
            // Worker 0 accumulates straight into dw; the others into their own partials, added at the end.
            let partials = dw == nil ? 0 : (workers - 1) * wCount
            let spare = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(partials, 1))
            spare.initialize(repeating: 0, count: Swift.max(partials, 1))
            defer { spare.deallocate() }
            withSingleThreadedBLAS {
                parallelFor(workers) { worker in
                    let col = UnsafeMutablePointer<Float>.allocate(capacity: colCount)
                    defer { col.deallocate() }
                    let myDW = dw.map { worker == 0 ? $0 : spare + (worker - 1) * wCount }
                    for image in (n * worker / workers)..<(n * (worker + 1) / workers) {
                        imageBackward(image, x: x, w: w, dy: dy, dx: dx, dw: myDW, col: col, splitCol2im: false)
                    }
                }
            }
            if let dw {
                for worker in 1..<workers {
                    let part = spare + (worker - 1) * wCount
                    for i in 0..<wCount { dw[i] += part[i] }
                }
            }
        } else {
            let col = UnsafeMutablePointer<Float>.allocate(capacity: colCount)
            defer { col.deallocate() }
            for image in 0..<n {
                imageBackward(image, x: x, w: w, dy: dy, dx: dx, dw: dw, col: col, splitCol2im: threads > 1)
            }
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
                sgemm(transB: true, m: kg, n: rows, k: cols, a: dyg, b: b, beta: 1, c: dw + g * kg * rows)
            }
            if let dx {
                let dxg = dx + (image * c + g * cg) * plane
                if isPointwise {
                    sgemm(transA: true, m: rows, n: cols, k: kg, a: wg, b: dyg, c: dxg)
                } else {
                    sgemm(transA: true, m: rows, n: cols, k: kg, a: wg, b: dyg, c: col)
                    if splitCol2im {
                        parallelFor(cg, minChunk: minChunk) { ci in col2imChannel(col + ci * channelBlock, into: dxg + ci * plane) }
                    } else {
                        for ci in 0..<cg { col2imChannel(col + ci * channelBlock, into: dxg + ci * plane) }
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
                    let qlo = min(ow, max(0, ceilDiv(-dxo, stride.w)))
                    let qhi = max(qlo, min(ow, ceilDiv(self.w - dxo, stride.w)))
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

extension Variable {
    /// Differentiable 2-D convolution: the value of `Tensor.conv` (same parameters, rank adaptation and
    /// errors), with gradients for the input, the weight and the bias. A 2-D R×S weight is shared by
    /// every channel (depthwise), so its gradient sums the per-channel gradients.
    public static func conv(_ x: Variable, _ w: Variable, bias: Variable? = nil, stride: Size2 = Size2(1),
                            padding: PaddingSpec = .valid, dilation: Size2 = Size2(1), groups: Int = 1) throws -> Variable {
        let plan = try ConvPlan(x: x.value, w: w.value, bias: bias?.value, stride: stride, padding: padding,
                                dilation: dilation, groups: groups)
        let y = try Tensor.conv(x.value, w.value, bias: bias?.value, stride: stride, padding: padding,
                                dilation: dilation, groups: groups)
        let xv = x.value, wv = w.value
        let geometry = plan.geometry
        let needX = x.requiresGrad, needW = w.requiresGrad, needB = bias?.requiresGrad ?? false
        let parents = bias.map { [x, w, $0] } ?? [x, w]
        return Autograd.record(y, parents: parents) { gy in
            let taps = geometry.kernel.h * geometry.kernel.w
            let weights = wv.rank == 2 ? Array([[Float]](repeating: wv.scalars, count: geometry.k).joined()) : wv.scalars
            let grads = geometry.backward(x: xv.scalars, w: weights, dy: gy.scalars, needX: needX, needW: needW, needB: needB)
            var dw = grads.w
            if wv.rank == 2, let full = dw {
                // One shared kernel: add up every channel's gradient.
                var shared = [Float](repeating: 0, count: taps)
                for ch in 0..<geometry.k {
                    for t in 0..<taps { shared[t] += full[ch * taps + t] }
                }
                dw = shared
            }
            var out: [Tensor?] = [grads.x.map { Tensor(unchecked: xv.shape, scalars: $0) },
                                  dw.map { Tensor(unchecked: wv.shape, scalars: $0) }]
            if let bias { out.append(grads.b.map { Tensor(unchecked: bias.shape, scalars: $0) }) }
            return out
        }
    }
}
