@testable import CNNKit
import Testing
import CNNTestSupport

/// Conv gradients against the plain scatter loops of `ConvGradReference` (rtol 1e-4) on a randomised
/// sweep, and against central finite differences on a sample of elements.
@Suite struct GradCNNConvTests {
    /// One random convolution: N 1–2, groups 1/2/C, C and K per group 1–2, H/W 3–7, kernel 1–3,
    /// stride 1–3, dilation 1–2, asymmetric pads 0–2 or 'same', bias or none.
    static func randomCase(_ rng: inout TestRNG) -> (ConvReference.Params, PaddingSpec, Bool) {
        while true {
            var p = ConvReference.Params()
            p.n = rng.int(1, 2)
            let groupKind = rng.int(0, 3)
            let cg = rng.int(1, 2), kg = rng.int(1, 2)
            p.groups = groupKind == 0 ? rng.int(2, 3) : groupKind == 1 ? 4 : 1
            (p.c, p.k) = (p.groups * cg, p.groups * kg)
            if groupKind == 1 { (p.c, p.k) = (4, 4) }  // depthwise: one channel in and out per group
            p.h = rng.int(3, 7); p.w = rng.int(3, 7)
            p.r = rng.int(1, 3); p.s = rng.int(1, 3)
            p.stride = (rng.int(1, 3), rng.int(1, 3))
            p.dilation = (rng.int(1, 2), rng.int(1, 2))
            let same = rng.int(0, 4) == 0
            let spec: PaddingSpec
            if same {
                p.setSamePadding()
                spec = .same
            } else {
                p.pad = (rng.int(0, 2), rng.int(0, 2), rng.int(0, 2), rng.int(0, 2))
                spec = .explicit(Padding2D(top: p.pad.top, left: p.pad.left, bottom: p.pad.bottom, right: p.pad.right))
            }
            if p.fits { return (p, spec, rng.bool()) }
        }
    }

    @Test func sweepMatchesReferenceAndFiniteDifferences() throws {
        var rng = TestRNG(2026)
        for trial in 0..<48 {
            let (p, padding, hasBias) = Self.randomCase(&rng)
            let x = rng.tensor([p.n, p.c, p.h, p.w]), w = rng.tensor([p.k, p.c / p.groups, p.r, p.s])
            let b = rng.tensor([p.k])
            let gy = rng.tensor([p.n, p.k, p.outH, p.outW])
            let label: Comment = "trial \(trial): \(p) same=\(padding == .same) bias=\(hasBias)"
            let inputs = hasBias ? [x, w, b] : [x, w]
            let conv: ([Variable]) throws -> Variable = { v in
                try Variable.conv(v[0], v[1], bias: hasBias ? v[2] : nil, stride: Size2(p.stride.h, p.stride.w),
                                  padding: padding, dilation: Size2(p.dilation.h, p.dilation.w), groups: p.groups)
            }
            let (_, grads) = try gradients(inputs, gy: gy, conv)
            let ref = ConvGradReference.gradients(x.scalars, w.scalars, gy.scalars, p)
            expectClose(grads[0], Tensor(unchecked: x.shape, scalars: ref.dx), rtol: 1e-4, atol: 1e-5, label)
            expectClose(grads[1], Tensor(unchecked: w.shape, scalars: ref.dw), rtol: 1e-4, atol: 1e-5, label)
            if hasBias { expectClose(grads[2], Tensor(ref.db), rtol: 1e-4, atol: 1e-5, label) }
            if trial % 4 == 0 {
                try seededGradCheck(inputs, maxChecks: 6, seed: UInt64(trial), label, conv)
            }
        }
    }

    /// Stride-1 1×1 unpadded (the direct-GEMM path) with several images and groups.
    @Test func pointwiseMatchesReference() throws {
        var rng = TestRNG(7)
        for (n, c, k, groups) in [(1, 3, 5, 1), (2, 4, 6, 2), (3, 6, 3, 3), (4, 2, 2, 1)] {
            var p = ConvReference.Params()
            (p.n, p.c, p.k, p.groups, p.h, p.w) = (n, c, k, groups, 4, 5)
            let x = rng.tensor([n, c, 4, 5]), w = rng.tensor([k, c / groups, 1, 1]), gy = rng.tensor([n, k, 4, 5])
            let (_, g) = try gradients([x, w], gy: gy) { v in try Variable.conv(v[0], v[1], groups: groups) }
            let ref = ConvGradReference.gradients(x.scalars, w.scalars, gy.scalars, p)
            expectClose(g[0], Tensor(unchecked: x.shape, scalars: ref.dx), rtol: 1e-4, atol: 1e-5)
            expectClose(g[1], Tensor(unchecked: w.shape, scalars: ref.dw), rtol: 1e-4, atol: 1e-5)
        }
    }

