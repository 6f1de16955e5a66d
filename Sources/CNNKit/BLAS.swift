import CBLAS
import Synchronization

// OpenBLAS always runs single-threaded here; the engine splits large products over its own workers.
// Why: an idle OpenBLAS thread keeps polling with sched_yield for a long while after every threaded
// call, and on two cores that thread took turns with the engine's own loops: LeNet's conv ran 0.33 ms
// in one process and 0.48 ms in the next, depending on whether a GEMM had just run.

/// Row-major single-precision GEMM: C[m×n] = alpha · op(A) · op(B) + beta · C, through OpenBLAS.
/// Leading dimensions default to the packed row-major ones. Callers have checked the sizes. Large
/// products are split into column (or row) blocks over `Engine.threads` workers, unless the call
/// comes from inside a loop that already runs on every worker (`withSingleThreadedBLAS`).
@inlinable
public func sgemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                  alpha: Float = 1, a: UnsafePointer<Float>, lda: Int? = nil,
                  b: UnsafePointer<Float>, ldb: Int? = nil,
                  beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int? = nil) {
    guard m > 0, n > 0 else { return }
    let lda = lda ?? (transA ? m : k)
    let ldb = ldb ?? (transB ? k : n)
    let ldc = ldc ?? n
    BLASThreads.configure()
    let workers = BLASThreads.workers(m: m, n: n, k: k)
    guard workers > 1 else {
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
        return
    }
    sgemmPanels(workers: workers, transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
}

/// `sgemm` over `workers` workers: blocks of whole 16-column (or row) panels, the larger side split,
/// one single-threaded OpenBLAS call per block.
@usableFromInline
func sgemmPanels(workers: Int, transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                 a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float,
                 c: UnsafeMutablePointer<Float>, ldc: Int) {
    let splitColumns = n >= m
    let panels = ((splitColumns ? n : m) + 15) / 16
    parallelFor(workers) { w in
        let lo = Swift.min(splitColumns ? n : m, panels * w / workers * 16)
        let hi = Swift.min(splitColumns ? n : m, panels * (w + 1) / workers * 16)
        guard hi > lo else { return }
        let (ap, bp, cp): (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>)
        let (rows, cols): (Int, Int)
        if splitColumns {
            (ap, bp, cp) = (a, transB ? b + lo * ldb : b + lo, c + lo)
            (rows, cols) = (m, hi - lo)
        } else {
            (ap, bp, cp) = (transA ? a + lo : a + lo * lda, b, c + lo * ldc)
            (rows, cols) = (hi - lo, n)
        }
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    Int32(rows), Int32(cols), Int32(k), alpha, ap, Int32(lda), bp, Int32(ldb), beta, cp, Int32(ldc))
    }
}

/// How GEMMs use the cores: OpenBLAS set to one thread once, and the engine's split of one product.
public enum BLASThreads {
    /// Loops running on every worker that issue GEMMs (`withSingleThreadedBLAS`): while any runs,
    /// GEMMs are not split again.
    @usableFromInline static let serialRegions = Atomic<Int>(0)
    @usableFromInline static let once: Void = { openblas_set_num_threads(1) }()

    @inlinable static func configure() { _ = once }

    /// Workers for one product: one below about 4 M multiply-adds (splitting costs more than it saves).
    @inlinable
    static func workers(m: Int, n: Int, k: Int) -> Int {
        let threads = Engine.threads
        guard threads > 1, serialRegions.load(ordering: .relaxed) == 0,
              Double(m) * Double(n) * Double(k) >= 4_194_304 else { return 1 }
        return Swift.min(threads, (Swift.max(m, n) + 15) / 16)
    }
}

/// Runs `body`, a loop that already spreads its work (and its GEMMs) over every worker, without
/// splitting those GEMMs again: two levels of threading would oversubscribe the cores.
@inlinable
func withSingleThreadedBLAS<T>(_ body: () -> T) -> T {
    BLASThreads.serialRegions.add(1, ordering: .relaxed)
    defer { BLASThreads.serialRegions.subtract(1, ordering: .relaxed) }
    return body()
}
