@testable import CNNKit
import Foundation
import Testing
import CNNTestSupport

/// The safetensors codec: files PyTorch's layout produced (Tests/Fixtures/safetensors, written by
/// scripts/make-fixtures-safetensors), the half-precision conversions against a plain formula, round
/// trips, and every malformed file of Tests/Fixtures/safetensors-bad.
@Suite("Formats: safetensors")
struct SafetensorsTests {
    static let dir = Fixtures.root.appendingPathComponent("safetensors")

    static func file(_ name: String) throws -> Safetensors.Contents {
        try Safetensors.decode(Fixtures.bytes(dir.appendingPathComponent(name)))
    }

    @Test("a PyTorch LeNet-5 state_dict with F32, F16 and BF16 tensors loads by name and gives PyTorch's output")
    func pytorchLeNet() throws {
        let contents = try Self.file("lenet5.safetensors")
        #expect(contents.metadata == ["format": "pt"])
        #expect(Set(contents.entries.map(\.dtype)) == [.f32, .f16, .bf16])
        #expect(contents["7.weight"]?.shape == [120, 400])
        var rng = RandomSource(seed: 1)
        let model = try Zoo.lenet5(rng: &rng)
        let report = try model.loadStateDict(contents.entries.map { ($0.name, $0.tensor) })
        #expect(report.isComplete && report.loaded.count == 10)
        let io = try Self.file("lenet5-io.safetensors")
        let x = try #require(io["x"]), y = try #require(io["y"])
        expectClose(try model(x), y, rtol: 1e-4, atol: 1e-5)
    }

