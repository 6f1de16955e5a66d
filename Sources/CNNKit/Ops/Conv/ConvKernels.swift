import CNNKernels
import Synchronization

// x: N×C×H×W, w: K×(C/groups)×R×S → N×K×P×Q, on validated sizes
//
// Five kernels, chosen by shape (`chosenAlgorithm`):
// - direct (ConvDirect.swift): the input copied once into a padded, stride-phase-split layout, then a
//   register-blocked SIMD16 kernel; the default, since it skips im2col's R·S/stride² copies. Its
//   `directShifted` form copies S shifted planes per channel so that no output column is thrown
//   away and results go straight into y.
// - Winograd F(2×2, 3×3) (ConvWinograd.swift) for 3×3 at stride 1 with enough output tiles: 16
//   multiply-adds per tile where the others spend 36, run by the direct kernel's register block.
// - 1×1, stride 1, no padding: the input plane already IS the column matrix; one GEMM per
//   image and group on it directly (its blocking suits any size).
// - im2col + SGEMM: per image and group, the (C/groups·R·S)×(P·Q) column matrix times the
//   (K/groups)×(C/groups·R·S) weight matrix; used when the direct kernel's flat grid would waste
//   too much (a kernel nearly as wide as the input).
// - depthwise (one input and one output channel per group, e.g. a 2-D weight): a direct
//   shift-and-accumulate loop, since a GEMM with one row would waste the BLAS kernel.
//
// Threads: every kernel spreads its images through `ImageSchedule` (ConvSchedule.swift). Whole images
// per worker run single-threaded GEMMs; otherwise the GEMM path splits im2col over channels and sgemm
// splits each GEMM.

/// The kernels that can compute a convolution.
enum ConvAlgorithm: CaseIterable {
    case automatic, gemm, direct, directShifted, winograd, depthwise
}

/// The sizes of one convolution, all checked by `ConvPlan` (or `im2col`) before any kernel runs.
struct ConvGeometry: Sendable {
    var n: Int, c: Int, h: Int, w: Int
    var k: Int, groups: Int
    var kernel: Size2, stride: Size2, dilation: Size2
    var pad: Padding2D
    var out: Size2
    /// The kernels the direct, Winograd and GEMM paths run (the active set when the geometry was made).
    var kernels: KernelSet = Kernels.active

    /// The direct kernel's register block: filters × flat outputs.
    var blockK: Int { kernels.convRows }
    var blockF: Int { kernels.convColumns }

    var channelsPerGroup: Int { c / groups }
    var filtersPerGroup: Int { k / groups }
    /// Rows of one group's column matrix: C/groups · R · S.
    var colRows: Int { channelsPerGroup * kernel.h * kernel.w }
    /// Columns of the column matrix: one per output position.
    var colCols: Int { out.h * out.w }

    /// 1×1 kernel, stride 1, no padding: the input is its own column matrix.
    var isPointwise: Bool {
        kernel == Size2(1) && stride == Size2(1) && pad == .zero
    }
    var isDepthwise: Bool { channelsPerGroup == 1 && filtersPerGroup == 1 }

