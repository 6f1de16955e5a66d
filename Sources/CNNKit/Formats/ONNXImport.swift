// ONNX → cnns: a `GraphModel` whose layer nodes are cnns layers (Conv, BatchNorm in inference mode,
// Dense for the classic Gemm, pools, activations) with weights from the initializers, and whose
// other nodes are `GraphModel.Op`s. The batch dimension stays symbolic.

public enum ONNXImport {
    /// The operators `load` maps (the error for any other names the op and its node).
    public static let supportedOps = [
        "Add", "AveragePool", "BatchNormalization", "Cast", "Clip", "Concat", "Constant", "Conv", "Div",
        "Dropout", "Flatten", "Gather", "Gemm", "GlobalAveragePool", "GlobalMaxPool", "Identity",
        "LeakyRelu", "MatMul", "MaxPool", "Mul", "Pad", "PRelu", "Relu", "Reshape", "Shape", "Sigmoid",
        "Softmax", "Squeeze", "Sub", "Tanh", "Transpose", "Unsqueeze",
    ]

    /// Builds a model from the bytes of an .onnx file. The file's first graph input that is not an
    /// initializer is the model's input, its first output the model's output.
    public static func decode(_ bytes: [UInt8]) throws -> GraphModel {
        let proto = try ONNXModelProto.decode(bytes)
        guard let graph = proto.graph else { throw OpError("load", "the file has no graph (not an ONNX model?)") }
        guard proto.irVersion >= 3 else {
            throw OpError("load", "ONNX IR version \(proto.irVersion) is too old (cnns reads 3 and later)")
        }
        guard !graph.nodes.isEmpty else { throw OpError("load", "the ONNX graph '\(graph.name)' has no nodes") }
        var builder = Builder(opset: proto.opset == 0 ? 13 : proto.opset)
        for t in graph.initializers { builder.tensors[t.name] = t }
        let realInputs = graph.inputs.filter { builder.tensors[$0.name] == nil }
        guard let input = realInputs.first else { throw OpError("load", "the ONNX graph declares no input") }
        guard realInputs.count == 1 else {
            throw OpError("load", "the graph has \(realInputs.count) inputs (\(realInputs.map(\.name).joined(separator: ", "))); cnns models take one")
        }
        guard let output = graph.outputs.first else { throw OpError("load", "the ONNX graph declares no output") }
        for (k, node) in graph.nodes.enumerated() {
            var n = node
            if n.name.isEmpty { n.name = "\(n.opType)_\(k)" }
            try builder.add(n)
        }
        do {
            let model = try GraphModel(nodes: builder.nodes, input: input.name, output: output.name,
                                       constants: builder.constants, trainable: builder.trainable,
                                       declaredInputShape: input.dims.map { $0 ?? -1 })
            model.setTraining(false)
            if !input.dims.isEmpty, input.dims.dropFirst().allSatisfy({ $0 != nil }) {
                let shape = [1] + input.dims.dropFirst().map { $0 ?? 1 }
                _ = try model.outputShape(for: shape)
            }
            return model
        } catch let e as OpError where e.op != "load" {
            throw OpError("load", "\(e.op): \(e.message)")
        }
    }
}

/// Turns ONNX nodes into graph nodes one at a time.
private struct Builder {
    let opset: Int
    var tensors: [String: ONNXTensor] = [:]
    var nodes: [GraphModel.Node] = []
    var constants: [String: Variable] = [:]
    var trainable: [String] = []
    var usedNames = Set<String>()

    init(opset: Int) { self.opset = opset }

    func fail(_ n: ONNXNode, _ message: String) -> OpError {
        OpError("load", "node '\(n.name)' (\(n.opType)): \(message)")
    }

    func initializer(_ n: ONNXNode, _ k: Int, _ what: String) throws -> ONNXTensor {
        guard k < n.inputs.count, !n.inputs[k].isEmpty else { throw fail(n, "missing input \(k) (\(what))") }
        guard let t = tensors[n.inputs[k]] else {
            throw fail(n, "its \(what) '\(n.inputs[k])' must be an initializer or constant (a missing initializer?)")
        }
        return t
    }

