import Foundation

// Losses, each a scalar mean over the batch (PyTorch's default `reduction='mean'`).
// cross_entropy: logits N×C, labels N → []; nll: log-probabilities N×C, labels N → [];
// mse: x, target broadcastable → [].

/// Losses with their gradients; labels are class indices stored as float values.
public enum Loss {
    /// Cross-entropy from raw scores: `mean_i(logsumexp(logits[i]) − logits[i, label_i])`, as PyTorch's
    /// `cross_entropy` (no class weights, no label smoothing).
    ///
    /// Fused and stable: each row is shifted by its maximum before `exp`, so logits of ±1000 give a
    /// finite loss, and the gradient `(softmax − onehot)/N` is computed directly from the probabilities
    /// kept by the forward pass. Labels must be integer-valued with 0 ≤ label < C, one per row.
    public static func crossEntropy(_ logits: Variable, labels: Tensor) throws -> Variable {
        let x = logits.value
        let (n, c) = try rowsAndClasses(x, op: "cross_entropy", what: "logits")
        let targets = try classIndices(labels, rows: n, classes: c, op: "cross_entropy")
        var probabilities = [Float](repeating: 0, count: n * c)
        var rowLoss = [Double](repeating: 0, count: n)
        x.scalars.withUnsafeBufferPointer { src in
            probabilities.withUnsafeMutableBufferPointer { pbuf in
                rowLoss.withUnsafeMutableBufferPointer { lbuf in
                    guard let s = src.baseAddress, let p = pbuf.baseAddress, let l = lbuf.baseAddress else { return }
                    parallelFor(n, minChunk: Swift.max(1, 8192 / c)) { i in
                        let row = s + i * c, out = p + i * c
                        var m = -Float.infinity
                        for j in 0..<c { m = Swift.max(m, row[j]) }
                        var sum: Float = 0
                        for j in 0..<c {
                            let e = Foundation.exp(row[j] - m)
                            out[j] = e
                            sum += e
                        }
                        let r = 1 / sum
                        for j in 0..<c { out[j] *= r }
                        // log Σ exp(x − m) − (x_label − m): both terms stay small for any logits.
                        l[i] = Double(Foundation.log(sum)) - Double(row[targets[i]] - m)
                    }
                }
            }
        }
        let loss = Tensor(Float(rowLoss.reduce(0, +) / Double(n)))
        let probs = Tensor(unchecked: x.shape, scalars: probabilities)
        return Autograd.record(loss, parents: [logits]) { g in
            let scale = (g.scalarValue ?? 1) / Float(n)
            var grad = probs
            grad.scalars.withUnsafeMutableBufferPointer { buf in
                guard let d = buf.baseAddress else { return }
                forChunks(n * c) { lo, hi in for i in lo..<hi { d[i] *= scale } }
                for i in 0..<n { d[i * c + targets[i]] -= scale }
            }
            return [grad]
        }
    }

    /// Negative log-likelihood of log-probabilities: `−mean_i(logProbs[i, label_i])`, as PyTorch's
    /// `nll_loss`. The gradient is −1/N at each row's label and 0 elsewhere.
    public static func nll(_ logProbs: Variable, labels: Tensor) throws -> Variable {
        let x = logProbs.value
        let (n, c) = try rowsAndClasses(x, op: "nll", what: "log-probabilities")
        let targets = try classIndices(labels, rows: n, classes: c, op: "nll")
        var total = 0.0
        for i in 0..<n { total += Double(x.scalars[i * c + targets[i]]) }
        let loss = Tensor(Float(-total / Double(n)))
        let shape = x.shape
        return Autograd.record(loss, parents: [logProbs]) { g in
            let scale = (g.scalarValue ?? 1) / Float(n)
            var grad = [Float](repeating: 0, count: n * c)
            for i in 0..<n { grad[i * c + targets[i]] = -scale }
            return [Tensor(unchecked: shape, scalars: grad)]
        }
    }

    /// Mean squared error `mean((x − target)²)` over every element of the broadcast shape, as PyTorch's
    /// `mse_loss`. Both operands may require a gradient (`±2(x − target)/count`, un-broadcast).
    public static func mse(_ x: Variable, _ target: Variable) throws -> Variable {
        let difference: Tensor
        do {
            difference = try x.value - target.value
        } catch let error as OpError {
            throw OpError("mse", error.message)
        }
        let count = Float(difference.count)
        var total = 0.0
        for d in difference.scalars { total += Double(d) * Double(d) }
        let loss = Tensor(Float(total / Double(difference.count)))
        let sx = x.shape, st = target.shape
        let needX = x.requiresGrad, needT = target.requiresGrad
        return Autograd.record(loss, parents: [x, target]) { g in
            let scale = 2 * (g.scalarValue ?? 1) / count
            let d = difference.mapScalars { $0 * scale }
            return [needX ? try d.sum(toShape: sx) : nil, needT ? try d.sum(toShape: st).unary(.neg) : nil]
        }
    }

    // MARK: - Validation

    /// N and C of an N×C score matrix with at least one row.
    private static func rowsAndClasses(_ x: Tensor, op: String, what: String) throws -> (Int, Int) {
        guard x.rank == 2 else {
            throw OpError(op, "\(what) must be N×C (a batch of rows of class scores), got shape \(Shape.describe(x.shape))")
        }
        guard x.shape[0] > 0, x.shape[1] > 0 else {
            throw OpError(op, "\(what) of shape \(Shape.describe(x.shape)) are empty: need at least one row and one class")
        }
        return (x.shape[0], x.shape[1])
    }

    /// The labels as class indices: one per row, integer-valued, 0 ≤ label < classes.
    private static func classIndices(_ labels: Tensor, rows: Int, classes: Int, op: String) throws -> [Int] {
        guard labels.rank == 1, labels.count == rows else {
            throw OpError(op, "labels must be a vector of \(rows) class indices (one per row), got shape \(Shape.describe(labels.shape))")
        }
        return try labels.scalars.enumerated().map { i, v in
            guard v.isFinite, v.rounded() == v else {
                throw OpError(op, "label \(v) at position \(i) is not a class index (labels must be whole numbers)")
            }
            guard v >= 0, v < Float(classes) else {
                let shown = Swift.abs(v) < 1e15 ? String(Int(v)) : "\(v)"
                throw OpError(op, "label \(shown) at position \(i) is out of range for \(classes) classes (0…\(classes - 1))")
            }
            return Int(v)
        }
    }
}
