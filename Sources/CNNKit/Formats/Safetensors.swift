// .safetensors bytes ⇄ named tensors (float32 in memory; F32/F16/BF16/F64 and integer dtypes read).

/// Hugging Face's safetensors format: an 8-byte little-endian header length N, N bytes of JSON
/// (`{"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, …,
/// "__metadata__": {"key": "string", …}}`), then the raw little-endian data; offsets are relative to
/// the end of the header, and the tensors must tile the data exactly (no gaps, no overlaps).
///
/// Everything is validated before any tensor is allocated: the header length against the file and a
/// 100 MB cap (the reference implementation's), the JSON, each dtype, shape and offset pair, and the
/// shape's byte size against its offsets. So a malformed or hostile file is an `OpError("load", …)`
/// and never a crash or a large allocation.
public enum Safetensors {
    /// The largest header accepted (the reference implementation's limit).
    public static let maxHeaderBytes = 100_000_000
    /// The metadata key holding a model's architecture (ModelSpec JSON).
    public static let architectureKey = "cnns.architecture"

    public enum DType: String, CaseIterable, Sendable {
        case f32 = "F32", f16 = "F16", bf16 = "BF16", f64 = "F64"
        case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8", u8 = "U8", bool = "BOOL"

        public var size: Int {
            switch self {
            case .f64, .i64: return 8
            case .f32, .i32: return 4
            case .f16, .bf16, .i16: return 2
            case .i8, .u8, .bool: return 1
            }
        }
    }

    /// One tensor as the file stores it: its name, stored dtype and values as float32.
    public struct Entry: Sendable {
        public var name: String
        public var dtype: DType
        public var tensor: Tensor
        public init(name: String, dtype: DType = .f32, tensor: Tensor) {
            self.name = name; self.dtype = dtype; self.tensor = tensor
        }
    }

    /// A decoded file: tensors in data-offset order, and the `__metadata__` strings.
    public struct Contents: Sendable {
        public var entries: [Entry]
        public var metadata: [String: String]
        public init(entries: [Entry], metadata: [String: String] = [:]) {
            self.entries = entries; self.metadata = metadata
        }
        public subscript(name: String) -> Tensor? { entries.first { $0.name == name }?.tensor }
    }

    // MARK: - Reading

