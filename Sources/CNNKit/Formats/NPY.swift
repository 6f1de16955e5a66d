// .npy bytes ⇄ Tensor (float32, any rank)

/// NumPy's `.npy` format: the magic `\x93NUMPY`, a version, a little-endian header length, a header
/// holding a Python-literal dict (`descr`, `fortran_order`, `shape`), then the raw data.
///
/// The header is parsed as data by `NPYHeader`, never evaluated. Every size is checked against the
/// file before anything is allocated. Errors are `OpError("load", …)`.
public enum NPY {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY

    /// Reads versions 1.0, 2.0 and 3.0 with dtypes `<f4 <f8 <f2 <i8 <i4 <i2 |i1 <u8 <u4 <u2 |u1 |b1`,
    /// converting to float32. C and Fortran order are both read (Fortran data is reordered to row-major);
    /// big-endian, structured and object dtypes are rejected. The data must be exactly count·itemsize bytes.
    public static func read(_ bytes: [UInt8]) throws -> Tensor {
        let op = "load"
        guard bytes.count >= 10 else {
            throw OpError(op, "not a .npy file: \(bytes.count) bytes is shorter than the 10-byte preamble")
        }
        guard Array(bytes[0..<6]) == magic else {
            throw OpError(op, "not a .npy file: bad magic (expected \\x93NUMPY)")
        }
        let major = bytes[6], minor = bytes[7]
        let lengthBytes: Int
        switch (major, minor) {
        case (1, 0): lengthBytes = 2
        case (2, 0), (3, 0): lengthBytes = 4
        default: throw OpError(op, "unsupported .npy version \(major).\(minor) (supported: 1.0, 2.0, 3.0)")
        }
        let start = 8 + lengthBytes
        guard bytes.count >= start else {
            throw OpError(op, ".npy version \(major).\(minor) header length is truncated (file has \(bytes.count) bytes)")
        }
        var headerLength = 0
        for i in (0..<lengthBytes).reversed() { headerLength = headerLength << 8 | Int(bytes[8 + i]) }
        guard headerLength <= bytes.count - start else {
            throw OpError(op, ".npy header length \(headerLength) runs past the end of the file (\(bytes.count - start) bytes after the preamble)")
        }
        let headerBytes = bytes[start..<start + headerLength]
        // Versions 1 and 2 are latin-1, 3 is UTF-8; the keys and values we accept are ASCII either way.
        guard headerBytes.allSatisfy({ $0 < 0x80 }) else {
            throw OpError(op, ".npy header contains non-ASCII bytes")
        }
        let header = try NPYHeader.parse(String(decoding: headerBytes, as: UTF8.self))
        let dtype = try NPYDtype(header.descr)
        let count = try Shape.elementCount(header.shape, op: op)
        let dataStart = start + headerLength
        let available = bytes.count - dataStart
        let (needed, overflow) = count.multipliedReportingOverflow(by: dtype.size)
        guard !overflow, needed == available else {
            throw OpError(op, ".npy data for shape \(Shape.describe(header.shape)) \(header.descr) needs \(needed) bytes, the file has \(available)")
        }
        var scalars = bytes.withUnsafeBufferPointer { buf -> [Float] in
            guard let base = buf.baseAddress else { return [] }
            return dtype.decode(UnsafeRawPointer(base + dataStart), count: count)
        }
        if header.fortranOrder && header.shape.count > 1 {
            scalars = fortranToRowMajor(scalars, shape: header.shape)
        }
        return Tensor(unchecked: header.shape, scalars: scalars)
    }

    /// Writes version 1.0 (2.0 only if the header would not fit in 65535 bytes), dtype `<f4`, C order,
    /// with the header padded by spaces to a multiple of 64 bytes and ending in `\n`, as NumPy does.
    public static func encode(_ tensor: Tensor) -> [UInt8] {
        let dims = tensor.shape.map(String.init)
        let shape = dims.count == 1 ? "(\(dims[0]),)" : "(\(dims.joined(separator: ", ")))"
        var dict = Array("{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }".utf8)
        var preamble = 10
        if dict.count + 1 + preamble > 65535 { preamble = 12 }
        let padded = (preamble + dict.count + 1 + 63) / 64 * 64 - preamble
        dict += [UInt8](repeating: 0x20, count: padded - dict.count - 1) + [0x0A]
        var out = magic + (preamble == 10 ? [1, 0] : [2, 0])
        for i in 0..<(preamble - 8) { out.append(UInt8(truncatingIfNeeded: padded >> (8 * i))) }
        out += dict
        out.reserveCapacity(out.count + 4 * tensor.count)
        for v in tensor.scalars {
            let b = v.bitPattern.littleEndian
            out += [UInt8(truncatingIfNeeded: b), UInt8(truncatingIfNeeded: b >> 8),
                    UInt8(truncatingIfNeeded: b >> 16), UInt8(truncatingIfNeeded: b >> 24)]
        }
        return out
    }

