import CNNKit

/// Layer constructors (capitalised, as in PyTorch and Keras) and the model zoo. Weights start from
/// PyTorch's default initialisation drawn from the session's generator, so `--seed`/`seed(n)` fixes
/// them and the same seed gives the same run.
extension Builtins {
    /// A layer without hyper-parameters beyond the ones given: `ReLU()`, `Flatten()`, …
    private static func simpleLayer(_ name: String, _ summary: String, shapes: String = "x → same shape",
                                    _ make: @escaping () -> Module) -> Builtin {
        Builtin(name: name, group: .layers, summary: summary, parameters: [], shapes: shapes,
                example: "Sequential(Dense(4, 3), \(name)())",
                body: { _, _ in .object(ModelObject(make())) })
    }

    static let layers: [Builtin] = [
        Builtin(
            name: "Conv", group: .layers,
            summary: "A 2-D convolution layer (PyTorch's Conv2d): weight out×(in/groups)×k×k, bias of out values.",
            parameters: [.required("in", "input channels"), .required("out", "output channels (filters)"),
                         .required("k", "kernel size, k or [kh, kw]"),
                         .labeled("stride", .number(1), strideDoc),
                         .labeled("pad", .number(0), padDoc),
                         .labeled("dilation", .number(1), dilationDoc),
                         .labeled("groups", .number(1), "split channels into groups (in and out divisible by it)"),
                         .labeled("bias", .bool(true), "learn a bias per output channel")],
            shapes: "N×in×H×W → N×out×P×Q, P = floor((H + pads - dilation·(k-1) - 1) / stride) + 1",
            notes: "Weights start Kaiming-uniform, as PyTorch's, from the session's generator (seed(n) repeats them).",
            example: "Conv(1, 6, 5, pad:2)",
            body: { a, i in
                let cin = try a.positiveInt("in"), cout = try a.positiveInt("out")
                let k = try a.size2("k")
                let groups = try a.positiveInt("groups")
                guard cin % groups == 0, cout % groups == 0 else {
                    throw RuntimeError("Conv: groups: \(groups) must divide both in (\(cin)) and out (\(cout))", at: a.pos("groups"))
                }
                return .object(ModelObject(try Layers.conv(cin, cout, kernel: k, stride: try a.size2("stride"),
                                                           padding: try a.padding("pad"), dilation: try a.size2("dilation"),
                                                           groups: groups, bias: try a.bool("bias"), rng: &i.session.rng)))
            }),
        Builtin(
            name: "Dense", group: .layers,
            summary: "A fully connected layer (PyTorch's Linear): x·wᵀ + b with w stored out×in.",
            parameters: [.required("in", "input features"), .required("out", "output features"),
                         .labeled("bias", .bool(true), "learn a bias per output")],
            shapes: "N×in → N×out",
            example: "Dense(400, 120)",
            body: { a, i in
                .object(ModelObject(try Layers.dense(try a.positiveInt("in"), try a.positiveInt("out"),
                                                     bias: try a.bool("bias"), rng: &i.session.rng)))
            }),
        Builtin(
            name: "MaxPool", group: .layers,
            summary: "Max pooling over k×k windows; stride defaults to the kernel size.",
            parameters: maxPoolParameters,
            shapes: "N×C×H×W → N×C×P×Q",
            example: "MaxPool(2)",
            body: { a, _ in
                let w = try a.maxPoolArguments()
                return .object(ModelObject(try Layers.maxPool(kernel: w.kernel, stride: w.stride, padding: w.padding,
                                                              dilation: w.dilation, ceilMode: w.ceil)))
            }),
        Builtin(
            name: "AvgPool", group: .layers,
            summary: "Average pooling over k×k windows; stride defaults to the kernel size.",
            parameters: avgPoolParameters,
            shapes: "N×C×H×W → N×C×P×Q",
            example: "AvgPool(2)",
            body: { a, _ in
                let w = try a.avgPoolArguments()
                return .object(ModelObject(try Layers.avgPool(kernel: w.kernel, stride: w.stride, padding: w.padding,
                                                              ceilMode: w.ceil, countPad: w.countPad)))
            }),
        simpleLayer("GlobalAvgPool", "The mean of each channel (keeps N×C×1×1, as ONNX).", shapes: "N×C×H×W → N×C×1×1") { Layers.globalAvgPool() },
        Builtin(
            name: "Flatten", group: .layers,
            summary: "Merges the axes from axis: on (1 keeps the batch axis, as PyTorch's Flatten).",
            parameters: [.labeled("axis", .number(1), "the first axis to merge")],
            shapes: "N×C×H×W → N×(C·H·W)",
            example: "Flatten()",
            body: { a, _ in .object(ModelObject(Layers.flatten(axis: try a.int("axis")))) }),
        simpleLayer("ReLU", "max(x, 0).") { Layers.relu() },
        Builtin(
            name: "LeakyReLU", group: .layers,
            summary: "x where x > 0, slope·x elsewhere.",
            parameters: [.labeled("slope", .number(0.01), "the slope for negative x")],
            shapes: "x → same shape",
            example: "LeakyReLU(slope:0.1)",
            body: { a, _ in .object(ModelObject(Layers.leakyRelu(slope: try a.float("slope")))) }),
        simpleLayer("Sigmoid", "1 / (1 + e^-x).") { Layers.sigmoid() },
        simpleLayer("Tanh", "Hyperbolic tangent.") { Layers.tanh() },
        Builtin(
            name: "Softmax", group: .layers,
            summary: "Normalises along axis: to probabilities (leave it out before cross_entropy, which applies it itself).",
            parameters: [.labeled("axis", .number(1), "the axis that sums to 1 (the class axis of N×classes)")],
            shapes: "x → same shape",
            example: "Softmax()",
            body: { a, _ in .object(ModelObject(Layers.softmax(axis: try a.int("axis")))) }),
        Builtin(
            name: "BatchNorm", group: .layers,
            summary: "Batch normalisation over the channels (axis 1): batch statistics in train(), running ones in eval().",
            parameters: [.required("c", "channels"),
                         .labeled("eps", .number(1e-5), "added to the variance"),
                         .labeled("momentum", .number(0.1), "weight of each batch in the running statistics (PyTorch's convention; Keras and ONNX write 1 - this)")],
            shapes: "N×c×H×W (or N×c) → same shape",
            example: "BatchNorm(16)",
            body: { a, _ in
                let eps = try a.number("eps")
                guard eps > 0, eps.isFinite else { throw a.fail("eps", "a positive number", got: a["eps"]) }
                let m = try a.number("momentum")
                guard m >= 0, m <= 1 else { throw a.fail("momentum", "a number in [0, 1]", got: a["momentum"]) }
                return .object(ModelObject(try Layers.batchNorm(try a.positiveInt("c"), eps: Float(eps), momentum: Float(m))))
            }),
        Builtin(
            name: "Dropout", group: .layers,
            summary: "In train(): zeroes each value with probability p and scales the rest by 1/(1-p); in eval(): nothing.",
            parameters: [.labeled("p", .number(0.5), "drop probability in [0, 1)")],
            shapes: "x → same shape",
            example: "Dropout(p:0.25)",
            body: { a, i in
                let p = try a.number("p")
                guard p >= 0, p < 1 else { throw a.fail("p", "a probability in [0, 1)", got: a["p"]) }
                return .object(ModelObject(try Layers.dropout(p: Float(p), seed: i.session.rng.next())))
            }),
        Builtin(
            name: "Residual", group: .layers,
            summary: "block(x) + shortcut(x), the shortcut the identity unless given (add a ReLU after it yourself).",
            parameters: [.required("block", "a layer or model"), .labeled("shortcut", .none, shown: "identity", "a layer for the skip path, e.g. a 1×1 Conv when shapes change")],
            shapes: "x → block(x) (block(x) and shortcut(x) must have the same shape)",
            example: "Residual(Sequential(Conv(8, 8, 3, pad:1), BatchNorm(8), ReLU(), Conv(8, 8, 3, pad:1)))",
            body: { a, _ in
                let block = try a.layer("block")
                let shortcut = a.isGiven("shortcut") ? try a.layer("shortcut") : nil
                return .object(ModelObject(Layers.residual(block, shortcut: shortcut)))
            }),
        Builtin(
            name: "Sequential", group: .layers,
            summary: "Layers applied one after the other; give them as arguments or as one list.",
            parameters: [.variadic("layers", "layers or models, or one list of them")],
            shapes: "x → the last layer's output",
            example: "Sequential(Conv(1, 6, 5, pad:2), ReLU(), MaxPool(2), Flatten(), Dense(1176, 10))",
            body: { a, _ in
                var items = a.rest
                if items.count == 1, case .list(let list) = items[0].value {
                    items = list.map { ($0, a.rest[0].pos) }
                }
                let modules = try items.enumerated().map { k, item -> Module in
                    guard case .object(let o as ModelObject) = item.value else {
                        throw RuntimeError("Sequential: layer \(k) should be a layer or a model, got \(item.value.brief)", at: item.pos)
                    }
                    return o.module
                }
                return .object(ModelObject(Sequential(modules)))
            }),
        Builtin(
            name: "train", group: .layers,
            summary: "Puts a model in training mode: BatchNorm uses batch statistics, Dropout drops (the mode new layers start in).",
            parameters: [.required("model", "a layer or model")],
            example: "m = Sequential(Dropout()); train(m)",
            body: { a, _ in
                try a.layer("model").setTraining(true)
                return .none
            }),
        Builtin(
            name: "eval", group: .layers,
            summary: "Puts a model in inference mode: BatchNorm uses its running statistics, Dropout does nothing.",
            parameters: [.required("model", "a layer or model")],
            example: "m = Sequential(Dropout()); eval(m)",
            body: { a, _ in
                try a.layer("model").setTraining(false)
                return .none
            }),
        Builtin(
            name: "parameters", group: .layers,
            summary: "The parameters of a model as a list of tensors (each shared one once); model.params counts their values.",
            parameters: [.required("model", "a layer or model")],
            example: "len(parameters(Dense(4, 3)))",
            body: { a, _ in
                .list(try a.layer("model").namedParameters().map { .tensor($0.variable) })
            }),
    ]

