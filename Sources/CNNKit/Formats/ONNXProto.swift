// The parts of the ONNX model format (IR version 3 and later) that cnns reads and writes, decoded
// with the project's own protobuf reader. Field numbers follow the ONNX IR specification
// (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto).

/// A tensor from an ONNX file: dims and the values as floats (integers kept exactly in `ints` too,
/// for shape arithmetic). Only numeric element types are read.
struct ONNXTensor {
    var name = ""
    var dims: [Int] = []
    var dataType = 0
    var floats: [Float] = []
    var ints: [Int64] = []

    static let float = 1, uint8 = 2, int8 = 3, int32 = 6, int64 = 7, bool = 9, double = 11

    var isInteger: Bool { [ONNXTensor.int64, ONNXTensor.int32, ONNXTensor.int8, ONNXTensor.uint8, ONNXTensor.bool].contains(dataType) }

    /// The values as a cnns tensor (integers converted to Float; exact below 2²⁴).
    func tensor() throws -> Tensor { try Tensor(shape: dims, scalars: floats) }

    /// Decodes a TensorProto, checking dims and the data's length before storing any values.
    static func decode(_ r: inout ProtoReader) throws -> ONNXTensor {
        var t = ONNXTensor()
        var dims64: [Int64] = []
        var raw: [UInt8]? = nil
        var floatData: [Float] = [], int32Data: [Int64] = [], int64Data: [Int64] = [], doubleData: [Double] = []
        var external = false
        while let (field, wire) = try r.nextField() {
            switch field {
            case 1: try r.int64s(wire, into: &dims64)
            case 2: try r.expect(wire, .varint, field: "data_type"); t.dataType = Int(truncatingIfNeeded: try r.int64())
            case 4: try r.floats(wire, into: &floatData)
            case 5: try r.int64s(wire, into: &int32Data)
            case 7: try r.int64s(wire, into: &int64Data)
            case 8: try r.expect(wire, .lengthDelimited, field: "name"); t.name = try r.string()
            case 9: try r.expect(wire, .lengthDelimited, field: "raw_data"); raw = try r.bytesField()
            case 10: try r.doubles(wire, into: &doubleData)
            case 13: external = true; try r.skip(wire)
            case 14: try r.expect(wire, .varint, field: "data_location"); if try r.varint() == 1 { external = true }
            default: try r.skip(wire)
            }
        }
        let label = t.name.isEmpty ? "a tensor" : "tensor '\(t.name)'"
        guard !external else {
            throw OpError("load", "\(label) keeps its data in an external file; this version reads only weights stored inside the .onnx file")
        }
        guard dims64.allSatisfy({ $0 >= 0 && $0 <= Int64(Shape.maxElements) }) else {
            throw OpError("load", "\(label) has invalid dims \(dims64)")
        }
        t.dims = dims64.map { Int($0) }
        let count = try Shape.elementCount(t.dims, op: "load")
        let size: Int
        switch t.dataType {
        case float, int32: size = 4
        case int64, double: size = 8
        case uint8, int8, bool: size = 1
        default: throw OpError("load", "\(label) has element type \(t.dataType); cnns reads float, double, int8/32/64, uint8 and bool")
        }
        if let raw {
            guard raw.count == count * size else {
                throw OpError("load", "\(label) of shape \(Shape.describe(t.dims)) needs \(count * size) bytes of raw_data, got \(raw.count)")
            }
            try raw.withUnsafeBytes { (p: UnsafeRawBufferPointer) in
                switch t.dataType {
                case float:
                    // The bulk of a file: copied whole (cnns runs on little-endian machines, as ONNX stores).
                    t.floats = [Float](repeating: 0, count: count)
                    t.floats.withUnsafeMutableBytes { $0.copyMemory(from: p) }
                case double: t.floats = (0..<count).map { Float(Double(bitPattern: p.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self).littleEndian)) }
                case int64: t.ints = (0..<count).map { Int64(littleEndian: p.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self)) }
                case int32: t.ints = (0..<count).map { Int64(Int32(littleEndian: p.loadUnaligned(fromByteOffset: $0 * 4, as: Int32.self))) }
                case int8: t.ints = (0..<count).map { Int64(Int8(bitPattern: p[$0])) }
                case uint8, bool: t.ints = (0..<count).map { Int64(p[$0]) }
                default: throw OpError("load", "\(label): unreadable element type \(t.dataType)")
                }
            }
        } else {
            let typed: Int
            switch t.dataType {
            case float: typed = floatData.count; t.floats = floatData
            case double: typed = doubleData.count; t.floats = doubleData.map { Float($0) }
            case int64: typed = int64Data.count; t.ints = int64Data
            default: typed = int32Data.count; t.ints = int32Data
            }
            guard typed == count else {
                throw OpError("load", "\(label) of shape \(Shape.describe(t.dims)) needs \(count) values, the file holds \(typed)")
            }
        }
        // Both views: integers as floats for computing, small float tensors as integers for shapes.
        if t.isInteger {
            t.floats = t.ints.map { Float($0) }
        } else if t.floats.count <= 64 {
            t.ints = t.floats.map { Int64(exactly: $0.rounded()) ?? 0 }
        }
        return t
    }

    /// Encodes as a TensorProto with raw little-endian float data.
    static func encode(name: String, _ t: Tensor) -> ProtoWriter {
        var w = ProtoWriter()
        for d in t.shape { w.int(1, d) }
        w.int(2, float)
        w.string(8, name)
        w.bytes(9, ProtoWriter.littleEndian(t.scalars))
        return w
    }

    /// Encodes an int64 tensor (shapes, axes) with typed data.
    static func encodeInts(name: String, _ values: [Int], dims: [Int]? = nil) -> ProtoWriter {
        var w = ProtoWriter()
        for d in dims ?? [values.count] { w.int(1, d) }
        w.int(2, int64)
        w.packedInts(7, values)
        w.string(8, name)
        return w
    }
}