    /// The kernel `run` uses by default.
    var chosenAlgorithm: ConvAlgorithm {
        if isDepthwise { return .depthwise }
        if isPointwise { return .gemm }
        #if DEBUG
        // The direct and Winograd layouts are built by CNNKit's own loops, unoptimised in a debug build and
        // many times slower there than the GEMM (whose kernel module is optimised in every build); debug
        // builds (and the tests of everything built on conv) take the GEMM path. Conv's own tests force
        // each kernel.
        return .gemm
        #else
        // The phase layout computes Wph - Q thrown-away columns per output row, plus the last block, and
        // copies its results out of a scratch; the shifted layout throws nothing away and writes y in
        // place (with whole blocks of filters) but copies each input row S times. Costs in vector
        // operations per image: an FMA per tap, filter and vector of flat outputs; a copy per vector. Either
        // buffer could grow far past input and output with huge paddings and dilations (the kernel
        // still fitting): then im2col + SGEMM, whose matrix does not.
        let filters = Double((filtersPerGroup + blockK - 1) / blockK * blockK * groups)
        let width = Double(kernels.vectorWidth)
        let fma = filters * Double(colRows) / width
        let phase = DirectConvLayout(self, shifted: false), shifted = DirectConvLayout(self, shifted: true)
        let phaseCost = fma * Double(phase.flatCount) + Double(phase.bufferCount + k * colCols) / width
        let shiftedCost = fma * Double(shifted.flatCount) + Double(shifted.bufferCount) / width
            + (shifted.writesInPlace ? 0 : Double(k * colCols) / width)
        let limit = Swift.max(16 * Double(c * h * w), Double(1 << 22))
        // Winograd (3×3, stride 1): 16 instead of 36 multiply-adds per 2×2 tile, in whole chunks of one
        // register block's columns of tiles, plus its transforms (about 10 cycles per tile, channel and filter, measured on R3).
        // Its transformed weights (16·K·C floats) are read for every chunk, so they must stay near
        // the core, and a small image has too few chunks to share between workers (ResNet-18's last
        // two stages, 14×14 and 7×7, ran slower with it).
        // With fewer images than workers, the chunks of one image are shared out between barriers, and
        // ResNet-18 at batch 1 ran no faster, sometimes slower: there the direct kernel splits filters.
        let plan = WinogradPlan(self)
        if isWinogradShape && 16 * k * c <= 1 << 19 && plan.tiles >= 4 * plan.chunk && n >= Engine.threads {
            let chunks = Double((plan.tiles + plan.chunk - 1) / plan.chunk * plan.chunk)
            let winogradCost = 16 * filters * Double(c) * chunks / width + 10 * Double(c + k) * Double(plan.tiles)
            if winogradCost < Swift.min(phaseCost, shiftedCost) { return .winograd }
        }
        if shiftedCost < phaseCost && Double(shifted.bufferCount) <= limit { return .directShifted }
        let wasteOK = phase.flatCount * 2 <= out.h * out.w * 3
        return wasteOK && Double(phase.bufferCount) <= limit ? .direct : .gemm
        #endif
    }

    /// Runs the convolution; `x`, `w`, `bias` have the sizes this geometry describes. `algorithm`
    /// forces a kernel (tests check each against the reference); `.depthwise` applies only to
    /// depthwise shapes and falls back to `.gemm` otherwise.
    func run(x: [Float], w: [Float], bias: [Float]?, algorithm: ConvAlgorithm = .automatic) -> [Float] {
        let total = n * k * colCols
        return [Float](unsafeUninitializedCapacity: total) { buffer, initialized in
            initialized = total
            guard let y = buffer.baseAddress, total > 0 else { return }
            // No input channels, an empty kernel or an empty input inside padding: only the bias is left.
            guard colRows > 0, !x.isEmpty else {
                fillBias(y, bias)
                return
            }
            x.withUnsafeBufferPointer { xb in
                w.withUnsafeBufferPointer { wb in
                    withOptionalPointer(bias) { b in
                        guard let xp = xb.baseAddress, let wp = wb.baseAddress else { return }
                        switch algorithm == .automatic ? chosenAlgorithm : algorithm {
                        case .depthwise where isDepthwise: depthwise(x: xp, w: wp, bias: b, y: y)
                        case .winograd where isWinogradShape: winogradPath(x: xp, w: wp, bias: b, y: y)
                        case .direct: directPath(x: xp, w: wp, bias: b, y: y, shifted: false)
                        case .directShifted: directPath(x: xp, w: wp, bias: b, y: y, shifted: true)
                        default: gemmPath(x: xp, w: wp, bias: b, y: y)
                        }
                    }
                }
            }
        }
    }

    private func fillBias(_ y: UnsafeMutablePointer<Float>, _ bias: [Float]?) {
        let plane = colCols
        for i in 0..<(n * k) {
            (y + i * plane).initialize(repeating: bias?[i % k] ?? 0, count: plane)
        }
    }

    // MARK: im2col + SGEMM

    private func gemmPath(x: UnsafePointer<Float>, w: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                          y: UnsafeMutablePointer<Float>) {
        let colCount = isPointwise ? 1 : colRows * colCols
        ImageSchedule(images: n).forEachImage(scratch: { _ in UnsafeMutablePointer<Float>.allocate(capacity: colCount) },
                                              release: { $0.deallocate() }) { image, col, _, spread in
            convImage(image, x: x, w: w, bias: bias, y: y, col: col, splitIm2col: spread)
        }
    }

