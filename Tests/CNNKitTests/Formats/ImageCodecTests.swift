@testable import CNNKit
import CPNG
import Foundation
import Testing
import CNNTestSupport

/// PNG files written by libpng's own simplified API (and by `encodePNG`) read back to the samples written;
/// PGM/PPM header variants parse; the format is recognised from content.
@Suite("Images: codecs")
struct ImageCodecTests {
    /// Writes interleaved `samples` through libpng's simplified API in `format` (PNG_FORMAT_*).
    static func libpngWrite(width: Int, height: Int, format: UInt32, samples: UnsafeRawBufferPointer,
                            stride: Int, colormap: [UInt8]? = nil) throws -> [UInt8] {
        var image = png_image()
        image.version = png_uint_32(PNG_IMAGE_VERSION)
        image.width = png_uint_32(width)
        image.height = png_uint_32(height)
        image.format = format
        if let colormap { image.colormap_entries = png_uint_32(colormap.count / 3) }
        var size = 0
        let sized = colormap.withUnsafeBytesOrNil { png_image_write_to_memory(&image, nil, &size, 0, samples.baseAddress, Int32(stride), $0) }
        try #require(sized != 0)
        var out = [UInt8](repeating: 0, count: size)
        let ok = out.withUnsafeMutableBytes { dest in
            colormap.withUnsafeBytesOrNil { png_image_write_to_memory(&image, dest.baseAddress, &size, 0, samples.baseAddress, Int32(stride), $0) }
        }
        png_image_free(&image)
        try #require(ok != 0)
        return Array(out.prefix(size))
    }

