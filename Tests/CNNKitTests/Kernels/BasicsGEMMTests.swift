@testable import CNNKit
import CNNKernels
import Testing
import CNNTestSupport

/// The engine's GEMM against a plain triple loop, with every kernel set this CPU runs: every transpose,
/// part blocks on both sides, depths across several packed panels, padded leading dimensions, alpha
/// and beta, the bias-and-activation epilogue, and the split over workers.
/// Tolerance: rtol 1e-4, atol 1e-4 (sums of up to a few hundred float products).
@Suite("GEMM: every kernel set against a triple loop")
struct BasicsGEMMTests {
    /// C = alpha·op(A)·op(B) + beta·C0, then epilogue(C[i, j] + bias[i]), written out plainly.
    static func reference(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float, a: [Float], lda: Int,
                          b: [Float], ldb: Int, beta: Float, c0: [Float], ldc: Int, bias: [Float]?,
                          epilogue: Epilogue) -> [Float] {
        var c = c0
        for i in 0..<m {
            for j in 0..<n {
                var sum: Float = 0
                for p in 0..<k {
                    let x = transA ? a[p * lda + i] : a[i * lda + p]
                    let y = transB ? b[j * ldb + p] : b[p * ldb + j]
                    sum += x * y
                }
                var v = alpha * sum + (beta == 0 ? 0 : beta * c0[i * ldc + j])
                if bias != nil || epilogue != .none {
                    v += bias?[i] ?? 0
                    switch epilogue.activation {
                    case .identity: break
                    case .relu: v = max(v, 0)
                    case .clamp(let lo, let hi): v = min(max(v, lo), hi)
                    }
                }
                c[i * ldc + j] = v
            }
        }
        return c
    }

    struct Case: CustomStringConvertible {
        var m: Int, n: Int, k: Int, transA: Bool, transB: Bool, alpha: Float, beta: Float
        var pad: (a: Int, b: Int, c: Int)
        var bias: Bool, epilogue: Epilogue
        var description: String {
            "\(m)×\(n)×\(k) transA \(transA) transB \(transB) alpha \(alpha) beta \(beta) pad \(pad) bias \(bias) \(epilogue.activation)"
        }
    }

    /// A case's operands and the reference's result, made once and checked against every run.
    struct Prepared {
        let c: Case
        let lda: Int, ldb: Int, ldc: Int
        let a: [Float], b: [Float], c0: [Float], bias: [Float]?
        let expected: [Float]

        init(_ c: Case, _ rng: inout TestRNG) {
            self.c = c
            (lda, ldb, ldc) = ((c.transA ? c.m : c.k) + c.pad.a, (c.transB ? c.k : c.n) + c.pad.b, c.n + c.pad.c)
            a = (0..<max(1, (c.transA ? c.k : c.m) * lda)).map { _ in rng.float() }
            b = (0..<max(1, (c.transB ? c.n : c.k) * ldb)).map { _ in rng.float() }
            c0 = (0..<(c.m * ldc)).map { _ in rng.float() }
            bias = c.bias ? (0..<c.m).map { _ in rng.float() } : nil
            expected = BasicsGEMMTests.reference(transA: c.transA, transB: c.transB, m: c.m, n: c.n, k: c.k, alpha: c.alpha,
                                                 a: a, lda: lda, b: b, ldb: ldb, beta: c.beta, c0: c0, ldc: ldc,
                                                 bias: bias, epilogue: c.epilogue)
        }