    func optionalInitializer(_ n: ONNXNode, _ k: Int) -> ONNXTensor? {
        k < n.inputs.count && !n.inputs[k].isEmpty ? tensors[n.inputs[k]] : nil
    }

    func ints(_ n: ONNXNode, _ key: String) -> [Int]? { n.attributes[key].map(\.ints) }
    func int(_ n: ONNXNode, _ key: String, _ fallback: Int) -> Int { n.attributes[key]?.i ?? fallback }
    func float(_ n: ONNXNode, _ key: String, _ fallback: Float) -> Float { n.attributes[key]?.f ?? fallback }

    /// A module name: the weights' prefix (`fc` for `fc.weight`) when the exporter gave one, else the
    /// module path in PyTorch's scoped node name (`/layer1/layer1.0/conv1/Conv` → `layer1.0.conv1`,
    /// which is what a Conv with BatchNorm folded in is called), else the node's name; unique.
    mutating func moduleName(_ n: ONNXNode, weight: String?) -> String {
        var base = n.name
        let scopes = n.name.split(separator: "/").map(String.init).filter { !$0.isEmpty }
        if let w = weight, w.hasSuffix(".weight"), w.count > 7 {
            base = String(w.dropLast(7))
        } else if n.name.hasPrefix("/"), scopes.count >= 2 {
            // A scope is a module's local name, prefixed by its parent's when the parent is a
            // Sequential ("layer1.0", "downsample.0"): that prefix is already on the path.
            base = scopes.dropLast().dropFirst().reduce(scopes[0]) { path, scope in
                let parent = path.split(separator: ".").last.map(String.init) ?? path
                return scope.hasPrefix(parent + ".") ? path + scope.dropFirst(parent.count) : path + "." + scope
            }
        } else {
            base = scopes.joined(separator: "_")
        }
        if base.isEmpty { base = n.opType }
        var name = base, k = 1
        while usedNames.contains(name) { k += 1; name = "\(base)_\(k)" }
        usedNames.insert(name)
        return name
    }

    /// Registers a tensor as a graph constant (once) and returns its name.
    mutating func constant(_ name: String, learned: Bool) throws {
        guard constants[name] == nil, let t = tensors[name] else { return }
        constants[name] = Variable(try t.tensor(), requiresGrad: learned && !t.isInteger)
        if learned && !t.isInteger { trainable.append(name) }
    }

    mutating func emit(_ n: ONNXNode, _ op: GraphModel.Op, inputs: [String]? = nil, name: String? = nil) throws {
        guard let out = n.outputs.first, !out.isEmpty else { throw fail(n, "has no output") }
        let ins = inputs ?? n.inputs.filter { !$0.isEmpty }
        for i in ins where tensors[i] != nil { try constant(i, learned: !isShapeInput(op, i, ins)) }
        let nodeName: String
        if let name { nodeName = name } else {
            var base = n.name, k = 1
            nodeName = usedNames.contains(base) ? { while usedNames.contains("\(base)_\(k)") { k += 1 }; base = "\(base)_\(k)"; return base }() : base
            usedNames.insert(nodeName)
        }
        nodes.append(GraphModel.Node(name: nodeName, op: op, inputs: ins, output: out))
    }

    func isShapeInput(_ op: GraphModel.Op, _ name: String, _ ins: [String]) -> Bool {
        switch op {
        case .reshape, .gather: return ins.first != name
        default: return tensors[name]?.isInteger ?? false
        }
    }