    @Test("BatchNorm running statistics load and num_batches_tracked (I64) is ignored")
    func pytorchBatchNorm() throws {
        let contents = try Self.file("convbn.safetensors")
        #expect(contents.entries.first { $0.name == "1.num_batches_tracked" }?.dtype == .i64)
        #expect(contents["1.num_batches_tracked"]?.scalars == [2])
        var rng = RandomSource(seed: 1)
        let model = Sequential([try Conv(1, 4, kernel: Size2(3), rng: &rng), try BatchNorm(4)])
        let report = try model.loadStateDict(contents.entries.map { ($0.name, $0.tensor) })
        #expect(report.ignored == ["1.num_batches_tracked"])
        #expect(report.loaded.count == 6)
        model.setTraining(false)
        let io = try Self.file("convbn-io.safetensors")
        expectClose(try model(try #require(io["x"])), try #require(io["y"]), rtol: 1e-4, atol: 1e-5)
    }

    /// binary16 by the textbook formula: (−1)^s · 2^(e−15) · (1 + f/1024), subnormals 2^−14 · f/1024.
    static func halfReference(_ h: UInt16) -> Float {
        let s: Float = h >> 15 == 1 ? -1 : 1
        let e = Int(h >> 10) & 31, f = Float(h & 0x3FF)
        if e == 31 { return f == 0 ? s * .infinity : .nan }
        if e == 0 { return s * Float(pow(2.0, -14.0)) * f / 1024 }
        return s * Float(pow(2.0, Double(e - 15))) * (1 + f / 1024)
    }

    @Test("F16 → F32 matches the formula on all 65,536 bit patterns, and F32 → F16 → F32 rounds to nearest")
    func half() {
        for h in 0...UInt16.max {
            let got = Safetensors.halfToFloat(h), want = Self.halfReference(h)
            if want.isNaN { #expect(got.isNaN) } else { #expect(got == want, "bits \(h)") }
            if !want.isNaN { #expect(Safetensors.floatToHalf(want) == h, "round trip of \(h)") }
        }
        var rng = TestRNG(7)
        for _ in 0..<2000 {
            let x = rng.float(-70000, 70000) * (rng.bool() ? 1 : 1e-6)
            let back = Safetensors.halfToFloat(Safetensors.floatToHalf(x))
            if abs(x) >= 65520 { #expect(back.isInfinite); continue }
            // Nearest: no representable half is closer (check the two neighbours).
            let h = Safetensors.floatToHalf(back)
            for n in [h &- 1, h &+ 1] where (n & 0x7C00) != 0x7C00 && (n >> 15) == (h >> 15) {
                #expect(abs(Self.halfReference(n) - x) >= abs(back - x), "\(x) → \(back)")
            }
        }
    }

    @Test("BF16 keeps the top 16 bits of a float, rounding to nearest even")
    func bfloat16() {
        var rng = TestRNG(9)
        for _ in 0..<5000 {
            let x = rng.float(-1e6, 1e6)
            let b = Safetensors.floatToBFloat16(x)
            let back = Float(bitPattern: UInt32(b) << 16)
            let down = Float(bitPattern: x.bitPattern & 0xFFFF_0000)
            let up = Float(bitPattern: (x.bitPattern & 0xFFFF_0000) &+ 0x1_0000)
            #expect(back == down || back == up)
            #expect(abs(back - x) <= min(abs(down - x), abs(up - x)))
            let bytes = try? Safetensors.encode([.init(name: "a", dtype: .bf16, tensor: Tensor([x]))])
            #expect(bytes.flatMap { try? Safetensors.decode($0)["a"]?.scalars } == [back])
        }
    }

    @Test("encode then decode gives the same names, shapes, values and metadata; the header is 8-byte aligned")
    func roundTrip() throws {
        var rng = TestRNG(3)
        for trial in 0..<20 {
            var entries: [Safetensors.Entry] = []
            for k in 0..<rng.int(0, 5) {
                let shape = (0..<rng.int(0, 3)).map { _ in rng.int(0, 4) }
                entries.append(.init(name: "t\(k).w\"é", tensor: rng.tensor(shape)))
            }
            let meta = trial % 2 == 0 ? [:] : ["note": "line\nbreak \"quoted\" \u{1}", "k": ""]
            let bytes = try Safetensors.encode(entries, metadata: meta)
            var n = 0
            for b in (0..<8).reversed() { n = n << 8 | Int(bytes[b]) }
            #expect(n % 8 == 0)
            let back = try Safetensors.decode(bytes)
            #expect(back.metadata == meta)
            #expect(back.entries.map(\.name) == entries.map(\.name))
            for (a, b) in zip(back.entries, entries) {
                #expect(a.tensor.shape == b.tensor.shape && a.tensor.scalars == b.tensor.scalars)
            }
        }
        #expect(throws: OpError.self) { try Safetensors.encode([.init(name: "a", tensor: Tensor(1)), .init(name: "a", tensor: Tensor(2))]) }
    }

    @Test("every malformed file gives a specific load error and no crash")
    func malformed() throws {
        let dir = Fixtures.root.appendingPathComponent("safetensors-bad")
        let manifest = try #require(try Fixtures.json(dir.appendingPathComponent("expected.json")) as? [String: String])
        #expect(manifest.count >= 10)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".safetensors") }
        #expect(Set(files) == Set(manifest.keys), "every bad file is listed")
        for (file, fragment) in manifest.sorted(by: { $0.key < $1.key }) {
            let bytes = try Fixtures.bytes(dir.appendingPathComponent(file))
            expectOpError("load", fragment) {
                var rng = RandomSource(seed: 0)
                return try Safetensors.decodeModel(try Safetensors.decode(bytes), rng: &rng)
            }
        }
    }

    @Test("truncating a valid file anywhere, or flipping a header byte, is an error or a valid read, never a crash")
    func fuzz() throws {
        let good = try Safetensors.encode([.init(name: "a", tensor: Tensor([1, 2, 3])),
                                           .init(name: "b", dtype: .f16, tensor: Tensor([4, 5]))], metadata: ["m": "v"])
        for cut in 0..<good.count {
            #expect(throws: OpError.self) { try Safetensors.decode(Array(good[..<cut])) }
        }
        var rng = TestRNG(11)
        for _ in 0..<500 {
            var bytes = good
            bytes[rng.int(0, bytes.count - 1)] = UInt8(rng.int(0, 255))
            _ = try? Safetensors.decode(bytes)
        }
    }
}
