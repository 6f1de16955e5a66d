@testable import CNNKit
import Foundation
import Testing
import CNNTestSupport

@Suite("Data: IDX")
struct IDXTests {
    @Test func ubyteImagesAndLabels() throws {
        let pixels: [UInt8] = [0, 1, 2, 255, 128, 7, 9, 10, 11, 12, 13, 14]
        let (images, type) = try IDX.decode(idxBytes(type: 0x08, shape: [2, 2, 3], payload: pixels))
        #expect(type == .uint8)
        #expect(images.shape == [2, 2, 3])
        #expect(images.scalars == pixels.map(Float.init))
        let (labels, _) = try IDX.decode(idxBytes(type: 0x08, shape: [4], payload: [3, 0, 9, 1]))
        #expect(labels.shape == [4])
        #expect(labels.scalars == [3, 0, 9, 1])
    }

    /// Each element type decoded against values written big-endian by hand.
    @Test func otherElementTypes() throws {
        let sbyte = try IDX.decode(idxBytes(type: 0x09, shape: [3], payload: [0x80, 0xFF, 0x7F]))
        #expect(sbyte.elementType == .int8)
        #expect(sbyte.tensor.scalars == [-128, -1, 127])

        let short = try IDX.decode(idxBytes(type: 0x0B, shape: [3], payload: [0x80, 0x00, 0xFF, 0xFE, 0x01, 0x02]))
        #expect(short.elementType == .int16)
        #expect(short.tensor.scalars == [-32768, -2, 258])

        let int = try IDX.decode(idxBytes(type: 0x0C, shape: [2], payload: [0xFF, 0xFF, 0xFF, 0xFD, 0x00, 0x01, 0x00, 0x00]))
        #expect(int.elementType == .int32)
        #expect(int.tensor.scalars == [-3, 65536])

        var floatPayload: [UInt8] = []
        for v: Float in [1.5, -0.25, 3e7] {
            let b = v.bitPattern
            floatPayload += [UInt8(b >> 24), UInt8(b >> 16 & 0xFF), UInt8(b >> 8 & 0xFF), UInt8(b & 0xFF)]
        }
        let float = try IDX.decode(idxBytes(type: 0x0D, shape: [1, 3], payload: floatPayload))
        #expect(float.elementType == .float32)
        #expect(float.tensor.shape == [1, 3])
        #expect(float.tensor.scalars == [1.5, -0.25, 3e7])

        var doublePayload: [UInt8] = []
        for v: Double in [2.5, -1e-3] {
            let b = v.bitPattern
            for shift in stride(from: 56, through: 0, by: -8) { doublePayload.append(UInt8(b >> UInt64(shift) & 0xFF)) }
        }
        let double = try IDX.decode(idxBytes(type: 0x0E, shape: [2], payload: doublePayload))
        #expect(double.elementType == .float64)
        #expect(double.tensor.scalars == [2.5, Float(-1e-3)])
    }