    mutating func add(_ n: ONNXNode) throws {
        guard n.domain.isEmpty || n.domain == "ai.onnx" else {
            throw fail(n, "operator domain '\(n.domain)' is not supported (only the default ONNX domain)")
        }
        guard !n.inputs.isEmpty || n.opType == "Constant" else { throw fail(n, "has no inputs") }
        switch n.opType {
        case "Conv": try addConv(n)
        case "BatchNormalization": try addBatchNorm(n)
        case "Gemm": try addGemm(n)
        case "MaxPool", "AveragePool": try addPool(n)
        case "Relu": try addLayer(n, Activation(.relu))
        case "LeakyRelu": try addLayer(n, Activation(.leakyRelu(slope: float(n, "alpha", 0.01))))
        case "Sigmoid": try addLayer(n, Activation(.sigmoid))
        case "Tanh": try addLayer(n, Activation(.tanh))
        case "Softmax":
            try addLayer(n, Activation(.softmax(axis: int(n, "axis", opset >= 13 ? -1 : 1))))
        case "GlobalAveragePool": try addLayer(n, GlobalAvgPool())
        case "GlobalMaxPool": try emit(n, .globalMaxPool, inputs: [n.inputs[0]])
        case "Flatten": try emit(n, .flatten(axis: int(n, "axis", 1)), inputs: [n.inputs[0]])
        case "Dropout", "Identity": try emit(n, .identity, inputs: [n.inputs[0]])
        case "Cast":
            let to = int(n, "to", 1)
            guard [1, 6, 7, 11].contains(to) else { throw fail(n, "casts to element type \(to); cnns computes in float") }
            try emit(n, .identity, inputs: [n.inputs[0]])
        case "Add": try emit(n, .binary(.add))
        case "Sub": try emit(n, .binary(.sub))
        case "Mul": try emit(n, .binary(.mul))
        case "Div": try emit(n, .binary(.div))
        case "MatMul": try emit(n, .matmul)
        case "Concat":
            guard let axis = n.attributes["axis"]?.i else { throw fail(n, "needs an 'axis' attribute") }
            try emit(n, .concat(axis: axis))
        case "Reshape": try emit(n, .reshape, inputs: Array(n.inputs.prefix(2)))
        case "Shape": try emit(n, .shape, inputs: [n.inputs[0]])
        case "Gather": try emit(n, .gather(axis: int(n, "axis", 0)), inputs: Array(n.inputs.prefix(2)))
        case "Transpose": try emit(n, .transpose(ints(n, "perm") ?? []), inputs: [n.inputs[0]])
        case "Unsqueeze", "Squeeze":
            var axes = ints(n, "axes") ?? []
            if n.inputs.count > 1, !n.inputs[1].isEmpty {
                axes = try initializer(n, 1, "axes").ints.map { Int($0) }
            }
            guard !axes.isEmpty || n.opType == "Squeeze" else { throw fail(n, "needs axes") }
            try emit(n, n.opType == "Squeeze" ? .squeeze(axes) : .unsqueeze(axes), inputs: [n.inputs[0]])
        case "PRelu": try emit(n, .prelu, inputs: Array(n.inputs.prefix(2)))
        case "Clip": try addClip(n)
        case "Pad": try addPad(n)
        case "Constant": try addConstant(n)
        default:
            throw OpError("load", "unsupported ONNX op '\(n.opType)' at node '\(n.name)' (supported: \(ONNXImport.supportedOps.joined(separator: ", ")))")
        }
    }

    mutating func addLayer(_ n: ONNXNode, _ m: Module, weight: String? = nil) throws {
        try emit(n, .layer(m), inputs: [n.inputs[0]], name: moduleName(n, weight: weight))
    }

    /// 2-D window attributes shared by Conv and the pools: kernel from `kernel_shape` (or `fallback`),
    /// strides, dilations, `pads` [top, left, bottom, right] and `auto_pad`.
    func window(_ n: ONNXNode, kernel fallback: [Int]?) throws -> Window2D {
        guard let k = ints(n, "kernel_shape") ?? fallback, k.count == 2 else {
            throw fail(n, "needs a 2-D kernel_shape (cnns handles 2-D convolution and pooling), got \(ints(n, "kernel_shape") ?? [])")
        }
        let s = ints(n, "strides") ?? [1, 1], d = ints(n, "dilations") ?? [1, 1]
        guard s.count == 2, d.count == 2 else { throw fail(n, "strides \(s) and dilations \(d) must have 2 values") }
        let kernel = Size2(k[0], k[1]), stride = Size2(s[0], s[1]), dilation = Size2(d[0], d[1])
        let padding: PaddingSpec
        switch n.attributes["auto_pad"]?.s ?? "NOTSET" {
        case "NOTSET", "":
            let p = ints(n, "pads") ?? [0, 0, 0, 0]
            guard p.count == 4 else { throw fail(n, "pads \(p) must have 4 values [top, left, bottom, right]") }
            padding = .explicit(Padding2D(top: p[0], left: p[1], bottom: p[2], right: p[3]))
        case "VALID": padding = .valid
        case "SAME_UPPER": padding = .same
        case "SAME_LOWER": padding = .sameLower
        case let other: throw fail(n, "unknown auto_pad '\(other)'")
        }
        let w = Window2D(kernel: kernel, stride: stride, dilation: dilation, padding: padding,
                         ceilMode: int(n, "ceil_mode", 0) != 0)
        do { try w.validate(op: n.opType) } catch let e as OpError { throw fail(n, e.message) }
        return w
    }

