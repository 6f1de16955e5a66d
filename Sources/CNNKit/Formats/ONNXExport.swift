// cnns → ONNX (opset 13, IR version 8): every built-in layer, Sequential/NamedSequential/Residual/
// BasicBlock trees and GraphModels. Weights become initializers named by their state-dict path
// (`layer1.0.conv1.weight`); the batch dimension is written as the symbol "N".

public enum ONNXExport {
    public static let opset = 13

    /// The bytes of an .onnx file computing `model` in inference mode for inputs shaped like
    /// `inputShape` (its first axis is the batch, written symbolically).
    public static func encode(model: Module, inputShape: [Int]) throws -> [UInt8] {
        guard inputShape.count >= 2, inputShape.allSatisfy({ $0 >= 1 }) else {
            throw OpError("export", "the input shape must be N×… with every size ≥ 1 (batch first), got \(Shape.describe(inputShape))")
        }
        let outShape = try model.outputShape(for: inputShape)
        var e = ONNXEmitter()
        let out = try e.emit(model, input: "input", shape: inputShape, prefix: "")
        var graph = ProtoWriter()
        for n in e.nodes { graph.message(1, n) }
        graph.string(2, "cnns")
        for t in e.initializers { graph.message(5, t) }
        graph.message(11, valueInfo("input", inputShape))
        // The graph output must be a node's output; an empty model gets an Identity.
        var outName = out
        if out == "input" {
            e.node("Identity", inputs: ["input"], output: "output", name: "identity")
            graph.message(1, e.nodes[e.nodes.count - 1])
            outName = "output"
        }
        graph.message(12, valueInfo(outName, outShape))
        var m = ProtoWriter()
        m.int(1, 8)
        m.string(2, "cnns")
        var opsetId = ProtoWriter()
        opsetId.string(1, "")
        opsetId.int(2, opset)
        m.message(8, opsetId)
        m.message(7, graph)
        return m.bytes
    }

    /// A float tensor type with the batch axis symbolic.
    static func valueInfo(_ name: String, _ shape: [Int]) -> ProtoWriter {
        var dims = ProtoWriter()
        for (k, d) in shape.enumerated() {
            var dim = ProtoWriter()
            if k == 0 { dim.string(2, "N") } else { dim.int(1, d) }
            dims.message(1, dim)
        }
        var tensorType = ProtoWriter()
        tensorType.int(1, ONNXTensor.float)
        tensorType.message(2, dims)
        var type = ProtoWriter()
        type.message(1, tensorType)
        var v = ProtoWriter()
        v.string(1, name)
        v.message(2, type)
        return v
    }
}

/// An attribute value for `Emitter.node`.
enum ONNXAttr {
    case int(Int), ints([Int]), float(Float), string(String)
}

/// The graph being written: nodes and initializers. Each layer adds its own nodes
/// (`DescribedLayer.emitONNX`) through `op`, `initializer` and `windowAttributes`.
public struct ONNXEmitter {
    var nodes: [ProtoWriter] = []
    var initializers: [ProtoWriter] = []
    var initializerNames = Set<String>()
    var counter = 0

    mutating func fresh(_ base: String) -> String {
        counter += 1
        return "\(base)_\(counter)"
    }

    mutating func node(_ op: String, inputs: [String], output: String, name: String,
                       attributes: [(String, ONNXAttr)] = []) {
        var n = ProtoWriter()
        for i in inputs { n.string(1, i) }
        n.string(2, output)
        n.string(3, name)
        n.string(4, op)
        for (key, value) in attributes {
            var a = ProtoWriter()
            a.string(1, key)
            switch value {
            case .int(let v): a.int(3, v); a.int(20, 2)
            case .ints(let v): a.packedInts(8, v); a.int(20, 7)
            case .float(let v): a.float(2, v); a.int(20, 1)
            case .string(let v): a.string(4, v); a.int(20, 3)
            }
            n.message(5, a)
        }
        nodes.append(n)
    }

    /// Adds a node with a fresh output name and returns it.
    mutating func op(_ op: String, _ inputs: [String], _ prefix: String, _ attributes: [(String, ONNXAttr)] = []) -> String {
        let out = fresh(prefix.isEmpty ? op : prefix + op)
        node(op, inputs: inputs, output: out, name: out, attributes: attributes)
        return out
    }

    mutating func initializer(_ name: String, _ t: Tensor) -> String {
        if initializerNames.insert(name).inserted { initializers.append(ONNXTensor.encode(name: name, t)) }
        return name
    }

    mutating func intInitializer(_ values: [Int], _ prefix: String) -> String {
        let name = fresh(prefix + "const")
        initializerNames.insert(name)
        initializers.append(ONNXTensor.encodeInts(name: name, values))
        return name
    }

    mutating func scalarInitializer(_ v: Float, _ prefix: String) -> String {
        initializer(fresh(prefix + "scalar"), Tensor(v))
    }