    public static func decode(_ bytes: [UInt8]) throws -> Contents {
        let op = "load"
        guard bytes.count >= 8 else {
            throw OpError(op, "not a safetensors file: \(bytes.count) bytes is shorter than the 8-byte header length")
        }
        var n: UInt64 = 0
        for k in (0..<8).reversed() { n = n << 8 | UInt64(bytes[k]) }
        guard n <= UInt64(maxHeaderBytes) else {
            throw OpError(op, "safetensors header length \(n) is more than the \(maxHeaderBytes)-byte limit")
        }
        let headerLength = Int(n)
        guard headerLength <= bytes.count - 8 else {
            throw OpError(op, "safetensors header length \(headerLength) runs past the end of the file (\(bytes.count - 8) bytes after the length)")
        }
        guard headerLength >= 2 else {
            throw OpError(op, "safetensors header length \(headerLength) is too short for a JSON object")
        }
        let header = try JSONParser.parse(Array(bytes[8..<8 + headerLength]), op: op, what: "the safetensors header")
        guard case .object(let members) = header else {
            throw OpError(op, "the safetensors header should be a JSON object, got \(header.kind)")
        }
        let dataStart = 8 + headerLength
        let dataLength = bytes.count - dataStart

        var metadata: [String: String] = [:]
        struct Planned { var name: String; var dtype: DType; var shape: [Int]; var begin: Int; var end: Int }
        var planned: [Planned] = []
        for (name, value) in members {
            if name == "__metadata__" {
                guard case .object(let pairs) = value else {
                    throw OpError(op, "safetensors __metadata__ should be an object of strings, got \(value.kind)")
                }
                for (k, v) in pairs {
                    guard case .string(let s) = v else {
                        throw OpError(op, "safetensors __metadata__ value of \(JSONValue.quote(k)) should be a string, got \(v.kind)")
                    }
                    metadata[k] = s
                }
                continue
            }
            let what = "tensor \(JSONValue.quote(name))"
            guard !name.isEmpty else { throw OpError(op, "safetensors header has a tensor with an empty name") }
            guard case .object = value else { throw OpError(op, "\(what) should be an object, got \(value.kind)") }
            guard case .string(let dtypeName)? = value["dtype"] else {
                throw OpError(op, "\(what) has no dtype string")
            }
            guard let dtype = DType(rawValue: dtypeName) else {
                throw OpError(op, "\(what) has dtype \(JSONValue.quote(dtypeName)), which this version does not read (supported: \(DType.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            guard case .array(let dims)? = value["shape"] else { throw OpError(op, "\(what) has no shape array") }
            var shape: [Int] = []
            for d in dims {
                guard case .number(_, let exact?) = d else {
                    throw OpError(op, "\(what) shape should hold whole numbers, got \(d.text)")
                }
                guard exact >= 0 else { throw OpError(op, "\(what) has a negative dimension \(exact) in its shape") }
                shape.append(exact)
            }
            let count = try Shape.elementCount(shape, op: op)
            guard case .array(let offsets)? = value["data_offsets"], offsets.count == 2,
                  case .number(_, let begin?) = offsets[0], case .number(_, let end?) = offsets[1] else {
                throw OpError(op, "\(what) data_offsets should be [begin, end] whole numbers")
            }
            guard begin >= 0, begin <= end, end <= dataLength else {
                throw OpError(op, "\(what) data_offsets [\(begin), \(end)] are out of range for \(dataLength) data bytes")
            }
            let (bytesNeeded, overflow) = count.multipliedReportingOverflow(by: dtype.size)
            guard !overflow, bytesNeeded == end - begin else {
                throw OpError(op, "\(what) is \(dtype.rawValue) \(Shape.describe(shape)), which needs \(overflow ? "too many" : String(bytesNeeded)) bytes, but its data_offsets [\(begin), \(end)] hold \(end - begin)")
            }
            planned.append(Planned(name: name, dtype: dtype, shape: shape, begin: begin, end: end))
        }
        // The tensors must tile the data: sorted by offset, each starts where the previous ended.
        planned.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
        var position = 0
        for p in planned {
            guard p.begin == position else {
                if p.begin < position {
                    throw OpError(op, "tensor \(JSONValue.quote(p.name)) data_offsets [\(p.begin), \(p.end)] overlap the previous tensor (ending at \(position))")
                }
                throw OpError(op, "safetensors data has a gap: bytes \(position)..<\(p.begin) belong to no tensor")
            }
            position = p.end
        }
        guard position == dataLength else {
            throw OpError(op, "safetensors data has \(dataLength) bytes but its tensors cover \(position)")
        }

        let entries = try planned.map { p -> Entry in
            let base = dataStart + p.begin
            let scalars = convert(bytes, from: base, count: (p.end - p.begin) / p.dtype.size, dtype: p.dtype)
            return Entry(name: p.name, dtype: p.dtype, tensor: try Tensor(shape: p.shape, scalars: scalars))
        }
        return Contents(entries: entries, metadata: metadata)
    }

    /// Little-endian values of `dtype` at `bytes[base…]` as float32 (the range is validated by the caller).
    static func convert(_ bytes: [UInt8], from base: Int, count: Int, dtype: DType) -> [Float] {
        guard count > 0 else { return [] }
        return [Float](unsafeUninitializedCapacity: count) { out, initialized in
            bytes.withUnsafeBytes { all in
                // Unaligned little-endian loads (x86 and arm64 are little-endian hosts).
                let raw = UnsafeRawBufferPointer(rebasing: all[base..<base + count * dtype.size])
                switch dtype {
                case .f32:
                    for k in 0..<count { out[k] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * k, as: UInt32.self))) }
                case .f16:
                    for k in 0..<count { out[k] = halfToFloat(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * k, as: UInt16.self))) }
                case .bf16:
                    for k in 0..<count {
                        out[k] = Float(bitPattern: UInt32(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * k, as: UInt16.self))) << 16)
                    }
                case .f64:
                    for k in 0..<count { out[k] = Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * k, as: UInt64.self)))) }
                case .i64:
                    for k in 0..<count { out[k] = Float(Int64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * k, as: Int64.self))) }
                case .i32:
                    for k in 0..<count { out[k] = Float(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * k, as: Int32.self))) }
                case .i16:
                    for k in 0..<count { out[k] = Float(Int16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * k, as: Int16.self))) }
                case .i8:
                    for k in 0..<count { out[k] = Float(Int8(bitPattern: raw[k])) }
                case .u8:
                    for k in 0..<count { out[k] = Float(raw[k]) }
                case .bool:
                    for k in 0..<count { out[k] = raw[k] != 0 ? 1 : 0 }
                }
            }
            initialized = count
        }
    }

    /// IEEE 754 binary16 bits → float32: sign, 5-bit exponent (bias 15), 10-bit fraction; subnormals,
    /// infinities and NaNs kept.
    public static func halfToFloat(_ h: UInt16) -> Float {
        let sign = UInt32(h >> 15) << 31
        let exponent = UInt32(h >> 10) & 0x1F
        let fraction = UInt32(h) & 0x3FF
        switch exponent {
        case 0:
            // Zero or subnormal: fraction · 2^-24.
            let magnitude = Float(fraction) * Float(bitPattern: 0x3380_0000)  // 2^-24
            return sign != 0 ? -magnitude : magnitude
        case 0x1F:
            return Float(bitPattern: sign | 0x7F80_0000 | fraction << 13)
        default:
            return Float(bitPattern: sign | (exponent + 112) << 23 | fraction << 13)
        }
    }

    /// float32 → binary16 bits, rounding to nearest even (overflow to infinity, NaN kept a NaN).
    public static func floatToHalf(_ f: Float) -> UInt16 {
        let bits = f.bitPattern
        let sign = UInt16((bits >> 16) & 0x8000)
        if f.isNaN { return sign | 0x7E00 }
        let a = abs(f)
        if a >= 65520 { return sign | 0x7C00 }  // rounds past the largest half, 65504
        if a < Float(bitPattern: 0x3880_0000) {  // below 2^-14: subnormal half
            let q = (a / Float(bitPattern: 0x3380_0000)).rounded(.toNearestOrEven)  // units of 2^-24
            return sign | UInt16(q)
        }
        let exponent = Int((bits >> 23) & 0xFF) - 127 + 15
        var mantissa = bits & 0x7F_FFFF
        var e = UInt32(exponent)
        // Round the 23-bit fraction to 10 bits, ties to even.
        let rest = mantissa & 0x1FFF
        mantissa >>= 13
        if rest > 0x1000 || (rest == 0x1000 && mantissa & 1 == 1) {
            mantissa += 1
            if mantissa == 0x400 { mantissa = 0; e += 1 }
        }
        return sign | UInt16(e << 10) | UInt16(mantissa)
    }

    /// float32 → bfloat16 bits, rounding to nearest even (NaN kept a NaN).
    public static func floatToBFloat16(_ f: Float) -> UInt16 {
        if f.isNaN { return UInt16(f.bitPattern >> 16) | 0x40 }
        let bits = f.bitPattern
        let rounded = bits &+ 0x7FFF &+ ((bits >> 16) & 1)
        return UInt16(rounded >> 16)
    }

    // MARK: - Writing

    /// The file bytes for `entries` (stored in the given order, each in its `dtype`: F32, F16, BF16 or
    /// I64; others are written as F32) and `metadata`. The header is padded with spaces to a multiple
    /// of 8 bytes, as the reference writer does, so the data is aligned.
    public static func encode(_ entries: [Entry], metadata: [String: String] = [:]) throws -> [UInt8] {
        var seen = Set<String>()
        var members: [(key: String, value: JSONValue)] = []
        if !metadata.isEmpty {
            members.append(("__metadata__", .object(metadata.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })))
        }
        var data: [UInt8] = []
        for e in entries {
            guard !e.name.isEmpty, e.name != "__metadata__", seen.insert(e.name).inserted else {
                throw OpError("save", "safetensors tensor names must be distinct and non-empty, got \(JSONValue.quote(e.name))")
            }
            let begin = data.count
            let dtype: DType
            switch e.dtype {
            case .f16:
                dtype = .f16
                append16(e.tensor.scalars, floatToHalf, to: &data)
            case .bf16:
                dtype = .bf16
                append16(e.tensor.scalars, floatToBFloat16, to: &data)
            case .i64:
                dtype = .i64
                for x in e.tensor.scalars {
                    let v = UInt64(bitPattern: Int64(x.isFinite ? max(min(x, 9.2e18), -9.2e18) : 0))
                    for b in 0..<8 { data.append(UInt8(truncatingIfNeeded: v >> (8 * UInt64(b)))) }
                }
            default:
                dtype = .f32
                // float32 is stored little-endian, as the host holds it: copy the bytes as they are.
                e.tensor.scalars.withUnsafeBytes { data.append(contentsOf: $0) }
            }
            members.append((e.name, .object([("dtype", .string(dtype.rawValue)),
                                              ("shape", .array(e.tensor.shape.map(JSONValue.int))),
                                              ("data_offsets", .array([.int(begin), .int(data.count)]))])))
        }
        var header = Array(JSONValue.object(members).text.utf8)
        while header.count % 8 != 0 { header.append(0x20) }
        var out: [UInt8] = []
        out.reserveCapacity(8 + header.count + data.count)
        let n = UInt64(header.count)
        for b in 0..<8 { out.append(UInt8(truncatingIfNeeded: n >> (8 * UInt64(b)))) }
        out.append(contentsOf: header)
        out.append(contentsOf: data)
        return out
    }

    private static func append16(_ values: [Float], _ convert: (Float) -> UInt16, to data: inout [UInt8]) {
        let halves = values.map { convert($0).littleEndian }
        halves.withUnsafeBytes { data.append(contentsOf: $0) }
    }
}
