@testable import CNNKit
import Foundation
import Testing
import CNNTestSupport

/// Builds small ONNX files by hand with the project's protobuf writer.
enum ONNXBytes {
    static func node(_ op: String, _ inputs: [String], _ output: String, name: String) -> ProtoWriter {
        var n = ProtoWriter()
        for i in inputs { n.string(1, i) }
        n.string(2, output)
        n.string(3, name)
        n.string(4, op)
        return n
    }

    static func floatTensor(_ name: String, dims: [Int], raw: [Float]? = nil, typed: [Float]? = nil) -> ProtoWriter {
        var t = ProtoWriter()
        for d in dims { t.int(1, d) }
        t.int(2, 1)
        t.string(8, name)
        if let raw { t.bytes(9, ProtoWriter.littleEndian(raw)) }
        if let typed { t.packedFloats(4, typed) }
        return t
    }

    static func model(nodes: [ProtoWriter], initializers: [ProtoWriter] = [], input: String = "x",
                      output: String = "y", irVersion: Int = 8) -> [UInt8] {
        var g = ProtoWriter()
        for n in nodes { g.message(1, n) }
        g.string(2, "test")
        for t in initializers { g.message(5, t) }
        g.message(11, ONNXExport.valueInfo(input, [1, 2, 4, 4]))
        g.message(12, ONNXExport.valueInfo(output, [1, 2, 4, 4]))
        var m = ProtoWriter()
        m.int(1, irVersion)
        var opset = ProtoWriter()
        opset.int(2, 13)
        m.message(8, opset)
        m.message(7, g)
        return m.bytes
    }
}

