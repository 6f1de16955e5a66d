import CNNKit
import Dispatch

/// What one timed case produced.
struct BenchResult {
    var name: String
    var shape: String
    var medianMs: Double
    var runs: Int
    var gflops: Double?
    var imagesPerSecond: Double? = nil
    var parameters: [String: Int]
}

enum BenchTiming {
    /// Warms up, then times `body` at least `minRuns` times and until `minSeconds` have passed (at most
    /// `maxRuns`), and returns the median in milliseconds and the number of timed runs.
    static func median(minRuns: Int = 10, maxRuns: Int = 500, minSeconds: Double = 1,
                       _ body: () throws -> Void) throws -> (ms: Double, runs: Int) {
        // Warm-up: first-touch page faults, packing buffers, thread start-up.
        let warmStart = now()
        for i in 0..<10 {
            try body()
            if i >= 1 && now() - warmStart > 0.3 { break }
        }
        var times: [Double] = []
        let start = now()
        while times.count < minRuns || (now() - start < minSeconds && times.count < maxRuns) {
            let t0 = now()
            try body()
            times.append(now() - t0)
        }
        times.sort()
        let mid = times.count / 2
        let median = times.count % 2 == 1 ? times[mid] : (times[mid - 1] + times[mid]) / 2
        return (median * 1000, times.count)
    }

    /// Seconds on a monotonic clock.
    static func now() -> Double {
        Double(DispatchTime.now().uptimeNanoseconds) / 1e9
    }

    /// The machine's SGEMM rate through the engine's GEMM at the current thread count: the 100 % of `% peak`.
    static func sgemmPeak(size: Int = 2048) throws -> BenchResult {
        var rng = BenchRandom(seed: 3)
        let a = try rng.tensor([size, size]).scalars, b = try rng.tensor([size, size]).scalars
        var c = [Float](repeating: 0, count: size * size)
        let (ms, runs) = try median(minRuns: 10) {
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    c.withUnsafeMutableBufferPointer { cp in
                        guard let ap = ap.baseAddress, let bp = bp.baseAddress, let cp = cp.baseAddress else { return }
                        sgemm(m: size, n: size, k: size, a: ap, b: bp, c: cp)
                    }
                }
            }
        }
        let flops = 2 * Double(size) * Double(size) * Double(size)
        return BenchResult(name: "SGEMM", shape: "\(size)×\(size)×\(size) (GEMM \(Kernels.gemmDescription))", medianMs: ms, runs: runs,
                           gflops: flops / (ms * 1e6), parameters: ["m": size, "n": size, "k": size])
    }
}
