@testable import CNNKit
import Foundation
import Testing
import CNNTestSupport

/// What a `ByteProgress` heard, in order; optionally throws `CancelledError` at report `cancelAt`
/// (1-based), as the language does when Ctrl-C comes.
final class ProgressRecorder: @unchecked Sendable {
    private(set) var reports: [(done: Int, total: Int)] = []
    private let lock = NSLock()
    var cancelAt: Int?

    init(cancelAt: Int? = nil) { self.cancelAt = cancelAt }

    func progress(step: Int) -> ByteProgress {
        ByteProgress(step: step) { [self] done, total in
            lock.lock()
            defer { lock.unlock() }
            reports.append((done, total))
            if let c = cancelAt, reports.count >= c { throw CancelledError() }
        }
    }

    var dones: [Int] { reports.map(\.done) }

    /// Every report shares one total, `done` starts at 0, never decreases and ends at the total.
    func expectWellFormed(total: Int, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(reports.allSatisfy { $0.total == total }, "totals \(reports.map(\.total)), expected \(total)", sourceLocation: sourceLocation)
        #expect(reports.first?.done == 0, "first \(String(describing: reports.first))", sourceLocation: sourceLocation)
        #expect(reports.last?.done == total, "last \(String(describing: reports.last))", sourceLocation: sourceLocation)
        #expect(zip(dones, dones.dropFirst()).allSatisfy { $0 <= $1 }, "not monotone: \(dones)", sourceLocation: sourceLocation)
    }
}

@Suite("Formats: chunked file reading with progress")
struct FileReaderTests {
    @Test("reads every byte in chunks of `step`, reporting (0, n) first, then each chunk boundary, (n, n) last")
    func chunkedReadsMatchTheFile() throws {
        let dir = try makeScratchDirectory("cnns-data").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var rng = TestRNG(41)
        for (size, step) in [(0, 7), (1, 7), (6, 7), (7, 7), (8, 7), (1000, 1), (65_536, 4096), (200_003, 16_384),
                             (rng.int(1, 50_000), rng.int(1, 5000)), (rng.int(1, 50_000), rng.int(1, 5000))] {
            let bytes = (0..<size).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let path = dir + "/f\(size)-\(step).bin"
            try writeFile(bytes, path)
            let recorder = ProgressRecorder()
            let read = try FileReader.read(path, progress: recorder.progress(step: step))
            #expect(read == [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))), "size \(size), step \(step)")
            recorder.expectWellFormed(total: size)
            // A plain loop: 0, step, 2·step, …, then the size.
            var expected = [0]
            var at = 0
            while at < size { at = min(size, at + step); expected.append(at) }
            #expect(recorder.dones == expected, "size \(size), step \(step)")
            #expect(try FileReader.read(path) == read)
        }
        #expect(FileReader.size(dir + "/f1000-1.bin") == 1000)
        #expect(FileReader.size(dir + "/missing") == nil)
    }

    @Test("missing files, directories, devices, FIFOs and files over the limit are refused without reading")
    func refusals() throws {
        let dir = try makeScratchDirectory("cnns-data").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func failure(_ path: String, limit: Int = Int.max) -> FileReader.Failure? {
            let recorder = ProgressRecorder()
            do {
                _ = try FileReader.read(path, limit: limit, progress: recorder.progress(step: 10))
                return nil
            } catch let f as FileReader.Failure {
                #expect(recorder.reports.isEmpty, "\(path) reported \(recorder.dones)")
                return f
            } catch {
                Issue.record("unexpected \(error)")
                return nil
            }
        }
        #expect(failure(dir + "/none") == FileReader.Failure(path: dir + "/none", reason: .unreadable("No such file or directory")))
        #expect(failure(dir)?.reason == .notRegularFile)
        #expect(failure("/dev/zero")?.reason == .notRegularFile)
        let fifo = dir + "/fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        #expect(failure(fifo)?.reason == .notRegularFile)  // opened non-blocking: no writer, no hang
        try writeFile([UInt8](repeating: 7, count: 100), dir + "/big")
        #expect(failure(dir + "/big", limit: 99)?.reason == .tooLarge(size: 100, limit: 99))
        #expect(failure(dir + "/big", limit: 100) == nil)
        #expect(failure(dir + "/big", limit: 99)?.description == "\(dir)/big: file is 100 bytes, more than the 99-byte limit")
    }

    @Test("a cancel from the progress report stops the read there with CancelledError")
    func cancelMidRead() throws {
        let dir = try makeScratchDirectory("cnns-data").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try writeFile([UInt8](repeating: 1, count: 10_000), dir + "/f")
        let recorder = ProgressRecorder(cancelAt: 3)
        #expect(throws: CancelledError.self) { _ = try FileReader.read(dir + "/f", progress: recorder.progress(step: 1000)) }
        #expect(recorder.dones == [0, 1000, 2000])
    }

    @Test("a tally sums parts reported from several threads: monotone, scaled into each share, ending at the total")
    func tallyAcrossThreads() throws {
        let recorder = ProgressRecorder()
        let weights = [1000, 1, 0, 37_000, 512]
        let tally = ProgressTally(weights: weights, job: recorder.progress(step: 64))
        #expect(tally.total == weights.reduce(0, +))
        let saved = Engine.threads
        defer { Engine.threads = saved }
        Engine.threads = 4
        parallelFor(weights.count) { k in
            let part = tally.part(k)
            #expect(part.step == 64)
            let total = [10, 3, 5, 100_000, 7][k]
            for done in stride(from: 0, through: total, by: max(1, total / 9)) { try? part.report(done, total) }
            try? part.report(total, total)
        }
        recorder.expectWellFormed(total: tally.total)
        #expect(Set(recorder.dones).count == recorder.dones.count)  // only growth is reported

        // One part alone: its (done, total) scaled into its share, rounded down, the end exact.
        let single = ProgressRecorder()
        let two = ProgressTally(weights: [300, 100], job: single.progress(step: 1))
        try two.part(0).report(0, 7)
        try two.part(0).report(1, 7)    // 300·1/7 = 42.86
        try two.part(0).report(7, 7)
        try two.finish(1)
        #expect(single.dones == [0, 42, 300, 400])
    }
}