    mutating func addConv(_ n: ONNXNode) throws {
        let w = try initializer(n, 1, "weight")
        guard w.dims.count == 4 else { throw fail(n, "weight '\(w.name)' is \(Shape.describe(w.dims)); cnns imports 2-D convolutions (rank-4 weights)") }
        let b = optionalInitializer(n, 2)
        if n.inputs.count > 2, !n.inputs[2].isEmpty, b == nil { throw fail(n, "bias '\(n.inputs[2])' must be an initializer (a missing initializer?)") }
        let groups = int(n, "group", 1)
        guard groups >= 1 else { throw fail(n, "group \(groups) must be ≥ 1") }
        let window = try window(n, kernel: [w.dims[2], w.dims[3]])
        guard window.kernel == Size2(w.dims[2], w.dims[3]) else {
            throw fail(n, "kernel_shape \(window.kernel) disagrees with weight \(Shape.describe(w.dims))")
        }
        if let b { guard b.dims == [w.dims[0]] else { throw fail(n, "bias \(Shape.describe(b.dims)) must be \(w.dims[0])") } }
        var rng = RandomSource(seed: 0)
        let conv = try Conv(w.dims[1] * groups, w.dims[0], kernel: window.kernel, stride: window.stride,
                            padding: window.padding, dilation: window.dilation, groups: groups,
                            bias: b != nil, rng: &rng)
        conv.weight = Variable(try w.tensor(), requiresGrad: true)
        if let b { conv.bias = Variable(try b.tensor(), requiresGrad: true) }
        try addLayer(n, conv, weight: w.name)
    }

    mutating func addBatchNorm(_ n: ONNXNode) throws {
        let scale = try initializer(n, 1, "scale"), bias = try initializer(n, 2, "bias")
        let mean = try initializer(n, 3, "mean"), variance = try initializer(n, 4, "var")
        let c = scale.dims.first ?? 0
        for t in [scale, bias, mean, variance] where t.dims != [c] {
            throw fail(n, "scale, bias, mean and var must all be vectors of \(c), '\(t.name)' is \(Shape.describe(t.dims))")
        }
        // ONNX momentum 0.9 is PyTorch's 0.1; it only matters if the model is trained further.
        let bn = try BatchNorm(c, eps: float(n, "epsilon", 1e-5), momentum: 1 - float(n, "momentum", 0.9))
        bn.weight = Variable(try scale.tensor(), requiresGrad: true)
        bn.bias = Variable(try bias.tensor(), requiresGrad: true)
        bn.runningMean = try mean.tensor()
        bn.runningVar = try variance.tensor()
        try addLayer(n, bn, weight: scale.name)
    }

    mutating func addGemm(_ n: ONNXNode) throws {
        let ta = int(n, "transA", 0) != 0, tb = int(n, "transB", 0) != 0
        let alpha = float(n, "alpha", 1), beta = float(n, "beta", 1)
        // The classic form x·Wᵀ + b with W and b initializers is a Dense layer.
        if !ta, tb, alpha == 1, beta == 1, let w = optionalInitializer(n, 1), w.dims.count == 2, w.dims.allSatisfy({ $0 >= 1 }) {
            let b = optionalInitializer(n, 2)
            let hasC = n.inputs.count > 2 && !n.inputs[2].isEmpty
            if !hasC || b?.dims == [w.dims[0]] {
                var rng = RandomSource(seed: 0)
                let dense = try Dense(w.dims[1], w.dims[0], bias: hasC, rng: &rng)
                dense.weight = Variable(try w.tensor(), requiresGrad: true)
                if let b { dense.bias = Variable(try b.tensor(), requiresGrad: true) }
                try addLayer(n, dense, weight: w.name)
                return
            }
        }
        try emit(n, .gemm(transA: ta, transB: tb, alpha: alpha, beta: beta), inputs: Array(n.inputs.prefix(3)).filter { !$0.isEmpty })
    }