    /// Fortran order stores the first index fastest: reorder to row-major.
    static func fortranToRowMajor(_ data: [Float], shape: [Int]) -> [Float] {
        var out = [Float](repeating: 0, count: data.count)
        let cStrides = Shape.strides(shape)
        var index = [Int](repeating: 0, count: shape.count)
        for f in 0..<data.count {
            var c = 0
            for k in 0..<shape.count { c += index[k] * cStrides[k] }
            out[c] = data[f]
            // Advance the multi-index with axis 0 fastest.
            for k in 0..<shape.count {
                index[k] += 1
                if index[k] < shape[k] { break }
                index[k] = 0
            }
        }
        return out
    }
}

/// A `.npy` element type we can convert to float32.
struct NPYDtype {
    enum Kind { case float, int, uint, bool }
    let kind: Kind
    let size: Int

    init(_ descr: String) throws {
        let op = "load"
        if descr.dropFirst().first == "O" || descr == "O" {
            throw OpError(op, ".npy object arrays ('\(descr)') cannot be loaded: they hold pickled Python objects")
        }
        guard let order = descr.first, descr.count >= 3 else {
            throw OpError(op, "unsupported .npy dtype '\(descr)'")
        }
        let code = descr.dropFirst()
        let known: [Substring: (Kind, Int)] = [
            "f4": (.float, 4), "f8": (.float, 8), "f2": (.float, 2),
            "i1": (.int, 1), "i2": (.int, 2), "i4": (.int, 4), "i8": (.int, 8),
            "u1": (.uint, 1), "u2": (.uint, 2), "u4": (.uint, 4), "u8": (.uint, 8), "b1": (.bool, 1),
        ]
        guard "<>|=".contains(order), let (kind, size) = known[code] else {
            throw OpError(op, "unsupported .npy dtype '\(descr)' (supported: <f4 <f8 <f2 <i8 <i4 <i2 |i1 <u8 <u4 <u2 |u1 |b1)")
        }
        if order == ">" && size > 1 {
            throw OpError(op, ".npy dtype '\(descr)' is big-endian; only little-endian data is supported (save with '<\(code)')")
        }
        self.kind = kind
        self.size = size
    }

    /// Converts `count` little-endian elements at `p` to float32.
    func decode(_ p: UnsafeRawPointer, count: Int) -> [Float] {
        func map<T: FixedWidthInteger>(_: T.Type, _ f: (T) -> Float) -> [Float] {
            (0..<count).map { f(T(littleEndian: p.loadUnaligned(fromByteOffset: $0 * size, as: T.self))) }
        }
        switch (kind, size) {
        case (.float, 4): return map(UInt32.self) { Float(bitPattern: $0) }
        case (.float, 8): return map(UInt64.self) { Float(Double(bitPattern: $0)) }
        case (.float, _): return map(UInt16.self, halfToFloat)
        case (.int, 1): return map(Int8.self) { Float($0) }
        case (.int, 2): return map(Int16.self) { Float($0) }
        case (.int, 4): return map(Int32.self) { Float($0) }
        case (.int, _): return map(Int64.self) { Float($0) }
        case (.uint, 1): return map(UInt8.self) { Float($0) }
        case (.uint, 2): return map(UInt16.self) { Float($0) }
        case (.uint, 4): return map(UInt32.self) { Float($0) }
        case (.uint, _): return map(UInt64.self) { Float($0) }
        case (.bool, _): return map(UInt8.self) { $0 == 0 ? 0 : 1 }
        }
    }
}

/// IEEE binary16 → float32, including subnormals, infinities and NaN.
func halfToFloat(_ h: UInt16) -> Float {
    let sign: UInt32 = UInt32(h & 0x8000) << 16
    let exponent = Int(h >> 10) & 0x1F
    let mantissa = UInt32(h & 0x3FF)
    if exponent == 0 {
        let magnitude = Float(mantissa) * 0x1p-24
        return sign == 0 ? magnitude : -magnitude
    }
    if exponent == 31 {
        return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13)
    }
    return Float(bitPattern: sign | UInt32(exponent + 112) << 23 | mantissa << 13)
}
