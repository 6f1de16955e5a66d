// x: N×C×H×W, w: K×(C/groups)×R×S, bias: K → N×K×P×Q
//
// The public entry points of 2-D convolution, plain (`Tensor.conv`) and differentiable
// (`Variable.conv`), side by side over one `ConvPlan`: rank adaptation, validation and the weight
// layout the kernels take are decided once, there. The kernels and the choice between them live in
// ConvKernels.swift (im2col + SGEMM, 1×1 GEMM, depthwise), ConvDirect.swift (the default SIMD16 direct
// kernel) and Im2col.swift (the column matrix); the gradients' kernels in Conv+Grad.swift.

extension Tensor {
    /// 2-D convolution of a batch of images, computed as cross-correlation (the kernel is NOT flipped),
    /// like PyTorch's `conv2d`, ONNX `Conv` and every other CNN framework. For the flipped, textbook
    /// convolution of signals use `convolve`.
    ///
    /// `y[n, k, p, q] = bias[k] + Σ_{c, r, s} w[k, c, r, s] · xpad[n, g·C/groups + c, p·sh + r·dh, q·sw + s·dw]`
    /// where `g = k / (K/groups)` and `xpad` is `x` with zero padding.
    ///
    /// - Parameters:
    ///   - x: N×C×H×W. A 3-D C×H×W is one image and gives K×P×Q; a 2-D H×W is one single-channel
    ///     image and gives P×Q when there is one output channel (K×P×Q otherwise).
    ///   - w: K×(C/groups)×R×S (PyTorch's and ONNX's layout). A 2-D R×S weight filters every channel
    ///     separately with the same kernel, as image editors do: it is depthwise (groups = C, K = C).
    ///   - bias: K values added to each output channel, or nil.
    ///   - stride, dilation: per axis, at least 1.
    ///   - padding: explicit zero padding (`[top, left, bottom, right]` may be asymmetric), `.valid`, or
    ///     `.same`: output = ceil(input / stride) at any stride, the odd pixel at the end as ONNX's
    ///     SAME_UPPER (PyTorch's `padding='same'` allows stride 1 only).
    ///   - groups: C and K must both be divisible by it; each group of K/groups filters sees C/groups
    ///     input channels.
    /// - Returns: N×K×P×Q with P×Q from `Window2D.outputSize`.
    /// - Throws: `OpError("conv", …)` naming the shapes and what they needed.
    public static func conv(_ x: Tensor, _ w: Tensor, bias: Tensor? = nil, stride: Size2 = Size2(1),
                            padding: PaddingSpec = .valid, dilation: Size2 = Size2(1), groups: Int = 1) throws -> Tensor {
        let plan = try ConvPlan(x: x, w: w, bias: bias, stride: stride, padding: padding,
                                dilation: dilation, groups: groups)
        return plan.forward(x: x, w: w, bias: bias)
    }
}

extension Variable {
    /// Differentiable 2-D convolution: the value of `Tensor.conv` (same parameters, rank adaptation and
    /// errors: one `ConvPlan` serves both), with gradients for the input, the weight and the bias. A 2-D
    /// R×S weight is shared by every channel (depthwise), so its gradient sums the per-channel gradients.
    public static func conv(_ x: Variable, _ w: Variable, bias: Variable? = nil, stride: Size2 = Size2(1),
                            padding: PaddingSpec = .valid, dilation: Size2 = Size2(1), groups: Int = 1) throws -> Variable {
        let xv = x.value, wv = w.value
        let plan = try ConvPlan(x: xv, w: wv, bias: bias?.value, stride: stride, padding: padding,
                                dilation: dilation, groups: groups)
        let y = plan.forward(x: xv, w: wv, bias: bias?.value)
        let parents = bias.map { [x, w, $0] } ?? [x, w]
        guard Autograd.needsGraph(parents) else { return Variable(y) }
        let needX = x.requiresGrad, needW = w.requiresGrad, needB = bias?.requiresGrad ?? false
        return Autograd.record(y, parents: parents) { gy in
            let grads = plan.geometry.backward(x: xv.scalars, w: plan.kernelWeights(wv), dy: gy.scalars,
                                               needX: needX, needW: needW, needB: needB)
            var out: [Tensor?] = [grads.x.map { Tensor(unchecked: xv.shape, scalars: $0) },
                                  grads.w.map { Tensor(unchecked: wv.shape, scalars: plan.weightGradient($0, of: wv)) }]
            if let bias { out.append(grads.b.map { Tensor(unchecked: bias.shape, scalars: $0) }) }
            return out
        }
    }
}

