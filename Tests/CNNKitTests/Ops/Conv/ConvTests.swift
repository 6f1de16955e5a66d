@testable import CNNKit
import Testing
import CNNTestSupport

/// conv against the 7-loop reference on randomised parameters, plus literal and rank-adaptation cases.
/// Tolerance: rtol 1e-4, atol 1e-5 (float32 sums of at most a few hundred products).
@Suite("Conv")
struct ConvTests {
    /// A random small convolution: sizes, groups dividing C and K, stride, dilation, padding mode.
    static func randomCase(_ rng: inout TestRNG, index: Int) -> (ConvReference.Params, PaddingSpec) {
        while true {
            var p = ConvReference.Params()
            p.n = rng.int(1, 3)
            p.c = rng.int(1, 6)
            let divisors = (1...p.c).filter { p.c % $0 == 0 }
            p.groups = divisors[rng.int(0, divisors.count - 1)]
            p.k = p.groups * rng.int(1, 3)
            p.h = rng.int(1, 9); p.w = rng.int(1, 9)
            p.r = rng.int(1, 4); p.s = rng.int(1, 4)
            p.stride = (rng.int(1, 3), rng.int(1, 3))
            p.dilation = (rng.int(1, 2), rng.int(1, 2))
            var spec: PaddingSpec
            switch rng.int(0, 3) {
            case 0:
                p.setSamePadding()
                spec = .same
            case 1:
                spec = .valid
            default:
                p.pad = (rng.int(0, 2), rng.int(0, 2), rng.int(0, 2), rng.int(0, 2))
                spec = .explicit(Padding2D(top: p.pad.top, left: p.pad.left, bottom: p.pad.bottom, right: p.pad.right))
            }
            if index % 5 == 0 {
                // The direct 1×1 GEMM path: 1×1 kernel, stride 1, no padding.
                (p.r, p.s, p.stride, p.pad) = (1, 1, (1, 1), (0, 0, 0, 0))
                spec = .valid
            } else if index % 7 == 0 {
                // The depthwise path: one input and one output channel per group.
                (p.groups, p.k) = (p.c, p.c)
            }
            if p.fits { return (p, spec) }
        }
    }

    @Test("conv matches the direct reference on 200 random cases")
    func randomSweep() throws {
        var rng = TestRNG(1)
        for index in 0..<200 {
            let (p, spec) = Self.randomCase(&rng, index: index)
            let x = rng.tensor([p.n, p.c, p.h, p.w])
            let w = rng.tensor([p.k, p.c / p.groups, p.r, p.s])
            let bias: Tensor? = rng.bool() ? rng.tensor([p.k]) : nil
            let y = try Tensor.conv(x, w, bias: bias, stride: Size2(p.stride.h, p.stride.w), padding: spec,
                                    dilation: Size2(p.dilation.h, p.dilation.w), groups: p.groups)
            let expected = Tensor(unchecked: [p.n, p.k, p.outH, p.outW],
                                  scalars: ConvReference.conv(x.scalars, w.scalars, bias: bias?.scalars, p))
            expectClose(y, expected, rtol: 1e-4, atol: 1e-5, "case \(index): \(p) padding \(spec)")
        }
    }

