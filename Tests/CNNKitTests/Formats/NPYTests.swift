@testable import CNNKit
import Testing
import CNNTestSupport

@Suite("Layers: .npy read and encode")
struct NPYTests {
    /// A .npy file with a hand-written header (padded like NumPy) and raw data.
    static func file(_ header: String, _ data: [UInt8], version: UInt8 = 1) -> [UInt8] {
        var h = Array(header.utf8)
        let pre = version == 1 ? 10 : 12
        let total = (pre + h.count + 1 + 63) / 64 * 64
        h += [UInt8](repeating: 0x20, count: total - pre - h.count - 1) + [0x0A]
        var out: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, version, 0]
        for i in 0..<(pre - 8) { out.append(UInt8(truncatingIfNeeded: h.count >> (8 * i))) }
        return out + h + data
    }

    static func le<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
        values.flatMap { v in (0..<MemoryLayout<T>.size).map { UInt8(truncatingIfNeeded: v.littleEndian >> (8 * $0)) } }
    }

    @Test("round trip of random shapes, including rank 0 and empty dimensions")
    func roundTrip() throws {
        var rng = TestRNG(31)
        var shapes: [[Int]] = [[], [0], [3, 0, 2], [1], [7], [2, 3], [1, 1, 1, 1, 1]]
        for _ in 0..<40 { shapes.append((0..<rng.int(1, 5)).map { _ in rng.int(1, 4) }) }
        for shape in shapes {
            let t = rng.tensor(shape, -1e6, 1e6)
            let bytes = NPY.encode(t)
            #expect(bytes.count == (bytes.count - 4 * t.count) / 64 * 64 + 4 * t.count, "header padded to 64")
            #expect(bytes[(bytes.count - 4 * t.count) - 1] == 0x0A, "header ends in a newline")
            let back = try NPY.read(bytes)
            #expect(back == t, "\(shape)")
        }
        let special = Tensor([.infinity, -.infinity, -0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude])
        #expect(try NPY.read(NPY.encode(special)) == special)
        let nan = try NPY.read(NPY.encode(Tensor([.nan])))
        #expect(nan.scalars[0].isNaN)
    }

    @Test("encode writes NumPy's exact version 1.0 header")
    func encodeHeader() {
        let bytes = NPY.encode(Tensor(unchecked: [2, 3], scalars: [0, 1, 2, 3, 4, 5]))
        #expect(Array(bytes[0..<8]) == [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0])
        #expect(Int(bytes[8]) | Int(bytes[9]) << 8 == 118)
        let header = String(decoding: bytes[10..<128], as: UTF8.self)
        #expect(header.hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"))
        #expect(bytes.count == 128 + 24)
        #expect(String(decoding: NPY.encode(Tensor([1]))[10..<64], as: UTF8.self).contains("'shape': (1,)"))
        #expect(String(decoding: NPY.encode(Tensor(1))[10..<64], as: UTF8.self).contains("'shape': ()"))
    }

    @Test("every supported dtype converts to float32")
    func dtypes() throws {
        func read(_ descr: String, _ data: [UInt8], shape: String = "(3,)") throws -> [Float] {
            try NPY.read(Self.file("{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shape), }", data)).scalars
        }
        #expect(try read("<f4", Self.le([Float(1.5).bitPattern, Float(-2).bitPattern, Float(3).bitPattern])) == [1.5, -2, 3])
        #expect(try read("<f8", Self.le([Double(1.5).bitPattern, Double(-2).bitPattern, Double(1e300).bitPattern])) == [1.5, -2, .infinity])
        #expect(try read("<f2", Self.le([UInt16(0x3C00), 0xC000, 0x0001])) == [1, -2, 0x1p-24])
        #expect(try read("<i4", Self.le([Int32(-7), 0, 2_000_000])) == [-7, 0, 2_000_000])
        #expect(try read("<i8", Self.le([Int64(-7), 1 << 40, 5])) == [-7, 0x1p40, 5])
        #expect(try read("<i2", Self.le([Int16(-300), 300, 0])) == [-300, 300, 0])
        #expect(try read("<u2", Self.le([UInt16(65535), 1, 0])) == [65535, 1, 0])
        #expect(try read("<u4", Self.le([UInt32(4_000_000_000), 1, 0])) == [4e9, 1, 0])
        #expect(try read("<u8", Self.le([UInt64(1), 2, 3])) == [1, 2, 3])
        #expect(try read("|u1", [0, 128, 255]) == [0, 128, 255])
        #expect(try read("|i1", [0, 128, 255]) == [0, -128, -1])
        #expect(try read("|b1", [0, 1, 1]) == [0, 1, 1])
        // '=' is native order (little-endian here); Python 2 wrote shapes with an L suffix.
        #expect(try read("=f4", Self.le([Float(1).bitPattern, 0, 0]), shape: "(3L,)") == [1, 0, 0])
        #expect(try read("<f4", Self.le([Float(1).bitPattern, Float(2).bitPattern, 0]), shape: "[3]") == [1, 2, 0])
    }

    @Test("versions 2.0 and 3.0, double quotes and any key order")
    func versions() throws {
        let data = Self.le([Float(4).bitPattern, Float(5).bitPattern])
        for v: UInt8 in [2, 3] {
            let t = try NPY.read(Self.file("{\"shape\": (2,), \"fortran_order\": False, \"descr\": \"<f4\"}", data, version: v))
            #expect(t.shape == [2] && t.scalars == [4, 5])
        }
    }

    @Test("Fortran order is reordered to row-major")
    func fortran() throws {
        // NumPy's np.asfortranarray(np.arange(6).reshape(2, 3)) stores 0 3 1 4 2 5.
        let data = Self.le([0, 3, 1, 4, 2, 5].map { Float($0).bitPattern })
        let t = try NPY.read(Self.file("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", data))
        #expect(t.shape == [2, 3] && t.scalars == [0, 1, 2, 3, 4, 5])
        // 2×3×2 in Fortran order: element (i, j, k) at i + 2j + 6k.
        var f = [Float](repeating: 0, count: 12)
        for i in 0..<2 { for j in 0..<3 { for k in 0..<2 { f[i + 2 * j + 6 * k] = Float(i * 6 + j * 2 + k) } } }
        let t3 = try NPY.read(Self.file("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3, 2), }", Self.le(f.map(\.bitPattern))))
        #expect(t3.scalars == (0..<12).map(Float.init))
    }

    @Test("malformed files throw specific load errors")
    func malformed() {
        let good = Self.file("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", Self.le([UInt32(0), 0]))
        func header(_ h: String, _ data: [UInt8] = []) -> [UInt8] { Self.file(h, data) }
        expectOpError("load", "shorter than the 10-byte preamble") { try NPY.read([0x93, 0x4E]) }
        expectOpError("load", "bad magic") { try NPY.read([0x50, 0x4B] + good.dropFirst(2)) }
        var badVersion = good; badVersion[6] = 4
        expectOpError("load", "unsupported .npy version 4.0") { try NPY.read(badVersion) }
        expectOpError("load", "header length 118 runs past the end") { try NPY.read(Array(good[0..<60])) }
        var v2 = good; v2[6] = 2
        expectOpError("load", "version 2.0 header length is truncated") { try NPY.read(Array(v2[0..<11])) }
        expectOpError("load", "needs 8 bytes, the file has 7") { try NPY.read(Array(good.dropLast())) }
        expectOpError("load", "needs 8 bytes, the file has 9") { try NPY.read(good + [0]) }
        expectOpError("load", "not a dict") { try NPY.read(header("['descr', '<f4']")) }
        expectOpError("load", "unsupported .npy dtype '<c8'") { try NPY.read(header("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }")) }
        expectOpError("load", "big-endian") { try NPY.read(header("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }")) }
        expectOpError("load", "object arrays") { try NPY.read(header("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }")) }
        expectOpError("load", "structured") { try NPY.read(header("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }")) }
        expectOpError("load", "negative dimension -2") { try NPY.read(header("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }")) }
        expectOpError("load", "too many elements") {
            try NPY.read(header("{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000), }"))
        }
        expectOpError("load", "too large") {
            try NPY.read(header("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999,), }"))
        }
        expectOpError("load", "must contain 'descr', 'fortran_order' and 'shape'") { try NPY.read(header("{'descr': '<f4'}")) }
        expectOpError("load", "unexpected key") { try NPY.read(header("{'descr': '<f4', 'fortran_order': False, 'shape': (), 'x': 1}")) }
        expectOpError("load", "malformed", "unterminated string") { try NPY.read(header("{'descr: <f4}")) }
        expectOpError("load", "malformed") { try NPY.read(header("{'descr': __import__('os')}")) }
        expectOpError("load", "malformed", "nesting") { try NPY.read(header(String(repeating: "(", count: 40))) }
        expectOpError("load", "non-ASCII") { try NPY.read(header("{'descr': '<f4é', 'fortran_order': False, 'shape': (), }")) }
        expectOpError("load", "shape must hold integers") { try NPY.read(header("{'descr': '<f4', 'fortran_order': False, 'shape': ('a',), }")) }
    }
}