@Suite("ONNX import: malformed files")
struct ONNXMalformedTests {
    func expectLoadError(_ bytes: [UInt8], _ fragments: String..., sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try ONNXImport.decode(bytes)
            Issue.record("expected an error mentioning \(fragments)", sourceLocation: sourceLocation)
        } catch let e as OpError {
            #expect(e.op == "load", "\(e)", sourceLocation: sourceLocation)
            for f in fragments { #expect(e.message.contains(f), "\(e)", sourceLocation: sourceLocation) }
        } catch {
            Issue.record("not an OpError: \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test("A well-formed hand-built file loads (the base the broken ones start from)")
    func wellFormed() throws {
        let m = try ONNXImport.decode(ONNXBytes.model(nodes: [ONNXBytes.node("Relu", ["x"], "y", name: "r")]))
        let x = try Tensor(shape: [1, 2, 4, 4], scalars: (0..<32).map { Float($0) - 16 })
        #expect(try m(x).scalars == x.scalars.map { max(0, $0) })
    }

    @Test("Wire-format damage: truncated varint, length past the end, wrong and unknown wire types")
    func wire() {
        expectLoadError([0x08, 0xff], "truncated varint")
        expectLoadError([0x08] + [UInt8](repeating: 0xff, count: 11), "varint")
        expectLoadError([0x3a, 0x10, 0x01], "runs past the end")
        expectLoadError([0x0a, 0x00], "ir_version", "wire type")
        expectLoadError([0x0b], "wire type 3")
        expectLoadError([], "no graph")
    }

    @Test("Messages nested deeper than the limit are rejected, not followed")
    func deepNesting() {
        var inner = ProtoWriter()
        inner.int(1, 1)
        for _ in 0..<100 { var outer = ProtoWriter(); outer.message(1, inner); inner = outer }
        func walk(_ r: inout ProtoReader) throws {
            while let (_, wire) = try r.nextField() {
                if wire == .lengthDelimited { var sub = try r.message("nested"); try walk(&sub) } else { try r.skip(wire) }
            }
        }
        var r = ProtoReader(inner.bytes, context: "test")
        #expect { try walk(&r) } throws: { ($0 as? OpError)?.message.contains("nested deeper than") == true }
    }

    @Test("Tensors: huge dims, raw_data and float_data of the wrong size, external data")
    func tensors() {
        let relu = [ONNXBytes.node("Relu", ["x"], "y", name: "r")]
        expectLoadError(ONNXBytes.model(nodes: relu, initializers: [ONNXBytes.floatTensor("w", dims: [1 << 40, 1 << 40], raw: [1])]), "'w'")
        expectLoadError(ONNXBytes.model(nodes: relu, initializers: [ONNXBytes.floatTensor("w", dims: [2, 3], raw: [1, 2, 3])]),
                        "tensor 'w'", "needs 24 bytes", "got 12")
        expectLoadError(ONNXBytes.model(nodes: relu, initializers: [ONNXBytes.floatTensor("w", dims: [4], typed: [1, 2])]),
                        "tensor 'w'", "needs 4 values")
        var ext = ONNXBytes.floatTensor("w", dims: [2])
        ext.int(14, 1)
        expectLoadError(ONNXBytes.model(nodes: relu, initializers: [ext]), "external")
        var bad = ONNXBytes.floatTensor("w", dims: [2])
        bad.int(2, 8)
        expectLoadError(ONNXBytes.model(nodes: relu, initializers: [bad]), "element type 8")
    }

    @Test("Graphs: missing initializer, cycle, unsupported op named with its node, empty graph, dangling input")
    func graphs() {
        expectLoadError(ONNXBytes.model(nodes: [ONNXBytes.node("Conv", ["x", "w"], "y", name: "conv0")]),
                        "conv0", "'w'", "missing initializer")
        expectLoadError(ONNXBytes.model(nodes: [ONNXBytes.node("Relu", ["b"], "a", name: "n1"),
                                                ONNXBytes.node("Add", ["a", "x"], "b", name: "n2"),
                                                ONNXBytes.node("Relu", ["b"], "y", name: "n3")]), "cycle", "'n1'")
        expectLoadError(ONNXBytes.model(nodes: [ONNXBytes.node("LSTM", ["x"], "y", name: "rnn1")]),
                        "unsupported ONNX op 'LSTM' at node 'rnn1'", "supported:", "Conv")
        expectLoadError(ONNXBytes.model(nodes: []), "no nodes")
        expectLoadError(ONNXBytes.model(nodes: [ONNXBytes.node("Add", ["x", "ghost"], "y", name: "add")]), "'ghost'")
        expectLoadError(ONNXBytes.model(nodes: [ONNXBytes.node("Relu", ["x"], "z", name: "r")]), "output 'y'")
        expectLoadError(ONNXBytes.model(nodes: [ONNXBytes.node("Relu", ["x"], "y", name: "r")], irVersion: 2), "IR version 2")
    }

    @Test("Bad attributes and weights: 3-D conv, kernel and weight disagreeing, BatchNorm vectors of different sizes")
    func attributes() {
        let w = ONNXBytes.floatTensor("w", dims: [2, 2, 3], raw: [Float](repeating: 0, count: 12))
        expectLoadError(ONNXBytes.model(nodes: [ONNXBytes.node("Conv", ["x", "w"], "y", name: "c")], initializers: [w]), "rank-4")
        var bn = [ONNXBytes.floatTensor("s", dims: [2], raw: [1, 1]), ONNXBytes.floatTensor("b", dims: [2], raw: [0, 0]),
                  ONNXBytes.floatTensor("m", dims: [3], raw: [0, 0, 0]), ONNXBytes.floatTensor("v", dims: [2], raw: [1, 1])]
        expectLoadError(ONNXBytes.model(nodes: [ONNXBytes.node("BatchNormalization", ["x", "s", "b", "m", "v"], "y", name: "bn")],
                                        initializers: bn), "bn", "'m' is 3")
        bn[2] = ONNXBytes.floatTensor("m", dims: [2], raw: [0, 0])
        // Two channels declared but the input has 2 — fine; a Conv after it with 3 input channels is not.
        let w3 = ONNXBytes.floatTensor("w", dims: [1, 3, 1, 1], raw: [1, 1, 1])
        expectLoadError(ONNXBytes.model(nodes: [ONNXBytes.node("BatchNormalization", ["x", "s", "b", "m", "v"], "h", name: "bn"),
                                                ONNXBytes.node("Conv", ["h", "w"], "y", name: "c")], initializers: bn + [w3]),
                        "'c'", "3 input channels")
    }

    @Test("Every truncation of a real file and random byte flips throw or load, never crash")
    func fuzz() throws {
        let bytes = try Fixtures.bytes(ONNXFixtures.dir.appendingPathComponent("chain.onnx"))
        var rng = TestRNG(77)
        for _ in 0..<150 {
            let cut = rng.int(0, bytes.count - 16)  // inside the graph message, which then runs past the end
            #expect(throws: OpError.self) { try ONNXImport.decode(Array(bytes[..<cut])) }
        }
        for _ in 0..<150 {
            var b = bytes
            for _ in 0..<3 { b[rng.int(0, b.count - 1)] = UInt8(truncatingIfNeeded: rng.next()) }
            do {
                let m = try ONNXImport.decode(b)
                _ = try? m(Tensor(shape: [1, 3, 12, 12], repeating: 0.5))
            } catch is OpError {}
        }
    }
}