        /// Runs the case through `run(problem)` from C0 and compares with the reference.
        func check(_ label: String, _ run: (GEMMProblem) -> Void) {
            var out = c0
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    out.withUnsafeMutableBufferPointer { cp in
                        withOptionalPointer(bias) { biasPointer in
                            run(GEMMProblem(transA: c.transA, transB: c.transB, m: c.m, n: c.n, k: c.k, alpha: c.alpha,
                                            a: ap.baseAddress!, lda: lda, b: bp.baseAddress!, ldb: ldb, beta: c.beta,
                                            c: cp.baseAddress!, ldc: ldc, bias: biasPointer, epilogue: c.epilogue))
                        }
                    }
                }
            }
            #expect(closeness(out, expected, rtol: 1e-4, atol: 1e-4) <= 1, "\(label): \(c)")
        }
    }

    static let epilogues: [Epilogue] = [.none, Epilogue(activation: .relu), Epilogue(activation: .clamp(lower: -0.25, upper: 0.5))]

    @Test("random shapes with part blocks, every transpose, alpha, beta, bias and activation, on one thread")
    func randomShapes() {
        var rng = TestRNG(71)
        for set in kernelSetsUnderTest {
            for index in 0..<80 {
                // Depths past 256 cross packed panels; rows and columns around the blocks' multiples.
                let c = Case(m: rng.int(1, 40), n: rng.int(1, 70), k: [0, 1, 3, 17, 129, 300][index % 6],
                             transA: rng.bool(), transB: rng.bool(), alpha: [1, 0.5, -2][index % 3],
                             beta: [0, 1, 0.75][(index / 3) % 3], pad: (rng.int(0, 3), rng.int(0, 3), rng.int(0, 3)),
                             bias: index % 4 == 1, epilogue: Self.epilogues[(index / 2) % 3])
                Prepared(c, &rng).check(set.name) { problem in runGEMM(problem, set) }
            }
        }
    }

    @Test("small outputs over a long depth (a narrow layer's weight gradient): the dot-product path and its neighbours")
    func longDepthSmallOutputs() {
        var rng = TestRNG(72)
        for set in kernelSetsUnderTest {
            for (index, (m, n, k)) in [(6, 5, 784), (16, 30, 100), (1, 1, 33), (3, 7, 65), (12, 16, 999), (2, 2, 8)].enumerated() {
                for transB in [true, false] {
                    let c = Case(m: m, n: n, k: k, transA: false, transB: transB, alpha: index % 2 == 0 ? 1 : 0.5,
                                 beta: [0, 1, 0.5][index % 3], pad: (index % 3, 1, index % 2), bias: index % 2 == 1,
                                 epilogue: Self.epilogues[index % 3])
                    Prepared(c, &rng).check("\(set.name) dot products") { problem in runGEMM(problem, set) }
                }
            }
        }
    }

    @Test("large products split over 2 and 3 workers: rows and columns, every transpose")
    func split() {
        var rng = TestRNG(31)
        // Wide splits columns, tall splits rows; 37 and 203 leave part blocks.
        for (m, n, k) in [(24, 403, 70), (410, 37, 90), (103, 111, 301)] {
            for (transA, transB) in [(false, false), (true, false), (false, true), (true, true)] {
                let prepared = Prepared(Case(m: m, n: n, k: k, transA: transA, transB: transB, alpha: 0.5, beta: 2,
                                             pad: (3, 5, 2), bias: transA, epilogue: transB ? Epilogue(activation: .relu) : .none),
                                        &rng)
                for set in kernelSetsUnderTest {
                    for workers in [2, 3] {
                        prepared.check("\(set.name), \(workers) workers") { problem in
                            gemmSplit(problem, workers: workers, kernels: set)
                        }
                    }
                }
            }
        }
    }

    @Test("sgemm picks the active set and its own split")
    func publicEntry() {
        var rng = TestRNG(5)
        let c = Case(m: 70, n: 90, k: 800, transA: false, transB: true, alpha: 1, beta: 0, pad: (0, 0, 0),
                     bias: true, epilogue: Epilogue(activation: .relu))
        Prepared(c, &rng).check("sgemm") { p in
            sgemm(transA: p.transA, transB: p.transB, m: p.m, n: p.n, k: p.k, alpha: p.alpha, a: p.a, lda: p.lda,
                  b: p.b, ldb: p.ldb, beta: p.beta, c: p.c, ldc: p.ldc, bias: p.bias, epilogue: p.epilogue)
        }
    }
}
