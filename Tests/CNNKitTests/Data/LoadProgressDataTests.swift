@testable import CNNKit
import Foundation
import Testing
import CNNTestSupport

/// Bytes that compress to a fair share of their size: runs of random lengths and values.
private func compressibleBytes(_ count: Int, _ rng: inout TestRNG) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(count)
    while out.count < count {
        let value = UInt8(truncatingIfNeeded: rng.next())
        out += repeatElement(value, count: min(count - out.count, rng.int(1, 6)))
    }
    return out
}

@Suite("Data: progress and cancellation while inflating and loading IDX files")
struct LoadProgressDataTests {
    @Test("gzip reports compressed bytes consumed: 0 first, then at least `step` apart, the input size last")
    func gzipProgress() throws {
        var rng = TestRNG(77)
        for (size, step) in [(150_000, 1000), (40_000, 4096), (rng.int(1000, 60_000), rng.int(100, 3000))] {
            let plain = compressibleBytes(size, &rng)
            let gz = gzipCompress(plain)
            let recorder = ProgressRecorder()
            let inflated = try Gzip.decompress(gz, op: "idx", source: "test", progress: recorder.progress(step: step))
            #expect(inflated == plain)
            recorder.expectWellFormed(total: gz.count)
            let gaps = zip(recorder.dones, recorder.dones.dropFirst()).map { $1 - $0 }
            #expect(gaps.dropLast().allSatisfy { $0 >= step }, "gaps \(gaps) for step \(step)")
            #expect(recorder.reports.count >= gz.count / (2 * step), "\(recorder.reports.count) reports for \(gz.count) bytes")
            // Without progress, the same bytes.
            #expect(try Gzip.decompress(gz, op: "idx", source: "test") == plain)
        }
        // Two members, fed in small chunks, still inflate as one stream and report to the end.
        let a = compressibleBytes(30_000, &rng), b = compressibleBytes(20_000, &rng)
        let two = gzipCompress(a) + gzipCompress(b)
        let recorder = ProgressRecorder()
        #expect(try Gzip.decompress(two, op: "idx", source: "test", progress: recorder.progress(step: 500)) == a + b)
        recorder.expectWellFormed(total: two.count)
    }

    @Test("fed in chunks, a truncated or corrupt stream is still the usual error")
    func chunkedErrors() {
        var rng = TestRNG(78)
        let gz = gzipCompress(compressibleBytes(50_000, &rng))
        expectOpError("idx", "test: gzip stream is truncated") {
            _ = try Gzip.decompress(Array(gz.prefix(gz.count - 100)), op: "idx", source: "test",
                                    progress: ByteProgress(step: 333) { _, _ in })
        }
        var corrupt = gz
        for k in 200..<260 { corrupt[k] ^= 0x5A }
        expectOpError("idx", "test: corrupt gzip data") {
            _ = try Gzip.decompress(corrupt, op: "idx", source: "test", progress: ByteProgress(step: 64) { _, _ in })
        }
    }

    @Test("a cancel from the progress report stops inflating with CancelledError")
    func gzipCancel() {
        var rng = TestRNG(79)
        let gz = gzipCompress(compressibleBytes(100_000, &rng))
        let recorder = ProgressRecorder(cancelAt: 4)
        #expect(throws: CancelledError.self) {
            _ = try Gzip.decompress(gz, op: "idx", source: "test", progress: recorder.progress(step: 1000))
        }
        #expect(recorder.reports.count == 4)
        #expect((recorder.reports.last?.done ?? gz.count) < gz.count)
    }

    @Test("IDX.read: the file's size is the total, the read the first half, inflating (or a raw file's decode) the second")
    func idxReadProgress() throws {
        let dir = try makeScratchDirectory("cnns-data").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var rng = TestRNG(80)
        let raw = idxBytes(type: 0x08, shape: [50, 40, 30], payload: compressibleBytes(60_000, &rng))
        let expected = try IDX.decode(raw).tensor
        for (name, bytes) in [("a.gz", gzipCompress(raw)), ("a", raw)] {
            try writeFile(bytes, dir + "/" + name)
            let recorder = ProgressRecorder()
            #expect(try IDX.read(path: dir + "/" + name, progress: recorder.progress(step: 2000)).tensor == expected)
            recorder.expectWellFormed(total: bytes.count)
            #expect(recorder.dones.contains(bytes.count / 2), "\(name): the read ends half way: \(recorder.dones)")
            #expect(recorder.reports.count > 4, "\(name): \(recorder.dones)")
        }
        let cancelled = ProgressRecorder(cancelAt: 2)
        #expect(throws: CancelledError.self) { _ = try IDX.read(path: dir + "/a.gz", progress: cancelled.progress(step: 2000)) }
        expectOpError("mnist", "\(dir)/none: cannot read the file (No such file or directory)") {
            _ = try IDX.read(path: dir + "/none", op: "mnist", progress: ProgressRecorder().progress(step: 10))
        }
    }

    @Test("a data set's four files, loaded side by side, report as one: monotone, ending at their sizes' sum")
    func mnistProgress() throws {
        let dir = try makeScratchDirectory("cnns-data").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var rng = TestRNG(81)
        let pixels = compressibleBytes(300 * 28 * 28, &rng)
        let labels = (0..<300).map { _ in UInt8(rng.int(0, 9)) }
        let files: [(String, [UInt8])] = [
            ("train-images-idx3-ubyte.gz", gzipCompress(idxBytes(type: 0x08, shape: [200, 28, 28], payload: Array(pixels[..<(200 * 784)])))),
            ("train-labels-idx1-ubyte.gz", gzipCompress(idxBytes(type: 0x08, shape: [200], payload: Array(labels[..<200])))),
            ("t10k-images-idx3-ubyte", idxBytes(type: 0x08, shape: [100, 28, 28], payload: Array(pixels[(200 * 784)...]))),
            ("t10k-labels-idx1-ubyte.gz", gzipCompress(idxBytes(type: 0x08, shape: [100], payload: Array(labels[200...])))),
        ]
        for (name, bytes) in files { try writeFile(bytes, dir + "/" + name) }
        let total = files.reduce(0) { $0 + $1.1.count }
        #expect(total < 300_000)

        let recorder = ProgressRecorder()
        let (train, test) = try Datasets.mnist(directory: dir, progress: recorder.progress(step: 4096))
        recorder.expectWellFormed(total: total)
        #expect(recorder.reports.count > 8, "\(recorder.dones)")
        #expect(train.x.scalars == pixels[..<(200 * 784)].map { Float($0) / 255 })
        #expect(test.x.scalars == pixels[(200 * 784)...].map { Float($0) / 255 })
        #expect(train.labels + test.labels == labels.map(Int.init))

        let cancelled = ProgressRecorder(cancelAt: 3)
        #expect(throws: CancelledError.self) { _ = try Datasets.fashionMNIST(directory: dir, progress: cancelled.progress(step: 4096)) }
    }
}