    /// A random rank-4 ubyte array large enough to use several conversion chunks.
    @Test func largeRandomArrayMatchesNaiveDecode() throws {
        var rng = TestRNG(11)
        let shape: [UInt32] = [3, 2, 130, 170]
        let payload = (0..<(3 * 2 * 130 * 170)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let (t, _) = try IDX.decode(idxBytes(type: 0x08, shape: shape, payload: payload))
        #expect(t.shape == [3, 2, 130, 170])
        #expect(t.scalars == payload.map(Float.init))
    }

    @Test func gzipRoundTrip() throws {
        var rng = TestRNG(5)
        let payload = (0..<5000).map { _ in UInt8(rng.int(0, 20)) }
        let raw = idxBytes(type: 0x08, shape: [5, 1000], payload: payload)
        let gz = gzipCompress(raw)
        #expect(gz.count > 20 && gz[0] == 0x1F && gz[1] == 0x8B)
        let (plain, _) = try IDX.decode(raw)
        let (inflated, _) = try IDX.decode(gz)
        #expect(inflated == plain)
        // Two concatenated gzip members decode as one stream, as `gzip -d` does.
        let half = raw.count / 2
        let twoMembers = gzipCompress(Array(raw[..<half])) + gzipCompress(Array(raw[half...]))
        #expect(try IDX.decode(twoMembers).tensor == plain)
        // And through a file on disk.
        let dir = try makeScratchDirectory("cnns-data").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try writeFile(gz, dir + "/a.gz")
        #expect(try IDX.read(path: dir + "/a.gz").tensor == plain)
    }

    @Test func malformedHeaders() {
        let good = idxBytes(type: 0x08, shape: [2, 3], payload: [1, 2, 3, 4, 5, 6])
        expectOpError("idx", "too short", "2 bytes") { _ = try IDX.decode([0, 0]) }
        expectOpError("idx", "not an IDX file", "0x1F 0x00") { _ = try IDX.decode([0x1F, 0x00] + good.dropFirst(2)) }
        expectOpError("idx", "not an IDX file", "0x00 0x01") { _ = try IDX.decode([0x00, 0x01] + good.dropFirst(2)) }
        expectOpError("idx", "unknown IDX element type 0x07") { _ = try IDX.decode(idxBytes(type: 0x07, shape: [1], payload: [0])) }
        expectOpError("idx", "unknown IDX element type 0x0A") { _ = try IDX.decode(idxBytes(type: 0x0A, shape: [1], payload: [0])) }
        expectOpError("idx", "declares 0 dimensions") { _ = try IDX.decode([0, 0, 8, 0]) }
        expectOpError("idx", "declares 5 dimensions") { _ = try IDX.decode(idxBytes(type: 0x08, shape: [1, 1, 1, 1, 1], payload: [0])) }
        expectOpError("idx", "header is truncated", "3 dimensions need 16", "has 10") {
            _ = try IDX.decode(Array(idxBytes(type: 0x08, shape: [1, 1, 1], payload: []).prefix(10)))
        }
        expectOpError("idx", "dimension 1", "2×0×3", "is 0") { _ = try IDX.decode(idxBytes(type: 0x08, shape: [2, 0, 3], payload: [])) }
        expectOpError("idx", "too many elements") {
            _ = try IDX.decode(idxBytes(type: 0x08, shape: [0xFFFF_FFFF, 0xFFFF_FFFF], payload: [1, 2, 3]))
        }
    }

    @Test func dataLengthMustMatchExactly() {
        let payload: [UInt8] = Array(repeating: 1, count: 24)
        expectOpError("idx", "2×3", "int", "needs 24 data bytes", "found 23", "truncated") {
            _ = try IDX.decode(idxBytes(type: 0x0C, shape: [2, 3], payload: Array(payload.dropLast())))
        }
        expectOpError("idx", "needs 24 data bytes", "found 27", "3 extra bytes") {
            _ = try IDX.decode(idxBytes(type: 0x0C, shape: [2, 3], payload: payload + [0, 0, 0]))
        }
        // A huge declared shape that fits the element limit is refused by the length check, unallocated.
        expectOpError("idx", "40000×40000", "needs 1600000000 data bytes", "found 4") {
            _ = try IDX.decode(idxBytes(type: 0x08, shape: [40000, 40000], payload: [1, 2, 3, 4]))
        }
        // The op name is the caller's.
        expectOpError("mnist", "file.idx", "truncated") {
            _ = try IDX.decode(idxBytes(type: 0x08, shape: [9], payload: [1]), op: "mnist", source: "file.idx")
        }
    }

    @Test func corruptAndTruncatedGzip() {
        let raw = idxBytes(type: 0x08, shape: [100, 100], payload: (0..<10_000).map { UInt8($0 % 251) })
        let gz = gzipCompress(raw)
        expectOpError("idx", "gzip stream is truncated") { _ = try IDX.decode(Array(gz.prefix(gz.count / 2))) }
        expectOpError("idx", "gzip stream is truncated") { _ = try IDX.decode(Array(gz.prefix(3))) }
        var flipped = gz
        for i in 12..<min(40, flipped.count) { flipped[i] ^= 0xA5 }
        expectOpError("idx", "corrupt gzip data") { _ = try IDX.decode(flipped) }
        var badCRC = gz
        badCRC[badCRC.count - 6] ^= 0xFF
        expectOpError("idx", "corrupt gzip data", "incorrect data check") { _ = try IDX.decode(badCRC) }
        expectOpError("idx", "unexpected bytes after the end of the gzip stream") { _ = try IDX.decode(gz + [0, 1, 2]) }
    }

    /// A small file inflating past the limit is stopped at the limit, not allocated in full.
    @Test func gzipBombIsCapped() throws {
        let zeros = [UInt8](repeating: 0, count: 4 << 20)
        let bomb = gzipCompress(idxBytes(type: 0x08, shape: [4 << 20], payload: zeros), level: 9)
        #expect(bomb.count < 20_000)
        expectOpError("idx", "inflates to more than 1000000 bytes") { _ = try IDX.decode(bomb, gzipLimit: 1_000_000) }
        #expect(try IDX.decode(bomb, gzipLimit: 5 << 20).tensor.count == 4 << 20)
        // A lying ISIZE trailer does not change the outcome.
        var liar = bomb
        liar.replaceSubrange(liar.count - 4 ..< liar.count, with: [0xFF, 0xFF, 0xFF, 0x7F])
        expectOpError("idx", "inflates to more than 1000000 bytes") { _ = try IDX.decode(liar, gzipLimit: 1_000_000) }
    }

    @Test func unreadableAndOversizedFiles() throws {
        expectOpError("mnist", "/no/such/file", "cannot read") { _ = try IDX.read(path: "/no/such/file", op: "mnist") }
        let dir = try makeScratchDirectory("cnns-data").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try writeFile(idxBytes(type: 0x08, shape: [2000], payload: [UInt8](repeating: 1, count: 2000)), dir + "/big")
        expectOpError("idx", "2008 bytes", "1000-byte limit") { _ = try IDX.read(path: dir + "/big", gzipLimit: 1000) }
        #expect(try IDX.read(path: dir + "/big").tensor.count == 2000)
        // Symbolic links are followed; directories and devices are refused.
        try FileManager.default.createSymbolicLink(atPath: dir + "/link", withDestinationPath: dir + "/big")
        #expect(try IDX.read(path: dir + "/link").tensor.count == 2000)
        expectOpError("idx", "\(dir): not a regular file") { _ = try IDX.read(path: dir) }
        expectOpError("idx", "/dev/zero: not a regular file") { _ = try IDX.read(path: "/dev/zero") }
    }
}