    static let zoo: [Builtin] = [
        Builtin(
            name: "lenet5", group: .layers,
            summary: "LeNet-5 for 1×28×28 images (SPEC §4's model): two conv/pool stages and three dense layers.",
            parameters: [.labeled("classes", .number(10), "output classes")],
            shapes: "N×1×28×28 → N×classes",
            example: "lenet5()",
            body: { a, i in .object(ModelObject(try Zoo.lenet5(classes: try a.positiveInt("classes"), rng: &i.session.rng))) }),
        Builtin(
            name: "resnet", group: .layers,
            summary: "ResNet-18 or -34 in torchvision's layout (model.fc is the classifier); small: a 3×3 stem for 28×28 or 32×32 images.",
            parameters: [.required("depth", "18 or 34"),
                         .labeled("classes", .number(1000), "output classes"),
                         .labeled("channels", .number(3), "input channels (1 for grey images)"),
                         .labeled("small", .bool(false), "replace the 7×7/2 stem and max-pool by a 3×3/1 stem")],
            shapes: "N×channels×H×W → N×classes",
            example: "resnet(18, classes:10, channels:1, small:true)",
            body: { a, i in
                let depth = try a.int("depth")
                guard depth == 18 || depth == 34 else { throw a.fail("depth", "18 or 34", got: a["depth"]) }
                return .object(ModelObject(try Zoo.resnet(depth: depth, classes: try a.positiveInt("classes"),
                                                          channels: try a.positiveInt("channels"), small: try a.bool("small"),
                                                          rng: &i.session.rng)))
            }),
    ]
}
