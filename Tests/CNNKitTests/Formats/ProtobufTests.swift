@testable import CNNKit
import Testing

@Suite("Protobuf wire format")
struct ProtobufTests {
    @Test("Varints, negative int64, fixed32 floats, strings, packed and unpacked repeated fields round-trip")
    func roundTrip() throws {
        let ints: [Int64] = [0, 1, 127, 128, 300, 16383, 16384, Int64(Int32.max), -1, -300, Int64.min, Int64.max]
        var w = ProtoWriter()
        for v in ints { w.int(1, v) }
        w.float(2, -2.5)
        w.string(3, "conv1.weight ✓")
        w.packedInts(4, [3, -4, 1 << 40])
        w.packedFloats(5, [1.5, -0.25])
        var inner = ProtoWriter()
        inner.int(1, 42)
        w.message(6, inner)
        var r = ProtoReader(w.bytes, context: "test")
        var gotInts: [Int64] = [], packed: [Int64] = [], floats: [Float] = []
        var float: Float = 0, text = "", nested: Int64 = 0
        while let (field, wire) = try r.nextField() {
            switch field {
            case 1: try r.int64s(wire, into: &gotInts)
            case 2: float = Float(bitPattern: try r.fixed32())
            case 3: text = try r.string()
            case 4: try r.int64s(wire, into: &packed)
            case 5: try r.floats(wire, into: &floats)
            case 6:
                var sub = try r.message("inner")
                while let (_, _) = try sub.nextField() { nested = try sub.int64() }
            default: Issue.record("unexpected field \(field)")
            }
        }
        #expect(gotInts == ints)
        #expect(float == -2.5 && text == "conv1.weight ✓" && nested == 42)
        #expect(packed == [3, -4, 1 << 40] && floats == [1.5, -0.25])
    }

    @Test("A varint's encoding matches the protobuf documentation's example (300 → AC 02)")
    func knownBytes() {
        var w = ProtoWriter()
        w.int(1, 150)
        #expect(w.bytes == [0x08, 0x96, 0x01])
        var v = ProtoWriter()
        v.varint(300)
        #expect(v.bytes == [0xac, 0x02])
    }

    @Test("Reads past the end are errors: fixed32, fixed64, packed floats of a bad length, invalid UTF-8")
    func bounds() throws {
        var r = ProtoReader([0x01, 0x02], context: "t")
        #expect(throws: OpError.self) { _ = try r.fixed32() }
        var r2 = ProtoReader([0x01, 0x02, 0x03, 0x04], context: "t")
        #expect(throws: OpError.self) { _ = try r2.fixed64() }
        var r3 = ProtoReader([0x2a, 0x03, 0, 0, 0], context: "t")
        _ = try r3.nextField()
        var out: [Float] = []
        #expect(throws: OpError.self) { try r3.floats(.lengthDelimited, into: &out) }
        var r4 = ProtoReader([0x1a, 0x02, 0xff, 0xfe], context: "t")
        _ = try r4.nextField()
        #expect(throws: OpError.self) { _ = try r4.string() }
        var r5 = ProtoReader([0x00], context: "t")
        #expect(throws: OpError.self) { _ = try r5.nextField() }  // field number 0
    }
}
