import Foundation

/// How a long pass over bytes (reading a file, inflating gzip data) tells its caller how far it has
/// come. The engine calls `report(done, total)` once at the start with `done == 0`, then every `step`
/// bytes or so, and last with `done == total`; `done` never decreases. The engine knows nothing of how
/// progress is shown: the language decides (a redrawn line on a terminal, nothing in a pipe).
///
/// Cancellation: every pass that reports also calls `Engine.checkCancel()` between its chunks, so
/// Ctrl-C stops a long load there; `report` may throw too (a `CancelledError`), which stops the pass
/// the same way (tests use this to cancel one load without the process-wide flag).
public struct ByteProgress {
    /// 4 MiB: a 50 MB file moves the bar a dozen times, and the calls cost nothing next to the I/O.
    public static let defaultStep = 4 << 20

    /// Bytes between reports (and the size of the chunks the pass works in). At least 1.
    public var step: Int
    public var report: (_ done: Int, _ total: Int) throws -> Void

    public init(step: Int = ByteProgress.defaultStep, _ report: @escaping (_ done: Int, _ total: Int) throws -> Void) {
        self.step = max(1, step)
        self.report = report
    }
}

/// Adds up the progress of the parts of one job into one report: the four files of a data set read
/// side by side, the read and the inflate pass over one gzip file. Part `k` owns a share `weights[k]`
/// of the job (in the job's units, e.g. bytes on disk) and reports its own (done, total), scaled into
/// that share; the job reports the sum, which only rises, from 0 to `total` (the sum of the weights).
///
/// Parts may report from different threads: the job's report is called under a lock, never
/// concurrently, and only when the sum has grown (the first report, with 0, always goes through).
public final class ProgressTally: @unchecked Sendable {
    public let total: Int
    private let job: ByteProgress
    private let weights: [Int]
    private var shares: [Int]
    private var reported = -1
    private let lock = NSLock()

    public init(weights: [Int], job: ByteProgress) {
        self.weights = weights.map { max(0, $0) }
        self.shares = Array(repeating: 0, count: weights.count)
        self.total = self.weights.reduce(0, +)
        self.job = job
    }

    /// The progress of part `index`, reporting with the job's step.
    public func part(_ index: Int) -> ByteProgress {
        ByteProgress(step: job.step) { [self] done, partTotal in try self.update(index, done: done, of: partTotal) }
    }

    /// Marks part `index` finished (a pass with nothing to report, such as inflating a file that was
    /// not compressed).
    public func finish(_ index: Int) throws {
        try update(index, done: 1, of: 1)
    }

    private func update(_ index: Int, done: Int, of partTotal: Int) throws {
        guard weights.indices.contains(index) else { return }
        let weight = weights[index]
        let share = done >= partTotal ? weight
            : Int((Double(weight) * Double(max(0, done)) / Double(max(1, partTotal))).rounded(.down))
        lock.lock()
        defer { lock.unlock() }
        shares[index] = max(shares[index], min(share, weight))
        let sum = shares.reduce(0, +)
        guard sum > reported else { return }
        reported = sum
        try job.report(sum, total)
    }
}