/// A node attribute: one of float, int, string, tensor, floats, ints.
struct ONNXAttribute {
    var name = ""
    var f: Float?
    var i: Int?
    var s: String?
    var t: ONNXTensor?
    var floats: [Float] = []
    var ints: [Int] = []

    static func decode(_ r: inout ProtoReader) throws -> ONNXAttribute {
        var a = ONNXAttribute()
        var ints: [Int64] = []
        while let (field, wire) = try r.nextField() {
            switch field {
            case 1: try r.expect(wire, .lengthDelimited, field: "name"); a.name = try r.string()
            case 2: try r.expect(wire, .fixed32, field: "f"); a.f = Float(bitPattern: try r.fixed32())
            case 3: try r.expect(wire, .varint, field: "i")
                let v = try r.int64()
                a.i = Int(v)
            case 4: try r.expect(wire, .lengthDelimited, field: "s"); a.s = String(decoding: try r.bytesField(), as: UTF8.self)
            case 5: try r.expect(wire, .lengthDelimited, field: "t")
                var sub = try r.message("AttributeProto.t")
                a.t = try ONNXTensor.decode(&sub)
            case 7: try r.floats(wire, into: &a.floats)
            case 8: try r.int64s(wire, into: &ints)
            default: try r.skip(wire)
            }
        }
        a.ints = ints.map { Int(clamping: $0) }
        return a
    }
}

struct ONNXNode {
    var name = ""
    var opType = ""
    var domain = ""
    var inputs: [String] = []
    var outputs: [String] = []
    var attributes: [String: ONNXAttribute] = [:]

    /// How errors name the node: `'name' (Op)` or `#index (Op)` when unnamed.
    var label: String { "'\(name)'" }

    static func decode(_ r: inout ProtoReader) throws -> ONNXNode {
        var n = ONNXNode()
        while let (field, wire) = try r.nextField() {
            switch field {
            case 1: try r.expect(wire, .lengthDelimited, field: "input"); n.inputs.append(try r.string())
            case 2: try r.expect(wire, .lengthDelimited, field: "output"); n.outputs.append(try r.string())
            case 3: try r.expect(wire, .lengthDelimited, field: "name"); n.name = try r.string()
            case 4: try r.expect(wire, .lengthDelimited, field: "op_type"); n.opType = try r.string()
            case 5: try r.expect(wire, .lengthDelimited, field: "attribute")
                var sub = try r.message("NodeProto.attribute")
                let a = try ONNXAttribute.decode(&sub)
                n.attributes[a.name] = a
            case 7: try r.expect(wire, .lengthDelimited, field: "domain"); n.domain = try r.string()
            default: try r.skip(wire)
            }
        }
        return n
    }
}

