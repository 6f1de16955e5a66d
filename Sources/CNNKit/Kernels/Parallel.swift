import CCPU
import Dispatch
import Synchronization

/// Engine-wide settings. `threads` splits work over cores, both in the engine's own loops and in GEMMs
/// (GEMM.swift); it defaults to every core the process may use.
public enum Engine {
    private static let threadCount = Atomic<Int>(max(1, Int(cnns_cpu_count())))
    private static let cancelFlag = Atomic<Bool>(false)

    public static var threads: Int {
        get { threadCount.load(ordering: .relaxed) }
        set {
            let n = max(1, newValue)
            threadCount.store(n, ordering: .relaxed)
        }
    }

    /// Set from a signal handler to ask long-running work to stop at the next safe point.
    public static func requestCancel() { cancelFlag.store(true, ordering: .relaxed) }
    public static func clearCancel() { cancelFlag.store(false, ordering: .relaxed) }
    public static var isCancelled: Bool { cancelFlag.load(ordering: .relaxed) }

    /// Throws `CancelledError` when a cancel was requested; long loops call this between chunks.
    public static func checkCancel() throws {
        if isCancelled { throw CancelledError() }
    }
}

/// Thrown when the user interrupts a computation (Ctrl-C).
public struct CancelledError: Error, CustomStringConvertible, Sendable {
    public init() {}
    public var description: String { "interrupted" }
}

/// Runs `body(i)` for i in 0..<count, split into contiguous chunks over `Engine.threads` workers.
/// Small jobs run inline: dispatching costs microseconds, more than a tiny loop.
@inlinable
public func parallelFor(_ count: Int, minChunk: Int = 1, _ body: (Int) -> Void) {
    let workers = min(Engine.threads, max(1, count / max(1, minChunk)))
    if workers <= 1 || count <= 1 {
        for i in 0..<count { body(i) }
        return
    }
    withoutActuallyEscaping(body) { body in
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            let lo = count * w / workers
            let hi = count * (w + 1) / workers
            for i in lo..<hi { body(i) }
        }
    }
}