    /// The naive reference: interleaved H×W×C samples → planar 1×C×H×W divided by `maxValue`.
    static func planar(_ samples: [Int], width: Int, height: Int, channels: Int, maxValue: Float) -> [Float] {
        var out = [Float](repeating: 0, count: samples.count)
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<channels {
                    out[c * width * height + y * width + x] = Float(samples[(y * width + x) * channels + c]) / maxValue
                }
            }
        }
        return out
    }

    static func expectClose(_ got: Tensor, _ want: [Float], shape: [Int], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(got.shape == shape, sourceLocation: sourceLocation)
        guard got.scalars.count == want.count else { return }
        let worst = zip(got.scalars, want).map { abs($0 - $1) }.max() ?? 0
        #expect(worst <= 1e-6, "worst difference \(worst)", sourceLocation: sourceLocation)
    }

    @Test("libpng-written grey, RGB and RGBA (alpha dropped) 8-bit files read back exactly", arguments: [(5, 3), (1, 1), (17, 9)])
    func eightBit(size: (Int, Int)) throws {
        let (w, h) = size
        var rng = TestRNG(state: UInt64(w * 31 + h))
        for (format, channels, kept) in [(UInt32(PNG_FORMAT_GRAY), 1, 1), (UInt32(PNG_FORMAT_RGB), 3, 3),
                                         (UInt32(PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA), 4, 3), (UInt32(PNG_FORMAT_GA), 2, 1)] {
            let samples = (0..<(w * h * channels)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let file = try samples.withUnsafeBytes { try Self.libpngWrite(width: w, height: h, format: format, samples: $0, stride: w * channels) }
            let got = try ImageFile.decode(file)
            // Keep the colour samples of each pixel, drop its alpha.
            var kept8: [Int] = []
            for p in 0..<(w * h) { for c in 0..<kept { kept8.append(Int(samples[p * channels + c])) } }
            Self.expectClose(got, Self.planar(kept8, width: w, height: h, channels: kept, maxValue: 255), shape: [1, kept, h, w])
        }
    }

    @Test("16-bit grey written by libpng keeps all 16 bits")
    func sixteenBit() throws {
        let (w, h) = (7, 4)
        let samples: [UInt16] = (0..<(w * h)).map { UInt16(truncatingIfNeeded: $0 * 2347 + 11) }
        let file = try samples.withUnsafeBytes {
            try Self.libpngWrite(width: w, height: h, format: UInt32(PNG_FORMAT_LINEAR_Y), samples: $0, stride: w)
        }
        let got = try ImageFile.decode(file)
        Self.expectClose(got, Self.planar(samples.map(Int.init), width: w, height: h, channels: 1, maxValue: 65535), shape: [1, 1, h, w])
    }

    @Test("a colour-mapped (palette) PNG expands to RGB")
    func palette() throws {
        let (w, h) = (6, 5)
        let colormap: [UInt8] = [0, 0, 0, 250, 10, 20, 30, 240, 40, 9, 8, 7]
        let indices: [UInt8] = (0..<(w * h)).map { UInt8($0 * 7 % 4) }
        let file = try indices.withUnsafeBytes {
            try Self.libpngWrite(width: w, height: h, format: UInt32(PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_COLORMAP), samples: $0, stride: w, colormap: colormap)
        }
        let got = try ImageFile.decode(file)
        let rgb = indices.flatMap { i in (0..<3).map { Int(colormap[Int(i) * 3 + $0]) } }
        Self.expectClose(got, Self.planar(rgb, width: w, height: h, channels: 3, maxValue: 255), shape: [1, 3, h, w])
    }

    @Test("encodePNG and encodePNM round-trip random grey and RGB pictures exactly")
    func encodeRoundTrip() throws {
        var rng = TestRNG(state: 99)
        for (w, h, c) in [(1, 1, 1), (3, 8, 3), (40, 2, 1), (13, 11, 3)] {
            let bytes = (0..<(w * h * c)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let picture = try PixelImage(width: w, height: h, channels: c, bytes: bytes)
            let want = Self.planar(bytes.map(Int.init), width: w, height: h, channels: c, maxValue: 255)
            Self.expectClose(try ImageFile.decode(ImageFile.encodePNG(picture)), want, shape: [1, c, h, w])
            Self.expectClose(try ImageFile.decode(ImageFile.encodePNM(picture)), want, shape: [1, c, h, w])
        }
    }

    @Test("PGM/PPM headers: comments anywhere, any whitespace, text maxval up to 65535")
    func pnmHeaders() throws {
        let cases: [(String, [Float], [Int])] = [
            ("P2\n# made by hand\n2 # width\n1\n# maxval next\n255\n0 255\n", [0, 1], [1, 1, 1, 2]),
            ("P2\r\n2\t2\r\n4\r\n0 1\r\n2 4", [0, 0.25, 0.5, 1], [1, 1, 2, 2]),
            ("P3 1 1 65535 65535 0 32768", [1, 0, 32768 / 65535], [1, 3, 1, 1]),
            ("P2 3 1 9#comment right after\n1 2#x\n9", [1 / 9, 2 / 9, 1], [1, 1, 1, 3]),
        ]
        for (text, want, shape) in cases {
            Self.expectClose(try ImageFile.decode(Array(text.utf8)), want, shape: shape)
        }
        // Binary data starts after exactly one whitespace byte, even when that data begins with whitespace bytes.
        let p5 = Array("P5 2 1 255\n".utf8) + [0x20, 0x0A]
        Self.expectClose(try ImageFile.decode(p5), [32 / 255, 10 / 255], shape: [1, 1, 1, 2])
        let p6 = Array("P6\n1 1\n300\n".utf8) + [0x01, 0x2C, 0x00, 0x96, 0x00, 0x00]
        Self.expectClose(try ImageFile.decode(p6), [1, 0.5, 0], shape: [1, 3, 1, 1])
    }

    @Test("sniffing goes by content, not by name")
    func sniff() {
        #expect(ImageFile.sniff([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0]) == .png)
        #expect(ImageFile.sniff([0xFF, 0xD8, 0xFF, 0xE0]) == .jpeg)
        #expect(ImageFile.sniff(Array("P6\n".utf8)) == .pnm)
        #expect(ImageFile.sniff(Array("P7\n".utf8)) == nil)
        #expect(ImageFile.sniff([0x89, 0x50]) == nil)
        #expect(ImageFile.sniff([]) == nil)
    }

    @Test("sizes are checked before allocating: PNG and JPEG headers, PGM/PPM headers, pictures")
    func sizeLimits() throws {
        expectOpError("load_image", "40000×2 pixels, more than the 32768 per side") {
            try ImageFile.decode(Array("P5 40000 2 255\n".utf8))
        }
        // 32768×32768×3 fits per side but not in a tensor.
        expectOpError("load_image", "too many elements") {
            try ImageFile.decode(Array("P6 32768 32768 255\n".utf8))
        }
        expectOpError("load_image", "empty image (0×5)") { try ImageFile.decode(Array("P5 0 5 255\n".utf8)) }
        expectOpError("save_image", "1 (grey) or 3 (RGB) channels") { try PixelImage(width: 1, height: 1, channels: 2, bytes: [0, 0]) }
        expectOpError("save_image", "needs 6 bytes, got 5") { try PixelImage(width: 2, height: 1, channels: 3, bytes: [0, 0, 0, 0, 0]) }
        expectOpError("save_image", "1…32768 pixels per side") { try PixelImage(width: 0, height: 1, channels: 1, bytes: []) }
    }
}

extension Optional where Wrapped == [UInt8] {
    /// The array's bytes, or nil, for C parameters that take an optional pointer.
    func withUnsafeBytesOrNil<R>(_ body: (UnsafeRawPointer?) throws -> R) rethrows -> R {
        switch self {
        case .some(let array): return try array.withUnsafeBytes { try body($0.baseAddress) }
        case .none: return try body(nil)
        }
    }
}
