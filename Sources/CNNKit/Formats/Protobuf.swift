// A small Protocol Buffers wire-format reader and writer (varint, fixed32/64, length-delimited,
// packed repeated) — enough for ONNX. Written here instead of generating swift-protobuf code: no
// dependency and no generator step, and every read is bounds-checked so a hostile file throws.

/// Protobuf wire types (the low 3 bits of a field key).
enum WireType: Int {
    case varint = 0, fixed64 = 1, lengthDelimited = 2, fixed32 = 5
}

/// Reads one message's fields from `bytes[range]`. Nested messages get a reader one level deeper;
/// past `maxDepth` levels the file is rejected (a crafted file could otherwise nest without end).
struct ProtoReader {
    static let maxDepth = 32
    let bytes: [UInt8]
    private(set) var position: Int
    let end: Int
    let depth: Int
    /// What a failure calls the message being read, e.g. "ModelProto.graph".
    let context: String

    init(_ bytes: [UInt8], context: String) {
        self.bytes = bytes; position = 0; end = bytes.count; depth = 0; self.context = context
    }

    private init(bytes: [UInt8], range: Range<Int>, depth: Int, context: String) {
        self.bytes = bytes; position = range.lowerBound; end = range.upperBound
        self.depth = depth; self.context = context
    }

    var isAtEnd: Bool { position >= end }

    func fail(_ message: String) -> OpError {
        OpError("load", "malformed protobuf in \(context) at byte \(position): \(message)")
    }

    /// The next field's number and wire type, or nil at the end of the message.
    mutating func nextField() throws -> (number: Int, wire: WireType)? {
        guard !isAtEnd else { return nil }
        let key = try varint()
        let number = Int(key >> 3)
        guard number >= 1, number < (1 << 29) else { throw fail("field number \(number) is out of range") }
        guard let wire = WireType(rawValue: Int(key & 7)) else {
            throw fail("field \(number) has unsupported wire type \(key & 7)")
        }
        return (number, wire)
    }

    mutating func varint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < end else { throw fail("truncated varint") }
            let byte = bytes[position]
            position += 1
            guard shift < 64 else { throw fail("varint longer than 10 bytes") }
            result |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    /// A varint read as a signed 64-bit integer (protobuf `int64`/`int32`: two's complement).
    mutating func int64() throws -> Int64 { Int64(bitPattern: try varint()) }

    mutating func fixed32() throws -> UInt32 {
        guard end - position >= 4 else { throw fail("truncated fixed32") }
        var v: UInt32 = 0
        for k in 0..<4 { v |= UInt32(bytes[position + k]) << (8 * UInt32(k)) }
        position += 4
        return v
    }

    mutating func fixed64() throws -> UInt64 {
        guard end - position >= 8 else { throw fail("truncated fixed64") }
        var v: UInt64 = 0
        for k in 0..<8 { v |= UInt64(bytes[position + k]) << (8 * UInt64(k)) }
        position += 8
        return v
    }

    /// The byte range of a length-delimited field, checked against the message's end.
    mutating func lengthDelimited() throws -> Range<Int> {
        let length = try varint()
        guard length <= UInt64(end - position) else {
            throw fail("length \(length) runs past the end of the message (\(end - position) bytes left)")
        }
        let range = position..<(position + Int(length))
        position = range.upperBound
        return range
    }

    mutating func bytesField() throws -> [UInt8] { Array(bytes[try lengthDelimited()]) }

    mutating func string() throws -> String {
        let raw = try bytesField()
        guard let s = String(validating: raw, as: UTF8.self) else { throw fail("string is not valid UTF-8") }
        return s
    }

    /// A reader for an embedded message, one level deeper.
    mutating func message(_ name: String) throws -> ProtoReader {
        let range = try lengthDelimited()
        guard depth + 1 <= ProtoReader.maxDepth else {
            throw fail("messages nested deeper than \(ProtoReader.maxDepth) levels")
        }
        return ProtoReader(bytes: bytes, range: range, depth: depth + 1, context: name)
    }

    /// Repeated varints, packed (one length-delimited run) or not (one per key).
    mutating func int64s(_ wire: WireType, into out: inout [Int64]) throws {
        switch wire {
        case .varint: out.append(try int64())
        case .lengthDelimited:
            let range = try lengthDelimited()
            var sub = ProtoReader(bytes: bytes, range: range, depth: depth, context: context)
            while !sub.isAtEnd { out.append(try sub.int64()) }
        default: throw fail("repeated integer field has wire type \(wire.rawValue)")
        }
    }