    @Test("each kernel (im2col + GEMM, direct, depthwise) with every kernel set matches the reference on 150 random cases")
    func everyKernel() throws {
        var rng = TestRNG(5)
        for index in 0..<150 {
            let (p, spec) = Self.randomCase(&rng, index: index)
            let x = rng.tensor([p.n, p.c, p.h, p.w])
            let w = rng.tensor([p.k, p.c / p.groups, p.r, p.s])
            let bias: Tensor? = rng.bool() ? rng.tensor([p.k]) : nil
            let plan = try ConvPlan(x: x, w: w, bias: bias, stride: Size2(p.stride.h, p.stride.w), padding: spec,
                                    dilation: Size2(p.dilation.h, p.dilation.w), groups: p.groups)
            let expected = ConvReference.conv(x.scalars, w.scalars, bias: bias?.scalars, p)
            for set in kernelSetsUnderTest {
                for algorithm in ConvAlgorithm.allCases {
                    let y = plan.geometry.using(set).run(x: x.scalars, w: w.scalars, bias: bias?.scalars, algorithm: algorithm)
                    #expect(closeness(y, expected, rtol: 1e-4, atol: 1e-5) <= 1,
                            "case \(index) \(set) \(algorithm): \(p) padding \(spec)")
                }
            }
        }
    }

    @Test("the direct kernel across scratch chunks and tap chunks, one image and several")
    func directChunks() throws {
        var rng = TestRNG(7)
        // 96 filters make the scratch tall, so its chunks cover only a few output rows each.
        for (n, c, k, hw, kernel, stride, pad, dilation) in [(1, 2, 96, 30, 3, 1, 1, 1), (2, 3, 96, 33, 3, 2, 2, 1),
                                                             (1, 1, 100, 41, 5, 1, 0, 2), (3, 2, 40, 64, 3, 1, 1, 1),
                                                             // Over 192 taps: the taps run in accumulated chunks.
                                                             (2, 25, 9, 12, 3, 2, 1, 1), (1, 13, 8, 9, 4, 1, 2, 1),
                                                             // Wide stride-2 rows: the vector deinterleave.
                                                             (1, 2, 8, 75, 3, 2, 1, 1), (2, 1, 8, 70, 4, 2, 0, 1)] {
            var p = ConvReference.Params()
            (p.n, p.c, p.h, p.w, p.k, p.r, p.s) = (n, c, hw, hw, k, kernel, kernel)
            (p.stride, p.pad, p.dilation) = ((stride, stride), (pad, pad, pad, pad), (dilation, dilation))
            let x = rng.tensor([n, c, hw, hw]), w = rng.tensor([k, c, kernel, kernel]), b = rng.tensor([k])
            let plan = try ConvPlan(x: x, w: w, bias: b, stride: Size2(stride), padding: .explicit(Padding2D(pad)),
                                    dilation: Size2(dilation), groups: 1)
            let expected = ConvReference.conv(x.scalars, w.scalars, bias: b.scalars, p)
            for set in kernelSetsUnderTest {
                for algorithm in [ConvAlgorithm.direct, .directShifted] {
                    let y = plan.geometry.using(set).run(x: x.scalars, w: w.scalars, bias: b.scalars, algorithm: algorithm)
                    #expect(closeness(y, expected, rtol: 1e-4, atol: 1e-5) <= 1, "\(set) \(algorithm) \(p)")
                }
            }
        }
    }

    @Test("stride-1 rows sharing their padding: asymmetric left/right pads, dilation, 1×1 in padding")
    func sharedRowPadding() throws {
        var rng = TestRNG(8)
        // (kernel, dilation, top, left, bottom, right): right > left, left > right, wide dilated taps,
        // and a 1×1 kernel whose outputs span the whole padded row.
        for (kernel, dilation, top, left, bottom, right) in [(3, 1, 1, 0, 1, 2), (3, 1, 0, 2, 1, 0), (3, 2, 2, 3, 0, 1),
                                                              (5, 1, 2, 1, 2, 4), (1, 1, 1, 1, 1, 1), (2, 3, 0, 3, 3, 0)] {
            for (n, c, k, h, w) in [(2, 3, 9, 7, 11), (1, 2, 17, 13, 5)] {
                var p = ConvReference.Params()
                (p.n, p.c, p.h, p.w, p.k, p.r, p.s) = (n, c, h, w, k, kernel, kernel)
                (p.pad, p.dilation) = ((top, left, bottom, right), (dilation, dilation))
                guard p.fits else { continue }
                let x = rng.tensor([n, c, h, w]), wt = rng.tensor([k, c, kernel, kernel])
                let plan = try ConvPlan(x: x, w: wt, bias: nil, stride: Size2(1),
                                        padding: .explicit(Padding2D(top: top, left: left, bottom: bottom, right: right)),
                                        dilation: Size2(dilation), groups: 1)
                let expected = ConvReference.conv(x.scalars, wt.scalars, bias: nil, p)
                for set in kernelSetsUnderTest {
                    for algorithm in [ConvAlgorithm.direct, .directShifted] {
                        let y = plan.geometry.using(set).run(x: x.scalars, w: wt.scalars, bias: nil, algorithm: algorithm)
                        #expect(closeness(y, expected, rtol: 1e-4, atol: 1e-5) <= 1, "\(set) \(algorithm) \(p)")
                    }
                }
            }
        }
    }

    @Test("the shifted layout writing whole images into y: LeNet's shape, groups, one image and several")
    func shiftedInPlace() throws {
        var rng = TestRNG(9)
        // K/groups a multiple of the register block's filters (8 with AVX-512, 6 with AVX2, 4 baseline): the
        // in-place path, P·Q a whole number of blocks or with a part-block (13 → 11×11); 20 filters: the
        // scratch path (except at 4).
        for (n, c, k, groups, hw, kernel, withBias) in [(3, 1, 16, 1, 28, 5, true), (1, 1, 32, 1, 28, 5, false),
                                                        (2, 1, 12, 1, 28, 5, true), (2, 2, 24, 2, 13, 3, true),
                                                        (2, 4, 16, 2, 28, 5, true), (1, 2, 24, 1, 14, 3, true),
                                                        (2, 1, 20, 1, 28, 5, true), (2, 3, 16, 1, 13, 3, true), (1, 2, 8, 2, 9, 4, false),
                                                        // 64 channels: the planes are filled in several bands; 4
                                                        // images take the whole-image path on 2 or 4 cores.
                                                        (2, 64, 8, 1, 24, 3, true), (4, 64, 8, 1, 24, 3, true)] {
            var p = ConvReference.Params()
            (p.n, p.c, p.h, p.w, p.k, p.r, p.s, p.groups) = (n, c, hw, hw, k, kernel, kernel, groups)
            let x = rng.tensor([n, c, hw, hw]), w = rng.tensor([k, c / groups, kernel, kernel])
            let b: Tensor? = withBias ? rng.tensor([k]) : nil
            let plan = try ConvPlan(x: x, w: w, bias: b, stride: Size2(1), padding: .valid, dilation: Size2(1), groups: groups)
            let expected = ConvReference.conv(x.scalars, w.scalars, bias: b?.scalars, p)
            for set in kernelSetsUnderTest {
                let y = plan.geometry.using(set).run(x: x.scalars, w: w.scalars, bias: b?.scalars, algorithm: .directShifted)
                #expect(closeness(y, expected, rtol: 1e-4, atol: 1e-5) <= 1, "\(set) \(p)")
            }
        }
    }

    @Test("Winograd F(2×2, 3×3): odd and even outputs, asymmetric padding, chunks across tile rows, any K")
    func winograd() throws {
        var rng = TestRNG(10)
        // (n, c, k, h, w, top, left, bottom, right): chunks (48 tiles with AVX-512, 16 with AVX2, 8 baseline)
        // starting mid-row (15×15 → 8 tiles a row), one tile column, 49 tiles (a one-tile chunk), K not a
        // multiple of the block, 'same' padding.
        for (n, c, k, h, w, top, left, bottom, right) in [(2, 3, 8, 15, 15, 1, 1, 1, 1), (1, 5, 13, 9, 2, 0, 1, 2, 0),
                                                          (3, 2, 16, 16, 14, 1, 1, 1, 1), (1, 17, 9, 7, 31, 2, 0, 1, 3),
                                                          (2, 4, 24, 3, 3, 0, 0, 0, 0), (1, 1, 1, 5, 8, 1, 1, 1, 1),
                                                          // 4 images: one per worker on 2 or 4 cores.
                                                          (4, 3, 16, 17, 19, 1, 1, 1, 1)] {
            var p = ConvReference.Params()
            (p.n, p.c, p.h, p.w, p.k, p.r, p.s) = (n, c, h, w, k, 3, 3)
            p.pad = (top, left, bottom, right)
            guard p.fits else { continue }
            let x = rng.tensor([n, c, h, w]), wt = rng.tensor([k, c, 3, 3]), b = rng.tensor([k])
            let plan = try ConvPlan(x: x, w: wt, bias: b, stride: Size2(1),
                                    padding: .explicit(Padding2D(top: top, left: left, bottom: bottom, right: right)),
                                    dilation: Size2(1), groups: 1)
            #expect(plan.geometry.isWinogradShape)
            let expected = ConvReference.conv(x.scalars, wt.scalars, bias: b.scalars, p)
            for set in kernelSetsUnderTest {
                let y = plan.geometry.using(set).run(x: x.scalars, w: wt.scalars, bias: b.scalars, algorithm: .winograd)
                #expect(closeness(y, expected, rtol: 1e-4, atol: 1e-5) <= 1, "\(set) \(p)")
            }
        }
    }

    @Test("deinterleaveEven: every length and start, the part step included, writes exactly the even values")
    func deinterleave() {
        for lower in 0..<3 {
            for upper in lower...(lower + 70) {
                let src = (0..<(2 * upper + 1)).map { Float($0) }
                var dst = [Float](repeating: -1, count: upper + 1)
                src.withUnsafeBufferPointer { s in
                    dst.withUnsafeMutableBufferPointer { d in
                        guard let sp = s.baseAddress, let dp = d.baseAddress else { return }
                        deinterleaveEven(sp, into: dp, lower..<upper)
                    }
                }
                let expected = (0...upper).map { $0 >= lower && $0 < upper ? Float(2 * $0) : -1 }
                #expect(dst == expected, "\(lower)..<\(upper)")
            }
        }
    }

    @Test("cases whose kernel does not fit throw instead of computing")
    func nonFittingThrow() {
        var rng = TestRNG(6)
        var checked = 0
        while checked < 30 {
            var p = ConvReference.Params()
            (p.h, p.w, p.r, p.s) = (rng.int(1, 4), rng.int(1, 4), rng.int(1, 5), rng.int(1, 5))
            p.dilation = (rng.int(1, 3), rng.int(1, 3))
            guard !p.fits else { continue }
            checked += 1
            #expect(throws: OpError.self) {
                try Tensor.conv(rng.tensor([p.h, p.w]), rng.tensor([p.r, p.s]), dilation: Size2(p.dilation.h, p.dilation.w))
            }
        }
    }

    @Test("reshape(w, [K, C·R·S]) @ im2col(x) equals conv, and im2col matches the naive one")
    func im2colSweep() throws {
        var rng = TestRNG(2)
        for index in 0..<150 {
            var (p, spec) = Self.randomCase(&rng, index: index)
            p.groups = 1
            let x = rng.tensor([p.n, p.c, p.h, p.w])
            let w = rng.tensor([p.k, p.c, p.r, p.s])
            let kernel = Size2(p.r, p.s), stride = Size2(p.stride.h, p.stride.w)
            let dilation = Size2(p.dilation.h, p.dilation.w)
            let cols = try Tensor.im2col(x, kernel: kernel, stride: stride, padding: spec, dilation: dilation)
            let rows = p.c * p.r * p.s, positions = p.outH * p.outW
            #expect(cols.shape == [p.n, rows, positions], "case \(index)")
            let naive = ConvReference.im2col(x.scalars, p)
            #expect(cols.scalars == naive, "case \(index): \(p) padding \(spec)")
            let direct = ConvReference.conv(x.scalars, w.scalars, bias: nil, p)
            var viaColumns: [Float] = []
            for n in 0..<p.n {
                let image = Array(cols.scalars[(n * rows * positions)..<((n + 1) * rows * positions)])
                viaColumns += ConvReference.matmul(w.scalars, image, m: p.k, k: rows, n: positions)
            }
            #expect(closeness(viaColumns, direct, rtol: 1e-4, atol: 1e-5) <= 1, "case \(index)")
        }
    }

    @Test("1×1 convolutions (the direct GEMM path) with groups and bias")
    func pointwise() throws {
        var rng = TestRNG(3)
        for (n, c, k, groups, h, w) in [(1, 4, 6, 2, 3, 5), (3, 6, 3, 3, 2, 2), (2, 5, 7, 1, 4, 1), (1, 1, 1, 1, 1, 1)] {
            let x = rng.tensor([n, c, h, w]), wt = rng.tensor([k, c / groups, 1, 1]), b = rng.tensor([k])
            var p = ConvReference.Params()
            (p.n, p.c, p.h, p.w, p.k, p.groups) = (n, c, h, w, k, groups)
            let y = try Tensor.conv(x, wt, bias: b, groups: groups)
            expectClose(y, Tensor(unchecked: [n, k, h, w], scalars: ConvReference.conv(x.scalars, wt.scalars, bias: b.scalars, p)))
        }
    }

    @Test("a 5×5 of ones convolved with a 3×3 of ones, pad 1, counts the neighbours")
    func literalOnes() throws {
        let x = Tensor(unchecked: [1, 1, 5, 5], scalars: [Float](repeating: 1, count: 25))
        let w = Tensor(unchecked: [1, 1, 3, 3], scalars: [Float](repeating: 1, count: 9))
        let y = try Tensor.conv(x, w, padding: .explicit(Padding2D(1)))
        #expect(y.shape == [1, 1, 5, 5])
        #expect(y.scalars == [4, 6, 6, 6, 4,
                              6, 9, 9, 9, 6,
                              6, 9, 9, 9, 6,
                              6, 9, 9, 9, 6,
                              4, 6, 6, 6, 4])
    }

    @Test("conv is correlation: the kernel is not flipped")
    func correlationNotConvolution() throws {
        let x = Tensor(unchecked: [3, 3], scalars: [0, 0, 0, 0, 1, 0, 0, 0, 0])
        let w = Tensor(unchecked: [3, 3], scalars: [1, 2, 3, 4, 5, 6, 7, 8, 9])
        // An impulse correlated with w gives w rotated by 180°.
        let y = try Tensor.conv(x, w, padding: .same)
        #expect(y.shape == [3, 3])
        #expect(y.scalars == [9, 8, 7, 6, 5, 4, 3, 2, 1])
    }

    @Test("stride 2 with 'same' padding: output ceil(in/stride), extra padding at the end (SAME_UPPER)")
    func sameStrided() throws {
        let x = Tensor(unchecked: [1, 1, 4, 4], scalars: (0..<16).map(Float.init))
        let w = Tensor(unchecked: [1, 1, 3, 3], scalars: [Float](repeating: 1, count: 9))
        let y = try Tensor.conv(x, w, stride: Size2(2), padding: .same)
        // Total padding 1 per axis, all of it at the bottom/right: windows start at rows/cols 0 and 2.
        #expect(y.shape == [1, 1, 2, 2])
        #expect(y.scalars == [45, 39, 66, 50])
    }

    @Test("rank adaptation: 3-D and 2-D inputs keep their rank, 2-D weights filter each channel")
    func rankAdaptation() throws {
        var rng = TestRNG(4)
        let x4 = rng.tensor([1, 3, 6, 5]), w4 = rng.tensor([4, 3, 3, 3]), b = rng.tensor([4])
        let full = try Tensor.conv(x4, w4, bias: b, padding: .explicit(Padding2D(1)))
        let x3 = Tensor(unchecked: [3, 6, 5], scalars: x4.scalars)
        let y3 = try Tensor.conv(x3, w4, bias: b, padding: .explicit(Padding2D(1)))
        #expect(y3.shape == [4, 6, 5])
        #expect(y3.scalars == full.scalars)

        // 2-D image, 2-D kernel → 2-D result.
        let img = rng.tensor([7, 6]), k2 = rng.tensor([3, 2])
        let y2 = try Tensor.conv(img, k2, stride: Size2(2, 1))
        var p = ConvReference.Params()
        (p.h, p.w, p.r, p.s, p.stride) = (7, 6, 3, 2, (2, 1))
        #expect(y2.shape == [p.outH, p.outW])
        expectClose(y2, Tensor(unchecked: [p.outH, p.outW], scalars: ConvReference.conv(img.scalars, k2.scalars, bias: nil, p)))

        // 2-D image with several filters → K×P×Q; with one filter → P×Q.
        let wk = rng.tensor([2, 1, 3, 3])
        #expect(try Tensor.conv(img, wk).shape == [2, 5, 4])
        let w1 = rng.tensor([1, 1, 3, 3])
        #expect(try Tensor.conv(img, w1).shape == [5, 4])

        // A 2-D weight on a C×H×W image: the same kernel on every channel, C outputs (depthwise).
        let k3 = rng.tensor([3, 3])
        let yd = try Tensor.conv(x3, k3, padding: .same)
        #expect(yd.shape == [3, 6, 5])
        var pd = ConvReference.Params()
        (pd.c, pd.h, pd.w, pd.k, pd.r, pd.s, pd.groups) = (3, 6, 5, 3, 3, 3, 3)
        pd.setSamePadding()
        let expanded = k3.scalars + k3.scalars + k3.scalars
        expectClose(yd, Tensor(unchecked: [3, 6, 5], scalars: ConvReference.conv(x3.scalars, expanded, bias: nil, pd)))
        // And on a batch, with bias and an explicit groups = C.
        let bd = rng.tensor([3])
        let yb = try Tensor.conv(x4, k3, bias: bd, padding: .same, groups: 3)
        #expect(yb.shape == [1, 3, 6, 5])
        expectClose(yb, Tensor(unchecked: [1, 3, 6, 5], scalars: ConvReference.conv(x4.scalars, expanded, bias: bd.scalars, pd)))
    }

    @Test("a huge dilation with a huge padding computes a small output without a huge buffer")
    func hugeDilationAndPadding() throws {
        var rng = TestRNG(8)
        let x = rng.tensor([1, 2, 3, 3]), w = rng.tensor([4, 2, 2, 2])
        var p = ConvReference.Params()
        (p.c, p.h, p.w, p.k, p.r, p.s) = (2, 3, 3, 4, 2, 2)
        (p.dilation, p.pad) = ((100_000, 100_000), (50_000, 50_000, 50_000, 50_000))
        let y = try Tensor.conv(x, w, padding: .explicit(Padding2D(50_000)), dilation: Size2(100_000))
        #expect(y.shape == [1, 4, p.outH, p.outW])
        expectClose(y, Tensor(unchecked: y.shape, scalars: ConvReference.conv(x.scalars, w.scalars, bias: nil, p)))
    }

    @Test("empty sizes give empty or bias-only results instead of crashing")
    func emptySizes() throws {
        let w = Tensor(unchecked: [2, 0, 3, 3], scalars: [])
        let x = Tensor(unchecked: [1, 0, 4, 4], scalars: [])
        let y = try Tensor.conv(x, w, bias: Tensor([1, 2]))
        #expect(y.shape == [1, 2, 2, 2])
        #expect(y.scalars == [1, 1, 1, 1, 2, 2, 2, 2])
        let none = try Tensor.conv(Tensor(unchecked: [0, 1, 4, 4], scalars: []), Tensor(unchecked: [1, 1, 2, 2], scalars: [1, 1, 1, 1]))
        #expect(none.shape == [0, 1, 3, 3])
        // A 0×0 image inside padding: every window sees only zeros.
        let padded = try Tensor.conv(Tensor(unchecked: [1, 1, 0, 0], scalars: []), Tensor(unchecked: [1, 1, 1, 1], scalars: [3]),
                                     bias: Tensor([0.5]), padding: .explicit(Padding2D(1)))
        #expect(padded.shape == [1, 1, 2, 2])
        #expect(padded.scalars == [0.5, 0.5, 0.5, 0.5])
    }
}
