import CNNKernels
import Synchronization

// The engine's GEMM: the active kernel set's packed GEMM (CNNKernels' PackedGEMM.swift), with large
// products split over the engine's workers. Why not a BLAS: Debian's OpenBLAS picks its kernels from a
// table of CPU models, and on a CPU it does not know (the Intel Xeon of this project's machines) it
// falls back to a generic SSE kernel at a fifth of the speed; and a BLAS cannot fuse a bias and an
// activation into the product, which whole-network inference needs.

/// Row-major single-precision GEMM: C[m×n] = alpha · op(A) · op(B) + beta · C, then per row i of C
/// `epilogue(C[i, j] + bias[i])` when a bias or an activation is given. Leading dimensions default to
/// the packed row-major ones. Callers have checked the sizes. Large products are split into blocks of
/// whole register-block panels over `Engine.threads` workers, unless the call comes from inside a loop
/// that already runs on every worker (`withSingleThreadedBLAS`).
public func sgemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                  alpha: Float = 1, a: UnsafePointer<Float>, lda: Int? = nil,
                  b: UnsafePointer<Float>, ldb: Int? = nil,
                  beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int? = nil,
                  bias: UnsafePointer<Float>? = nil, epilogue: Epilogue = .none,
                  kernels: KernelSet = Kernels.active) {
    guard m > 0, n > 0 else { return }
    let problem = GEMMProblem(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha,
                              a: a, lda: lda ?? (transA ? m : k), b: b, ldb: ldb ?? (transB ? k : n),
                              beta: beta, c: c, ldc: ldc ?? n, bias: bias, epilogue: epilogue)
    gemmSplit(problem, workers: BLASThreads.workers(m: m, n: n, k: k), kernels: kernels)
}

/// `problem` over `workers` workers, each with a block of the larger side.
func gemmSplit(_ problem: GEMMProblem, workers: Int, kernels: KernelSet) {
    guard workers > 1 else {
        runGEMM(problem, kernels)
        return
    }
    let (m, n) = (problem.m, problem.n)
    // Split the larger side into whole panels of the register block, so no worker adds a part block.
    let splitColumns = n >= m
    let unit = splitColumns ? kernels.gemmColumns : kernels.gemmRows
    let length = splitColumns ? n : m
    let panels = (length + unit - 1) / unit
    parallelFor(workers) { w in
        let lo = Swift.min(length, panels * w / workers * unit)
        let hi = Swift.min(length, panels * (w + 1) / workers * unit)
        guard hi > lo else { return }
        var part = problem
        if splitColumns {
            part.n = hi - lo
            part.b = problem.transB ? problem.b + lo * problem.ldb : problem.b + lo
            part.c = problem.c + lo
        } else {
            part.m = hi - lo
            part.a = problem.transA ? problem.a + lo : problem.a + lo * problem.lda
            part.c = problem.c + lo * problem.ldc
            part.bias = problem.bias.map { $0 + lo }
        }
        runGEMM(part, kernels)
    }
}

/// One product on this thread, its packing buffers borrowed from the pool.
func runGEMM(_ problem: GEMMProblem, _ kernels: KernelSet) {
    let (a, b) = kernels.gemmScratch(problem.m, problem.n, problem.k)
    ScratchPool.shared.withBuffer(floats: a + b) { buffer in
        kernels.gemm(problem, buffer, buffer + a)
    }
}

/// Reusable scratch memory for kernels: megabytes of packing buffers per GEMM would otherwise be mapped
/// and page-faulted anew on every call (glibc maps blocks this large fresh each time), which cost a
/// 2048³ product 15 % of its speed. A buffer is lent to one caller at a time; the pool keeps as many as
/// were ever in use at once.
final class ScratchPool: Sendable {
    static let shared = ScratchPool()

    private let free = Mutex<[(pointer: UnsafeMutablePointer<Float>, count: Int)]>([])

    func withBuffer<R>(floats: Int, _ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        let count = Swift.max(1, floats)
        let taken = free.withLock { list -> (pointer: UnsafeMutablePointer<Float>, count: Int)? in
            guard let i = list.firstIndex(where: { $0.count >= count }) else { return nil }
            return list.remove(at: i)
        }
        let buffer = taken ?? (UnsafeMutablePointer<Float>.allocate(capacity: count), count)
        defer {
            free.withLock { list in
                list.append(buffer)
                // Smallest first: a request takes the smallest buffer that fits.
                list.sort { $0.count < $1.count }
            }
        }
        return try body(buffer.pointer)
    }
}

/// How GEMMs use the cores: the engine's split of one product.
public enum BLASThreads {
    /// Loops running on every worker that issue GEMMs (`withSingleThreadedBLAS`): while any runs,
    /// GEMMs are not split again.
    static let serialRegions = Atomic<Int>(0)

    /// Workers for one product: one below about 4 M multiply-adds (splitting costs more than it saves).
    static func workers(m: Int, n: Int, k: Int) -> Int {
        let threads = Engine.threads
        guard threads > 1, serialRegions.load(ordering: .relaxed) == 0,
              Double(m) * Double(n) * Double(k) >= 4_194_304 else { return 1 }
        return Swift.min(threads, (Swift.max(m, n) + 15) / 16)
    }
}

/// Runs `body`, a loop that already spreads its work (and its GEMMs) over every worker, without
/// splitting those GEMMs again: two levels of threading would oversubscribe the cores.
func withSingleThreadedBLAS<T>(_ body: () -> T) -> T {
    BLASThreads.serialRegions.add(1, ordering: .relaxed)
    defer { BLASThreads.serialRegions.subtract(1, ordering: .relaxed) }
    return body()
}