    func windowAttributes(_ w: Window2D, kernelShape: Bool = true) -> [(String, ONNXAttr)] {
        var a: [(String, ONNXAttr)] = []
        if kernelShape { a.append(("kernel_shape", .ints([w.kernel.h, w.kernel.w]))) }
        a.append(("strides", .ints([w.stride.h, w.stride.w])))
        switch w.padding {
        case .explicit(let p): a.append(("pads", .ints([p.top, p.left, p.bottom, p.right])))
        case .same: a.append(("auto_pad", .string("SAME_UPPER")))
        case .sameLower: a.append(("auto_pad", .string("SAME_LOWER")))
        case .valid: a.append(("auto_pad", .string("VALID")))
        }
        return a
    }

    /// Writes `m` applied to tensor `input` (shaped `shape`) and returns the output tensor's name.
    mutating func emit(_ m: Module, input x: String, shape: [Int], prefix: String) throws -> String {
        guard let layer = m as? DescribedLayer else {
            throw OpError("export", "cannot write layer \(m.signature) (\(m.typeName)) as ONNX")
        }
        return try layer.emitONNX(&self, input: x, shape: shape, prefix: prefix)
    }

    /// Writes `layers` applied one after the other (a Sequential's children, a block's main path).
    mutating func emitChain(_ layers: [(name: String, module: Module)], input x: String, shape: [Int],
                            prefix p: String) throws -> (output: String, shape: [Int]) {
        var y = x, s = shape
        for (name, layer) in layers {
            y = try emit(layer, input: y, shape: s, prefix: p + name + ".")
            s = try layer.outputShape(for: s)
        }
        return (y, s)
    }

    mutating func emitGraph(_ g: GraphModel, input x: String, shape: [Int], prefix p: String) throws -> String {
        var names: [String: String] = [g.inputName: x]
        var shapes: [String: GraphOps.Known] = [g.inputName: GraphOps.Known(shape: shape, values: nil)]
        for (name, v) in g.constants {
            names[name] = initializer(p + name, v.value)
            shapes[name] = GraphOps.Known(constant: v.value)
        }
        for n in g.nodes {
            let ins = try n.inputs.map { i -> String in
                guard let name = names[i] else { throw OpError("export", "graph node '\(n.name)' reads '\(i)' before it is written") }
                return name
            }
            let inShapes = n.inputs.compactMap { shapes[$0] }
            // Inference first: it checks the node's inputs (count and shapes) before they are indexed.
            let known = try GraphOps.infer(n.op, inShapes)
            let q = p + n.name + "."
            let out: String
            switch n.op {
            case .layer(let m): out = try emit(m, input: ins[0], shape: inShapes[0].shape, prefix: q)
            case .binary(let b):
                let name: String
                switch b {
                case .add: name = "Add"
                case .sub: name = "Sub"
                case .mul: name = "Mul"
                case .div: name = "Div"
                default: throw OpError("export", "graph node '\(n.name)': elementwise \(b.rawValue) has no ONNX form here")
                }
                out = op(name, ins, q)
            case .matmul: out = op("MatMul", ins, q)
            case .gemm(let ta, let tb, let alpha, let beta):
                out = op("Gemm", ins, q, [("transA", .int(ta ? 1 : 0)), ("transB", .int(tb ? 1 : 0)),
                                          ("alpha", .float(alpha)), ("beta", .float(beta))])
            case .concat(let axis): out = op("Concat", ins, q, [("axis", .int(axis))])
            case .reshape:
                // Shape tensors are int64 in ONNX; cnns holds them as floats, so cast.
                let target = op("Cast", [ins[1]], q, [("to", .int(ONNXTensor.int64))])
                out = op("Reshape", [ins[0], target], q)
            case .transpose(let perm):
                out = op("Transpose", ins, q, perm.isEmpty ? [] : [("perm", .ints(perm))])
            case .flatten(let axis): out = op("Flatten", ins, q, [("axis", .int(axis))])
            case .pad(let pads, let value):
                out = op("Pad", [ins[0], intInitializer(pads, q), scalarInitializer(value, q)], q, [("mode", .string("constant"))])
            case .clip(let lo, let hi):
                out = op("Clip", [ins[0], lo.map { scalarInitializer($0, q) } ?? "", hi.map { scalarInitializer($0, q) } ?? ""], q)
            case .prelu: out = op("PRelu", ins, q)
            case .identity: out = op("Identity", ins, q)
            case .shape:
                // cnns computes shapes as floats; the cast keeps later arithmetic in one type.
                let s = op("Shape", ins, q)
                out = op("Cast", [s], q, [("to", .int(ONNXTensor.float))])
            case .gather(let axis):
                let idx = op("Cast", [ins[1]], q, [("to", .int(ONNXTensor.int64))])
                out = op("Gather", [ins[0], idx], q, [("axis", .int(axis))])
            case .unsqueeze(let axes): out = op("Unsqueeze", [ins[0], intInitializer(axes, q)], q)
            case .squeeze(let axes):
                out = axes.isEmpty ? op("Squeeze", [ins[0]], q) : op("Squeeze", [ins[0], intInitializer(axes, q)], q)
            case .globalMaxPool: out = op("GlobalMaxPool", ins, q)
            }
            names[n.output] = out
            shapes[n.output] = known
        }
        guard let out = names[g.outputName] else { throw OpError("export", "the graph's output '\(g.outputName)' is never written") }
        return out
    }
}