    mutating func addPool(_ n: ONNXNode) throws {
        let w = try window(n, kernel: nil)
        let pool: Module
        if n.opType == "MaxPool" {
            guard n.outputs.count == 1 || n.outputs[1].isEmpty else { throw fail(n, "the Indices output is not supported") }
            pool = try MaxPool(kernel: w.kernel, stride: w.stride, padding: w.padding, dilation: w.dilation, ceilMode: w.ceilMode)
        } else {
            guard w.dilation == Size2(1) else { throw fail(n, "dilated average pooling is not supported") }
            // ONNX's default count_include_pad is 0, PyTorch's is True: read it explicitly.
            pool = try AvgPool(kernel: w.kernel, stride: w.stride, padding: w.padding, ceilMode: w.ceilMode,
                               countPad: int(n, "count_include_pad", 0) != 0)
        }
        try addLayer(n, pool)
    }

    mutating func addClip(_ n: ONNXNode) throws {
        var lo = n.attributes["min"]?.f, hi = n.attributes["max"]?.f
        if n.inputs.count > 1, !n.inputs[1].isEmpty { lo = try scalar(n, 1, "min") }
        if n.inputs.count > 2, !n.inputs[2].isEmpty { hi = try scalar(n, 2, "max") }
        try emit(n, .clip(min: lo, max: hi), inputs: [n.inputs[0]])
    }

    func scalar(_ n: ONNXNode, _ k: Int, _ what: String) throws -> Float {
        let t = try initializer(n, k, what)
        guard t.floats.count == 1 else { throw fail(n, "\(what) must be one value, got \(Shape.describe(t.dims))") }
        return t.floats[0]
    }

    mutating func addPad(_ n: ONNXNode) throws {
        let mode = n.attributes["mode"]?.s ?? "constant"
        guard mode == "constant" else { throw fail(n, "pad mode '\(mode)' is not supported (constant is)") }
        var pads = ints(n, "pads") ?? []
        var value = float(n, "value", 0)
        if n.inputs.count > 1, !n.inputs[1].isEmpty { pads = try initializer(n, 1, "pads").ints.map { Int($0) } }
        if n.inputs.count > 2, !n.inputs[2].isEmpty { value = try scalar(n, 2, "constant_value") }
        if n.inputs.count > 3, !n.inputs[3].isEmpty { throw fail(n, "the axes input is not supported") }
        guard pads.allSatisfy({ $0 >= 0 }) else { throw fail(n, "negative pads \(pads) (cropping) are not supported") }
        try emit(n, .pad(pads, value: value), inputs: [n.inputs[0]])
    }

    /// A Constant node becomes a named tensor, so later nodes read it like an initializer.
    mutating func addConstant(_ n: ONNXNode) throws {
        guard let out = n.outputs.first, !out.isEmpty else { throw fail(n, "has no output") }
        var t: ONNXTensor
        if let v = n.attributes["value"]?.t { t = v }
        else if let f = n.attributes["value_float"]?.f { t = ONNXTensor(dims: [], dataType: 1, floats: [f], ints: [0]) }
        else if let a = n.attributes["value_floats"] { t = ONNXTensor(dims: [a.floats.count], dataType: 1, floats: a.floats, ints: a.floats.map { Int64(exactly: $0.rounded()) ?? 0 }) }
        else if let i = n.attributes["value_int"]?.i { t = ONNXTensor(dims: [], dataType: 7, floats: [Float(i)], ints: [Int64(i)]) }
        else if let a = n.attributes["value_ints"] { t = ONNXTensor(dims: [a.ints.count], dataType: 7, floats: a.ints.map { Float($0) }, ints: a.ints.map { Int64($0) }) }
        else { throw fail(n, "needs a value, value_float(s) or value_int(s) attribute") }
        t.name = out
        guard tensors[out] == nil else { throw fail(n, "tensor '\(out)' is defined twice") }
        tensors[out] = t
    }
}