    /// Repeated floats, packed or not.
    mutating func floats(_ wire: WireType, into out: inout [Float]) throws {
        switch wire {
        case .fixed32: out.append(Float(bitPattern: try fixed32()))
        case .lengthDelimited:
            let range = try lengthDelimited()
            guard range.count % 4 == 0 else { throw fail("packed floats of \(range.count) bytes, not a multiple of 4") }
            out.reserveCapacity(out.count + range.count / 4)
            var sub = ProtoReader(bytes: bytes, range: range, depth: depth, context: context)
            while !sub.isAtEnd { out.append(Float(bitPattern: try sub.fixed32())) }
        default: throw fail("repeated float field has wire type \(wire.rawValue)")
        }
    }

    /// Repeated doubles, packed or not.
    mutating func doubles(_ wire: WireType, into out: inout [Double]) throws {
        switch wire {
        case .fixed64: out.append(Double(bitPattern: try fixed64()))
        case .lengthDelimited:
            let range = try lengthDelimited()
            guard range.count % 8 == 0 else { throw fail("packed doubles of \(range.count) bytes, not a multiple of 8") }
            var sub = ProtoReader(bytes: bytes, range: range, depth: depth, context: context)
            while !sub.isAtEnd { out.append(Double(bitPattern: try sub.fixed64())) }
        default: throw fail("repeated double field has wire type \(wire.rawValue)")
        }
    }

    /// Skips a field this reader does not use.
    mutating func skip(_ wire: WireType) throws {
        switch wire {
        case .varint: _ = try varint()
        case .fixed64: _ = try fixed64()
        case .fixed32: _ = try fixed32()
        case .lengthDelimited: _ = try lengthDelimited()
        }
    }

    /// Checks that a scalar field came with the wire type it needs.
    func expect(_ wire: WireType, _ needed: WireType, field: String) throws {
        guard wire == needed else {
            throw fail("field '\(field)' has wire type \(wire.rawValue), expected \(needed.rawValue)")
        }
    }
}

/// Builds one message's bytes. Fields are written in the order called.
struct ProtoWriter {
    private(set) var bytes: [UInt8] = []

    private mutating func key(_ field: Int, _ wire: WireType) { varint(UInt64(field << 3 | wire.rawValue)) }

    mutating func varint(_ v: UInt64) {
        var v = v
        while v >= 0x80 { bytes.append(UInt8(v & 0x7f) | 0x80); v >>= 7 }
        bytes.append(UInt8(v))
    }

    mutating func int(_ field: Int, _ v: Int64) { key(field, .varint); varint(UInt64(bitPattern: v)) }
    mutating func int(_ field: Int, _ v: Int) { int(field, Int64(v)) }

    mutating func float(_ field: Int, _ v: Float) {
        key(field, .fixed32)
        let b = v.bitPattern
        for k in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: b >> (8 * UInt32(k)))) }
    }

    mutating func bytes(_ field: Int, _ data: [UInt8]) {
        key(field, .lengthDelimited); varint(UInt64(data.count)); bytes.append(contentsOf: data)
    }

    mutating func string(_ field: Int, _ s: String) { bytes(field, Array(s.utf8)) }

    mutating func message(_ field: Int, _ m: ProtoWriter) { bytes(field, m.bytes) }

    /// Packed repeated int64.
    mutating func packedInts(_ field: Int, _ values: [Int]) {
        var inner = ProtoWriter()
        for v in values { inner.varint(UInt64(bitPattern: Int64(v))) }
        bytes(field, inner.bytes)
    }

    /// Packed repeated float.
    mutating func packedFloats(_ field: Int, _ values: [Float]) {
        bytes(field, ProtoWriter.littleEndian(values))
    }

    static func littleEndian(_ values: [Float]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(values.count * 4)
        for v in values {
            let b = v.bitPattern
            out.append(UInt8(truncatingIfNeeded: b)); out.append(UInt8(truncatingIfNeeded: b >> 8))
            out.append(UInt8(truncatingIfNeeded: b >> 16)); out.append(UInt8(truncatingIfNeeded: b >> 24))
        }
        return out
    }
}