    /// One image, every group: fill the column matrix (unless pointwise), multiply, add the bias.
    private func convImage(_ image: Int, x: UnsafePointer<Float>, w: UnsafePointer<Float>,
                           bias: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>,
                           col: UnsafeMutablePointer<Float>, splitIm2col: Bool) {
        let plane = h * self.w, cg = channelsPerGroup, kg = filtersPerGroup
        let rows = colRows, cols = colCols
        let channelBlock = kernel.h * kernel.w * cols
        for g in 0..<groups {
            let xin = x + (image * c + g * cg) * plane
            let b: UnsafePointer<Float>
            if isPointwise {
                b = xin
            } else {
                if splitIm2col {
                    parallelFor(cg, minChunk: max(1, 16_384 / max(1, channelBlock))) { ci in
                        im2colChannel(xin + ci * plane, into: col + ci * channelBlock)
                    }
                } else {
                    for ci in 0..<cg { im2colChannel(xin + ci * plane, into: col + ci * channelBlock) }
                }
                b = UnsafePointer(col)
            }
            let yout = y + (image * k + g * kg) * cols
            sgemm(m: kg, n: cols, k: rows, a: w + g * kg * rows, b: b, c: yout, bias: bias.map { $0 + g * kg },
                  kernels: kernels)
        }
    }

    // MARK: depthwise

    /// One channel in, one channel out per group: accumulate each kernel tap's shifted input plane.
    private func depthwise(x: UnsafePointer<Float>, w: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                           y: UnsafeMutablePointer<Float>) {
        let (oh, ow) = (out.h, out.w)
        let taps = kernel.h * kernel.w
        parallelFor(n * k, minChunk: max(1, 4096 / max(1, oh * ow * taps))) { i in
            let ch = i % k
            let src = x + i * (h * self.w)
            let dst = y + i * (oh * ow)
            dst.update(repeating: bias?[ch] ?? 0, count: oh * ow)
            let wk = w + ch * taps
            for r in 0..<kernel.h {
                for s in 0..<kernel.w {
                    let wv = wk[r * kernel.w + s]
                    let dx = s * dilation.w - pad.left
                    let inside = insideColumns(count: ow, offset: dx, stride: stride.w, width: self.w)
                    let (qlo, qhi) = (inside.lowerBound, inside.upperBound)
                    for p in 0..<oh {
                        let ih = p * stride.h + r * dilation.h - pad.top
                        guard ih >= 0 && ih < h else { continue }
                        let line = src + ih * self.w + dx
                        let o = dst + p * ow
                        if stride.w == 1 {
                            for q in qlo..<qhi { o[q] += wv * line[q] }
                        } else {
                            let sw = stride.w
                            for q in qlo..<qhi { o[q] += wv * line[q * sw] }
                        }
                    }
                }
            }
        }
    }
}

/// Adds `bias[row]` to every element of each of `rows` rows of `cols` values.
@inlinable
func addBias(_ y: UnsafeMutablePointer<Float>, _ bias: UnsafePointer<Float>, rows: Int, cols: Int) {
    for r in 0..<rows {
        let b = bias[r]
        let row = y + r * cols
        for j in 0..<cols { row[j] += b }
    }
}

/// Calls `body` with a pointer to `array`'s storage, or nil when there is no array.
@inlinable
func withOptionalPointer<R>(_ array: [Float]?, _ body: (UnsafePointer<Float>?) -> R) -> R {
    guard let array else { return body(nil) }
    return array.withUnsafeBufferPointer { body($0.baseAddress) }
}

/// Hands out the indices 0..<count one at a time to whichever worker asks next. Workers that claim
/// whole images this way finish together even when one core is slowed (by another process, a page
/// fault, a frequency change), where a fixed split waits for the slowest worker's share.
final class WorkCounter: Sendable {
    private let next = Atomic<Int>(0)
    let count: Int

    init(_ count: Int) { self.count = count }

    /// The next unclaimed index, or nil when all are taken.
    func claim() -> Int? {
        let i = next.wrappingAdd(1, ordering: .relaxed).oldValue
        return i < count ? i : nil
    }
}
