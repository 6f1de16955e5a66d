@testable import CNNKit
import Testing

/// `sgemm` splits large products into column or row blocks over the workers: every transpose, both
/// split directions, padded leading dimensions and beta ≠ 0 against a plain triple loop.
/// Tolerance: rtol 1e-4, atol 1e-4 (sums of a few hundred float products).
@Suite("sgemm split over workers")
struct BasicsGEMMSplitTests {
    @Test("large products: every transpose, wide and tall, padded leading dimensions, alpha and beta")
    func splitMatchesLoop() {
        var rng = TestRNG(31)
        // m·n·k above the split threshold (4 M); wide splits columns, tall splits rows; 37 and 203 leave
        // part-panels of 16.
        for (m, n, k) in [(40, 1003, 120), (1010, 37, 130), (203, 211, 101)] {
            for (transA, transB) in [(false, false), (true, false), (false, true), (true, true)] {
                let lda = (transA ? m : k) + 3, ldb = (transB ? k : n) + 5, ldc = n + 2
                let a = (0..<((transA ? k : m) * lda)).map { _ in rng.float() }
                let b = (0..<((transB ? n : k) * ldb)).map { _ in rng.float() }
                let c0 = (0..<(m * ldc)).map { _ in rng.float() }
                let (alpha, beta): (Float, Float) = (0.5, 2)
                // The split itself, at 2 and 3 workers (whatever Engine.threads other tests set), then
                // sgemm's own choice, each from the same C.
                var results: [[Float]] = []
                for workers in [2, 3, 0] {
                    var c = c0
                    a.withUnsafeBufferPointer { ap in
                        b.withUnsafeBufferPointer { bp in
                            c.withUnsafeMutableBufferPointer { cp in
                                if workers > 0 {
                                    sgemmPanels(workers: workers, transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                                                a: ap.baseAddress!, lda: lda, b: bp.baseAddress!, ldb: ldb, beta: beta,
                                                c: cp.baseAddress!, ldc: ldc)
                                } else {
                                    sgemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: ap.baseAddress!, lda: lda,
                                          b: bp.baseAddress!, ldb: ldb, beta: beta, c: cp.baseAddress!, ldc: ldc)
                                }
                            }
                        }
                    }
                    results.append(c)
                }
                var expected = c0
                for i in 0..<m {
                    for j in 0..<n {
                        var sum: Float = 0
                        for p in 0..<k {
                            let x = transA ? a[p * lda + i] : a[i * lda + p]
                            let y = transB ? b[j * ldb + p] : b[p * ldb + j]
                            sum += x * y
                        }
                        expected[i * ldc + j] = alpha * sum + beta * c0[i * ldc + j]
                    }
                }
                for (c, label) in zip(results, ["2 workers", "3 workers", "sgemm"]) {
                    #expect(closeness(c, expected, rtol: 1e-4, atol: 1e-4) <= 1, "\(label) \(m)×\(n)×\(k) transA \(transA) transB \(transB)")
                }
            }
        }
    }
}