    /// C×H×W and H×W inputs, and a 2-D weight shared by every channel (its gradient sums the channels').
    @Test func rankAdaptation() throws {
        var rng = TestRNG(11)
        // C×H×W: one image.
        let x3 = rng.tensor([2, 5, 5]), w4 = rng.tensor([3, 2, 2, 2])
        try seededGradCheck([x3, w4], maxChecks: 20) { v in try Variable.conv(v[0], v[1], padding: .same) }
        // H×W with one filter gives P×Q.
        let x2 = rng.tensor([6, 5]), w1 = rng.tensor([1, 1, 3, 3])
        let y2 = try Variable.conv(Variable(x2, requiresGrad: true), Variable(w1), stride: Size2(2))
        #expect(y2.shape == [2, 2])
        try seededGradCheck([x2, w1], maxChecks: 20) { v in try Variable.conv(v[0], v[1], stride: Size2(2)) }
        // A 2-D weight filters each channel with the same kernel: its gradient is the sum over channels.
        let x = rng.tensor([2, 3, 5, 6]), k2 = rng.tensor([3, 2]), gy = rng.tensor([2, 3, 5, 6])
        let (_, g) = try gradients([x, k2], gy: gy) { v in try Variable.conv(v[0], v[1], padding: .same) }
        let expanded = Tensor(unchecked: [3, 1, 3, 2], scalars: Array([[Float]](repeating: k2.scalars, count: 3).joined()))
        let (_, ge) = try gradients([x, expanded], gy: gy) { v in try Variable.conv(v[0], v[1], padding: .same, groups: 3) }
        expectClose(g[0], ge[0], rtol: 1e-5, atol: 1e-6)
        var summed = [Float](repeating: 0, count: 6)
        for ch in 0..<3 { for t in 0..<6 { summed[t] += ge[1].scalars[ch * 6 + t] } }
        expectClose(g[1], Tensor(unchecked: [3, 2], scalars: summed), rtol: 1e-5, atol: 1e-6)
        try seededGradCheck([x, k2], maxChecks: 6) { v in try Variable.conv(v[0], v[1], padding: .same) }
    }

    /// Only the parents that ask for a gradient get one; a constant conv records nothing.
    @Test func gradientsOnlyWhereRequired() throws {
        let x = Variable(try Tensor(shape: [1, 2, 4, 4], repeating: 1))
        let w = Variable(try Tensor(shape: [3, 2, 3, 3], repeating: 0.5), requiresGrad: true)
        let b = Variable(Tensor([1, 2, 3]))
        let y = try Variable.conv(x, w, bias: b, padding: .explicit(Padding2D(1)))
        try Autograd.backward(y, gradient: try Tensor(shape: y.shape, repeating: 1))
        #expect(x.grad == nil && b.grad == nil)
        // Every weight tap sums over the 4×4 outputs the input pixels it met (1 each): interior taps see
        // all 16, edge taps 12, corner taps 9.
        let grad = try #require(w.grad)
        #expect(grad.scalars[4] == 16 && grad.scalars[0] == 9 && grad.scalars[1] == 12)
        let constant = try Variable.conv(Variable(x.value), Variable(w.value))
        #expect(constant.isLeaf && !constant.requiresGrad)
        #expect(throws: OpError.self) { try Variable.conv(x, Variable(try Tensor(shape: [3, 3, 3, 3], repeating: 0), requiresGrad: true)) }
    }

    /// Release builds compute stride-1 input gradients with the direct kernel (debug builds take the
    /// GEMM path there): force each kernel on the transposed convolution and compare with the reference.
    @Test func strideOneInputGradientOnEveryKernel() throws {
        var rng = TestRNG(17)
        var checked = 0
        for trial in 0..<30 {
            var (p, padding, _) = Self.randomCase(&rng)
            p.stride = (1, 1)
            if padding == .same { p.setSamePadding() }
            guard p.fits else { continue }
            let x = rng.tensor([p.n, p.c, p.h, p.w]), w = rng.tensor([p.k, p.c / p.groups, p.r, p.s])
            let plan = try ConvPlan(x: x, w: w, bias: nil, stride: Size2(1), padding: padding,
                                    dilation: Size2(p.dilation.h, p.dilation.w), groups: p.groups)
            guard let transposed = plan.geometry.inputGradientConvolution else { continue }
            let gy = rng.tensor([p.n, p.k, p.outH, p.outW])
            let flipped = try w.scalars.withUnsafeBufferPointer { try plan.geometry.flippedTransposedWeights(#require($0.baseAddress)) }
            let ref = ConvGradReference.gradients(x.scalars, w.scalars, gy.scalars, p).dx
            for algorithm in [ConvAlgorithm.direct, .gemm] {
                let dx = transposed.run(x: gy.scalars, w: flipped, bias: nil, algorithm: algorithm)
                expectClose(Tensor(unchecked: x.shape, scalars: dx), Tensor(unchecked: x.shape, scalars: ref),
                            rtol: 1e-4, atol: 1e-5, "trial \(trial) \(algorithm): \(p)")
            }
            checked += 1
        }
        #expect(checked >= 10)
    }

    /// Empty batches and zero-channel inputs give empty or zero gradients, never a crash.
    @Test func emptyShapes() throws {
        let x = Variable(try Tensor(shape: [0, 2, 4, 4], repeating: 0), requiresGrad: true)
        let w = Variable(try Tensor(shape: [3, 2, 3, 3], repeating: 1), requiresGrad: true)
        let b = Variable(Tensor([1, 2, 3]), requiresGrad: true)
        let y = try Variable.conv(x, w, bias: b, padding: .same)
        #expect(y.shape == [0, 3, 4, 4])
        try Autograd.backward(y, gradient: y.value)
        #expect(x.grad?.shape == [0, 2, 4, 4])
        #expect(w.grad?.scalars.allSatisfy { $0 == 0 } == true && w.grad?.shape == [3, 2, 3, 3])
        #expect(b.grad?.scalars == [0, 0, 0])
        let x0 = Variable(try Tensor(shape: [1, 0, 3, 3], repeating: 0), requiresGrad: true)
        let w0 = Variable(try Tensor(shape: [2, 0, 2, 2], repeating: 0), requiresGrad: true)
        let y0 = try Variable.conv(x0, w0)
        try Autograd.backward(y0, gradient: try Tensor(shape: y0.shape, repeating: 1))
        #expect(x0.grad?.shape == [1, 0, 3, 3] && w0.grad?.shape == [2, 0, 2, 2])
    }
}
