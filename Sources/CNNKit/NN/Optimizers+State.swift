// Exporting and restoring an optimizer's per-parameter state, so training can stop (a saved session)
// and continue later exactly as if it had never stopped.

/// One parameter's optimizer state, as `Optimizer.exportState` gives it and `restoreState` takes it.
///
/// - SGD with momentum: `first` is the momentum buffer `b`; `second` is empty. `steps` counts the
///   updates so far; 0 means the next update starts the buffer afresh (`b = g`, as PyTorch's first step).
///   SGD without momentum keeps no state.
/// - Adam and AdamW: `first` is the first moment `m`, `second` the second moment `v`, and `steps` is
///   the per-parameter `t` of the bias corrections.
///
/// Buffers have the parameter's element count, in its row-major order.
public struct OptimizerStateEntry {
    public var parameter: Variable
    public var steps: Int
    public var first: [Float]
    public var second: [Float]

    /// The largest step count accepted: a count read from a file must leave room to go on counting
    /// (and 2⁵³ is the largest every JSON reader keeps exactly).
    public static let maxSteps = 1 << 53

    public init(parameter: Variable, steps: Int, first: [Float], second: [Float] = []) {
        self.parameter = parameter
        self.steps = steps
        self.first = first
        self.second = second
    }
}

extension ParameterStateTable {
    /// Copies of the states whose buffers still fit their parameter (a parameter whose size changed
    /// would start afresh at its next step anyway).
    func export() -> [OptimizerStateEntry] {
        states.filter { $0.first.count == $0.parameter.value.count }
            .map { OptimizerStateEntry(parameter: $0.parameter, steps: $0.steps, first: $0.first, second: $0.second) }
    }

    /// Checks every entry against this table's buffer count, then replaces the state.
    func restore(_ entries: [OptimizerStateEntry], op: String) throws {
        var seen = Set<ObjectIdentifier>()
        for (i, e) in entries.enumerated() {
            let what = "state entry \(i) (parameter \(Shape.describe(e.parameter.shape)))"
            let n = e.parameter.value.count
            guard seen.insert(ObjectIdentifier(e.parameter)).inserted else {
                throw OpError(op, "\(what) names a parameter that an earlier entry already has")
            }
            guard e.steps >= 0, e.steps <= OptimizerStateEntry.maxSteps else {
                throw OpError(op, "\(what) has step count \(e.steps); it must be in 0…\(OptimizerStateEntry.maxSteps)")
            }
            guard e.first.count == n else {
                throw OpError(op, "\(what): its \(buffers == 1 ? "momentum buffer" : "first moment") has \(e.first.count) values but the parameter has \(n)")
            }
            if buffers >= 2 {
                guard e.second.count == n else {
                    throw OpError(op, "\(what): its second moment has \(e.second.count) values but the parameter has \(n)")
                }
            } else {
                guard e.second.isEmpty else {
                    throw OpError(op, "\(what) has a second buffer (\(e.second.count) values), which \(op) does not keep")
                }
            }
        }
        replace(with: entries)
    }
}

extension SGD {
    public func exportState() -> [OptimizerStateEntry] {
        momentum == 0 ? [] : table.export()
    }

    public func restoreState(_ entries: [OptimizerStateEntry]) throws {
        guard momentum != 0 || entries.isEmpty else {
            throw OpError("SGD", "without momentum SGD keeps no state, but \(entries.count) state entr\(entries.count == 1 ? "y was" : "ies were") given")
        }
        try table.restore(entries, op: "SGD")
    }
}

extension Adam {
    public func exportState() -> [OptimizerStateEntry] { table.export() }

    public func restoreState(_ entries: [OptimizerStateEntry]) throws {
        try table.restore(entries, op: decoupled ? "AdamW" : "Adam")
    }
}
