@testable import CNNKit
import Foundation
import Testing
import CNNTestSupport

/// Image files written by scripts/make-fixtures-images: PNGs and PGM/PPMs encoded by hand in Python (so
/// the expected samples are the ones written), JPEGs encoded and decoded by Pillow, and broken files, each
/// listed in its folder's expected.json.
@Suite("Images: fixture files")
struct ImageFixtureTests {
    static let dir = Fixtures.root.appendingPathComponent("images")

    /// The expected 1×C×H×W stored samples of a good file, divided by its maxval.
    static func expected(_ entry: [String: Any]) throws -> (Tensor, Float) {
        let npy = try #require(entry["expected"] as? String)
        let maxval = Float(try #require(entry["maxval"] as? Int))
        let raw = try NPY.read(Fixtures.bytes(dir.appendingPathComponent("good").appendingPathComponent(npy)))
        let tolerance = Float(entry["tolerance"] as? Int ?? 0) / maxval + 1e-6
        return (try Tensor(shape: raw.shape, scalars: raw.scalars.map { $0 / maxval }), tolerance)
    }

    static func manifest(_ folder: String) throws -> [String: Any] {
        try #require(try Fixtures.json(dir.appendingPathComponent(folder).appendingPathComponent("expected.json")) as? [String: Any])
    }

    @Test("every good file decodes to the samples written (JPEG: Pillow's decode ±3/255)")
    func goodFiles() throws {
        let manifest = try Self.manifest("good")
        #expect(manifest.count >= 20)
        #expect(manifest.keys.contains { $0.hasSuffix(".jpg") }, "JPEG fixtures present")
        for (file, value) in manifest.sorted(by: { $0.key < $1.key }) {
            let entry = try #require(value as? [String: Any])
            let (want, tolerance) = try Self.expected(entry)
            let got = try ImageFile.decode(Fixtures.bytes(Self.dir.appendingPathComponent("good").appendingPathComponent(file)))
            #expect(got.shape == want.shape, "\(file)")
            guard got.shape == want.shape else { continue }
            let worst = zip(got.scalars, want.scalars).map { abs($0 - $1) }.max() ?? 0
            #expect(worst <= tolerance, "\(file): worst difference \(worst), tolerance \(tolerance)")
            #expect(got.scalars.allSatisfy { (0...1).contains($0) }, "\(file): values in 0…1")
        }
    }

    @Test("gray: true matches Pillow's convert(\"L\") within its 8-bit rounding, and the BT.601 weights exactly")
    func grayConversion() throws {
        let good = Self.dir.appendingPathComponent("good")
        let rgb = try ImageFile.decode(Fixtures.bytes(good.appendingPathComponent("rgb8.png")))
        let gray = try ImageFile.decode(Fixtures.bytes(good.appendingPathComponent("rgb8.png")), gray: true)
        let pil = try NPY.read(Fixtures.bytes(good.appendingPathComponent("rgb8.png.luma.npy")))
        #expect(gray.shape == [1, 1, 32, 32])
        #expect(pil.shape == gray.shape)
        let plane = 32 * 32
        for p in 0..<plane {
            let (r, g, b) = (rgb.scalars[p], rgb.scalars[plane + p], rgb.scalars[2 * plane + p])
            let reference = 0.299 * r + 0.587 * g + 0.114 * b
            #expect(abs(gray.scalars[p] - reference) <= 1e-6)
            #expect(abs(gray.scalars[p] - pil.scalars[p] / 255) <= 1 / 255 + 1e-6, "pixel \(p)")
        }
        // A grey file stays as it is.
        let g8 = try Fixtures.bytes(good.appendingPathComponent("gray8.png"))
        #expect(try ImageFile.decode(g8, gray: true) == ImageFile.decode(g8))
        // Each format's colour file converts to one channel.
        for file in ["rgb_p6.ppm", "rgb_q90.jpg", "palette8.png", "rgb16.png"] {
            #expect(try ImageFile.decode(Fixtures.bytes(good.appendingPathComponent(file)), gray: true).shape[1] == 1, "\(file)")
        }
    }

    @Test("every broken file is a load_image error naming what is wrong")
    func badFiles() throws {
        let manifest = try Self.manifest("bad")
        #expect(manifest.count >= 10)
        let bad = Self.dir.appendingPathComponent("bad")
        let files = try FileManager.default.contentsOfDirectory(atPath: bad.path).filter { $0 != "expected.json" }
        #expect(Set(files) == Set(manifest.keys), "every bad file is listed")
        for (file, value) in manifest.sorted(by: { $0.key < $1.key }) {
            let fragment = try #require(value as? String)
            let bytes = try Fixtures.bytes(bad.appendingPathComponent(file))
            expectOpError("load_image", fragment) { try ImageFile.decode(bytes) }
        }
    }

    @Test("truncated and bit-flipped copies of good files decode or fail cleanly, never crash")
    func mutations() throws {
        let good = Self.dir.appendingPathComponent("good")
        var rng = TestRNG(state: 7)
        for file in ["rgb8.png", "rgb8_interlaced.png", "gray16.png", "palette4_trns.png", "rgb_q90.jpg",
                     "rgb_progressive.jpg", "rgb_p6.ppm", "gray_p2.pgm", "gray16_p5.pgm"] {
            let original = try Fixtures.bytes(good.appendingPathComponent(file))
            #expect(throws: Never.self) { try ImageFile.decode(original) }
            var variants: [[UInt8]] = stride(from: 0, to: original.count, by: max(1, original.count / 40)).map { Array(original.prefix($0)) }
            for _ in 0..<40 {
                var copy = original
                for _ in 0..<3 {
                    let at = Int(rng.next() % UInt64(copy.count))
                    copy[at] ^= UInt8(truncatingIfNeeded: rng.next() | 1)
                }
                variants.append(copy)
            }
            for bytes in variants {
                do {
                    let t = try ImageFile.decode(bytes)
                    // A flip in pixel data (PNM, or JPEG entropy data that still parses) may decode.
                    #expect(t.rank == 4 && t.scalars.allSatisfy { (0...1).contains($0) }, "\(file)")
                } catch let e as OpError {
                    #expect(e.op == "load_image")
                    #expect(!e.message.isEmpty)
                }
            }
        }
    }
}