/// A graph input or output: its name and static dims (nil for a symbolic dim such as the batch).
struct ONNXValueInfo {
    var name = ""
    var dims: [Int?] = []

    static func decode(_ r: inout ProtoReader) throws -> ONNXValueInfo {
        var v = ONNXValueInfo()
        while let (field, wire) = try r.nextField() {
            switch field {
            case 1: try r.expect(wire, .lengthDelimited, field: "name"); v.name = try r.string()
            case 2: try r.expect(wire, .lengthDelimited, field: "type")
                var type = try r.message("TypeProto")
                while let (f, w) = try type.nextField() {
                    guard f == 1, w == .lengthDelimited else { try type.skip(w); continue }
                    var tensorType = try type.message("TypeProto.Tensor")
                    while let (f2, w2) = try tensorType.nextField() {
                        guard f2 == 2, w2 == .lengthDelimited else { try tensorType.skip(w2); continue }
                        var shape = try tensorType.message("TensorShapeProto")
                        while let (f3, w3) = try shape.nextField() {
                            guard f3 == 1, w3 == .lengthDelimited else { try shape.skip(w3); continue }
                            var dim = try shape.message("TensorShapeProto.Dimension")
                            var value: Int? = nil
                            while let (f4, w4) = try dim.nextField() {
                                if f4 == 1, w4 == .varint { value = Int(clamping: try dim.int64()) } else { try dim.skip(w4) }
                            }
                            v.dims.append(value.flatMap { $0 >= 0 ? $0 : nil })
                        }
                    }
                }
            default: try r.skip(wire)
            }
        }
        return v
    }
}

struct ONNXGraph {
    var name = ""
    var nodes: [ONNXNode] = []
    var initializers: [ONNXTensor] = []
    var inputs: [ONNXValueInfo] = []
    var outputs: [ONNXValueInfo] = []

    static func decode(_ r: inout ProtoReader) throws -> ONNXGraph {
        var g = ONNXGraph()
        while let (field, wire) = try r.nextField() {
            switch field {
            case 1: try r.expect(wire, .lengthDelimited, field: "node")
                var sub = try r.message("GraphProto.node")
                g.nodes.append(try ONNXNode.decode(&sub))
            case 2: try r.expect(wire, .lengthDelimited, field: "name"); g.name = try r.string()
            case 5: try r.expect(wire, .lengthDelimited, field: "initializer")
                var sub = try r.message("GraphProto.initializer")
                g.initializers.append(try ONNXTensor.decode(&sub))
            case 11: try r.expect(wire, .lengthDelimited, field: "input")
                var sub = try r.message("GraphProto.input")
                g.inputs.append(try ONNXValueInfo.decode(&sub))
            case 12: try r.expect(wire, .lengthDelimited, field: "output")
                var sub = try r.message("GraphProto.output")
                g.outputs.append(try ONNXValueInfo.decode(&sub))
            default: try r.skip(wire)
            }
        }
        return g
    }
}

struct ONNXModelProto {
    var irVersion = 0
    var opset = 0
    var producer = ""
    var graph: ONNXGraph?

    static func decode(_ bytes: [UInt8]) throws -> ONNXModelProto {
        var r = ProtoReader(bytes, context: "ModelProto")
        var m = ONNXModelProto()
        while let (field, wire) = try r.nextField() {
            switch field {
            case 1: try r.expect(wire, .varint, field: "ir_version"); m.irVersion = Int(clamping: try r.int64())
            case 2: try r.expect(wire, .lengthDelimited, field: "producer_name"); m.producer = try r.string()
            case 7: try r.expect(wire, .lengthDelimited, field: "graph")
                var sub = try r.message("ModelProto.graph")
                m.graph = try ONNXGraph.decode(&sub)
            case 8: try r.expect(wire, .lengthDelimited, field: "opset_import")
                var sub = try r.message("OperatorSetIdProto")
                var domain = "", version = 0
                while let (f, w) = try sub.nextField() {
                    switch (f, w) {
                    case (1, .lengthDelimited): domain = try sub.string()
                    case (2, .varint): version = Int(clamping: try sub.int64())
                    default: try sub.skip(w)
                    }
                }
                if domain.isEmpty || domain == "ai.onnx" { m.opset = version }
            default: try r.skip(wire)
            }
        }
        return m
    }
}