/// A validated convolution: the geometry the kernels run and the shape the caller gets back.
struct ConvPlan {
    var geometry: ConvGeometry
    var resultShape: [Int]

    /// The weight as the kernels take it, K×(C/groups)×R×S. A 2-D weight is one kernel for every
    /// channel: each channel gets its own copy.
    func kernelWeights(_ w: Tensor) -> [Float] {
        w.rank == 2 ? Array([[Float]](repeating: w.scalars, count: geometry.k).joined()) : w.scalars
    }

    /// The kernels' weight gradient (K×(C/groups)×R×S) in the layout of the weight `w` as given: a 2-D
    /// weight, shared by every channel, gets the sum of the channels' gradients.
    func weightGradient(_ full: [Float], of w: Tensor) -> [Float] {
        guard w.rank == 2 else { return full }
        let taps = geometry.kernel.h * geometry.kernel.w
        var shared = [Float](repeating: 0, count: taps)
        for ch in 0..<geometry.k {
            for t in 0..<taps { shared[t] += full[ch * taps + t] }
        }
        return shared
    }

    /// Runs the convolution this plan validated.
    func forward(x: Tensor, w: Tensor, bias: Tensor?) -> Tensor {
        Tensor(unchecked: resultShape, scalars: geometry.run(x: x.scalars, w: kernelWeights(w), bias: bias?.scalars))
    }

    init(x: Tensor, w: Tensor, bias: Tensor?, stride: Size2, padding: PaddingSpec, dilation: Size2,
         groups: Int) throws {
        let xs = Shape.describe(x.shape), ws = Shape.describe(w.shape)
        let batch = try ImageBatch(x.shape, op: "conv")
        let (n, c, h, wd) = (batch.n, batch.c, batch.h, batch.w)
        let k: Int, cg: Int, r: Int, s: Int, g: Int
        switch w.rank {
        case 4:
            (k, cg, r, s) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
            g = groups
        case 2:
            // One R×S kernel applied to every channel on its own: depthwise, one output per channel.
            guard groups == 1 || groups == c else {
                throw OpError("conv", "a 2-D weight \(ws) filters each of the \(c) channels separately (groups = \(c)), got groups=\(groups)")
            }
            (k, cg, r, s, g) = (c, 1, w.shape[0], w.shape[1], max(c, 1))
        default:
            throw OpError("conv", "weight must be K×(C/groups)×R×S or R×S, got shape \(ws)")
        }
        guard g >= 1 else { throw OpError("conv", "groups must be at least 1, got \(groups)") }
        if w.rank == 4 {
            guard c % g == 0 else {
                throw OpError("conv", "input channels C=\(c) of input \(xs) must be divisible by groups=\(g)")
            }
            guard k % g == 0 else {
                throw OpError("conv", "output channels K=\(k) of weight \(ws) must be divisible by groups=\(g)")
            }
            guard cg == c / g else {
                throw OpError("conv", "weight \(ws) needs \(c / g) input channels per group (C/groups = \(c)/\(g)) to match input \(xs), got \(cg)")
            }
        }
        if let bias {
            guard bias.rank == 1, bias.shape[0] == k else {
                throw OpError("conv", "bias must hold one value per output channel (\(k)), got shape \(Shape.describe(bias.shape))")
            }
        }
        let window = Window2D(kernel: Size2(r, s), stride: stride, dilation: dilation, padding: padding)
        let out = try window.outputSize(input: Size2(h, wd), op: "conv")
        let pad = window.resolvedPadding(input: Size2(h, wd))
        _ = try Shape.elementCount([n, k, out.h, out.w], op: "conv")
        // The per-image column matrix must be allocatable too.
        _ = try Shape.elementCount([cg, r, s, out.h, out.w], op: "conv")
        geometry = ConvGeometry(n: n, c: c, h: h, w: wd, k: k, groups: g, kernel: Size2(r, s),
                                stride: stride, dilation: dilation, pad: pad, out: out)
        resultShape = batch.shape(channels: k, size: out)
    }
}
