import CNNKit

extension Builtins {
    /// `relu sigmoid tanh`: elementwise, any shape.
    private static func activation(_ name: String, _ summary: String,
                                   _ f: @escaping (Variable) throws -> Variable) -> Builtin {
        Builtin(name: name, group: .cnn, summary: summary,
                parameters: [.required("x", "a tensor")],
                shapes: "x → same shape",
                example: "\(name)(tensor([-1, 0, 2]))",
                body: { a, _ in .tensor(try f(try a.variable("x"))) })
    }

    static let cnn: [Builtin] = [
        Builtin(
            name: "conv", group: .cnn,
            summary: "2-D convolution as CNN frameworks compute it: a cross-correlation (the kernel is not flipped; convolve() flips it).",
            parameters: [.required("x", "input, N×C×H×W (C×H×W or H×W: one image, the result keeps the rank)"),
                         .required("w", "weight K×(C/groups)×R×S, or R×S to filter every channel separately"),
                         .optional("b", "bias of K values"),
                         .labeled("stride", .number(1), strideDoc),
                         .labeled("pad", .number(0), padDoc),
                         .labeled("dilation", .number(1), dilationDoc),
                         .labeled("groups", .number(1), "split channels into groups (C and K divisible by it)")],
            shapes: "x: N×C×H×W, w: K×(C/groups)×R×S, b: K → N×K×P×Q with P = floor((H + pads - dilation·(R-1) - 1) / stride) + 1",
            notes: "Like PyTorch's conv2d (and ONNX Conv), this is cross-correlation; \"same\" padding works at any stride,\nthe extra pixel going to the end as ONNX's SAME_UPPER.",
            example: "conv(randn(1, 1, 5, 5, seed:1), ones(1, 1, 3, 3), pad:1)",
            body: { a, _ in
                let stride = try a.size2("stride"), padding = try a.padding("pad")
                let dilation = try a.size2("dilation"), groups = try a.positiveInt("groups")
                return .tensor(try Variable.conv(try a.variable("x"), try a.variable("w"), bias: try a.optionalVariable("b"),
                                                 stride: stride, padding: padding, dilation: dilation, groups: groups))
            }),
        Builtin(
            name: "maxpool", group: .cnn,
            summary: "Max pooling over k×k windows; stride defaults to the kernel size.",
            parameters: [.required("x", "input, N×C×H×W (or C×H×W, H×W)")] + maxPoolParameters,
            shapes: "N×C×H×W → N×C×P×Q",
            example: "maxpool(reshape(arange(16), [1, 1, 4, 4]), 2)",
            body: { a, _ in
                let w = try a.maxPoolArguments()
                return .tensor(try Variable.maxPool(try a.variable("x"), kernel: w.kernel, stride: w.stride, padding: w.padding,
                                                    dilation: w.dilation, ceilMode: w.ceil))
            }),
        Builtin(
            name: "avgpool", group: .cnn,
            summary: "Average pooling over k×k windows; stride defaults to the kernel size.",
            parameters: [.required("x", "input, N×C×H×W (or C×H×W, H×W)")] + avgPoolParameters,
            shapes: "N×C×H×W → N×C×P×Q",
            example: "avgpool(reshape(arange(16), [1, 1, 4, 4]), 2)",
            body: { a, _ in
                let w = try a.avgPoolArguments()
                return .tensor(try Variable.avgPool(try a.variable("x"), kernel: w.kernel, stride: w.stride, padding: w.padding,
                                                    ceilMode: w.ceil, countPad: w.countPad))
            }),
        Builtin(
            name: "gavgpool", group: .cnn,
            summary: "Global average pooling: the mean of each channel.",
            parameters: [.required("x", "input, N×C×H×W")],
            shapes: "N×C×H×W → N×C×1×1",
            example: "gavgpool(ones(1, 2, 3, 3))",
            body: { a, _ in .tensor(try Variable.globalAvgPool(try a.variable("x"))) }),
        Builtin(
            name: "gmaxpool", group: .cnn,
            summary: "Global max pooling: the maximum of each channel.",
            parameters: [.required("x", "input, N×C×H×W")],
            shapes: "N×C×H×W → N×C×1×1",
            example: "gmaxpool(ones(1, 2, 3, 3))",
            body: { a, _ in .tensor(try Variable.globalMaxPool(try a.variable("x"))) }),
        Builtin(
            name: "flatten", group: .cnn,
            summary: "Flattens the axes from axis: on into one (axis 1 keeps the batch axis, as PyTorch's Flatten).",
            parameters: [.required("x", "a tensor"), .labeled("axis", .number(1), "the first axis to merge")],
            shapes: "N×C×H×W → N×(C·H·W)",
            example: "flatten(zeros(2, 3, 4, 4))",
            body: { a, _ in .tensor(try a.variable("x").flatten(axis: try a.int("axis"))) }),
        Builtin(
            name: "linear", group: .cnn,
            summary: "A fully connected layer: x·wᵀ + b, with w stored out×in as in PyTorch.",
            parameters: [.required("x", "input, …×in"), .required("w", "weight, out×in"), .optional("b", "bias of out values")],
            shapes: "x: …×in, w: out×in, b: out → …×out",
            example: "linear(ones(2, 3), ones(4, 3))",
            body: { a, _ in
                .tensor(try Variable.linear(try a.variable("x"), try a.variable("w"), bias: try a.optionalVariable("b")))
            }),
        activation("relu", "max(x, 0), elementwise.") { try $0.relu() },
        Builtin(
            name: "leaky_relu", group: .cnn,
            summary: "x where x > 0, slope·x elsewhere.",
            parameters: [.required("x", "a tensor"), .labeled("slope", .number(0.01), "the slope for negative x")],
            shapes: "x → same shape",
            example: "leaky_relu(tensor([-1, 2]), slope:0.1)",
            body: { a, _ in .tensor(try a.variable("x").leakyRelu(slope: try a.float("slope"))) }),
        activation("sigmoid", "1 / (1 + e^-x), elementwise.") { try $0.sigmoid() },
        activation("tanh", "Hyperbolic tangent, elementwise.") { try $0.tanh() },
        Builtin(
            name: "softmax", group: .cnn,
            summary: "e^x normalised to sum to 1 along axis: (computed stably).",
            parameters: [.required("x", "a tensor"), .labeled("axis", .number(-1), "the axis that sums to 1")],
            shapes: "x → same shape",
            example: "softmax(tensor([1, 2, 3]))",
            body: { a, _ in .tensor(try a.variable("x").softmax(axis: try a.int("axis"))) }),
        Builtin(
            name: "log_softmax", group: .cnn,
            summary: "log(softmax(x)) along axis:, computed without overflow.",
            parameters: [.required("x", "a tensor"), .labeled("axis", .number(-1), "the normalised axis")],
            shapes: "x → same shape",
            example: "log_softmax(tensor([1, 2, 3]))",
            body: { a, _ in .tensor(try a.variable("x").logSoftmax(axis: try a.int("axis"))) }),
        Builtin(
            name: "batchnorm", group: .cnn,
            summary: "Inference-form batch normalisation over axis 1: (x - mean) / sqrt(var + eps) · scale + bias.",
            parameters: [.required("x", "input, N×C×…"), .required("scale", "C values (γ)"), .required("bias", "C values (β)"),
                         .required("mean", "C running means"), .required("var", "C running variances"),
                         .labeled("eps", .number(1e-5), "added to the variance")],
            shapes: "x: N×C×H×W, scale/bias/mean/var: C → N×C×H×W",
            example: "batchnorm(ones(1, 2, 2, 2), ones(2), zeros(2), zeros(2), ones(2))",
            body: { a, _ in
                let x = try a.variable("x"), scale = try a.variable("scale"), bias = try a.variable("bias")
                // The inference form: the running statistics are inputs, never updated here.
                var mean = try a.tensor("mean"), variance = try a.tensor("var")
                return .tensor(try Variable.batchNorm(x, scale: scale, bias: bias, runningMean: &mean, runningVar: &variance,
                                                      eps: try a.float("eps"), training: false))
            }),
        Builtin(
            name: "dropout", group: .cnn,
            summary: "Identity unless training: true; then zeroes each value with probability p and scales the rest by 1/(1-p).",
            parameters: [.required("x", "a tensor"), .labeled("p", .number(0.5), "drop probability in [0, 1)"),
                         .labeled("training", .bool(false), "apply the dropout (draws from the session's generator)")],
            shapes: "x → same shape",
            example: "dropout(ones(2, 4), p:0.5, training:true)",
            body: { a, i in
                let p = try a.number("p")
                guard p >= 0, p < 1 else { throw a.fail("p", "a probability in [0, 1)", got: a["p"]) }
                return .tensor(try a.variable("x").dropout(p: Float(p), training: try a.bool("training"), using: &i.session.rng))
            }),
        Builtin(
            name: "im2col", group: .cnn,
            summary: "The matrix conv multiplies: each column holds one receptive field, unrolled.",
            parameters: [.required("x", "input, N×C×H×W (or C×H×W)"),
                         .required("k", "kernel size: k, [kh, kw], or a weight tensor (its last two dims)"),
                         .labeled("stride", .number(1), strideDoc),
                         .labeled("pad", .number(0), padDoc),
                         .labeled("dilation", .number(1), dilationDoc)],
            shapes: "N×C×H×W → N×(C·R·S)×(P·Q)",
            example: "im2col(reshape(arange(16), [1, 1, 4, 4]), 3)",
            body: { a, _ in
                .tensor(try Tensor.im2col(try a.tensor("x"), kernel: try a.kernelSize("k"), stride: try a.size2("stride"),
                                          padding: try a.padding("pad"), dilation: try a.size2("dilation")))
            }),
    ]
}

extension BoundArguments {
    /// A kernel size for im2col: `k`, `[kh, kw]`, or a weight tensor of rank ≥ 2 (its last two dims).
    func kernelSize(_ name: String) throws -> Size2 {
        if let t = self[name].tensorValue, t.rank >= 2 {
            let kh = t.shape[t.rank - 2], kw = t.shape[t.rank - 1]
            guard kh > 0, kw > 0 else { throw fail(name, "a weight with a non-empty kernel", got: self[name]) }
            return Size2(kh, kw)
        }
        let v = self[name]
        if let list = Convert.ints(v), list.allSatisfy({ $0 > 0 }) {
            if list.count == 1 { return Size2(list[0]) }
            if list.count == 2 { return Size2(list[0], list[1]) }
        }
        throw fail(name, "a positive integer, [kh, kw] or a weight tensor", got: v)
    }
}
