import CNNKit
import Foundation

/// An optimizer as a value: `opt.lr` reads and sets the learning rate; it keeps its own state
/// (momentum, Adam's moments) for the parameters it has stepped.
final class OptimizerObject: ScriptObject {
    let optimizer: Optimizer
    /// The constructor's other settings as written, e.g. `momentum: 0.9`.
    let settings: String

    init(_ optimizer: Optimizer, settings: String) {
        self.optimizer = optimizer
        self.settings = settings
    }

    var typeName: String { "optimizer" }
    var memberNames: [String] { ["lr", "name"] }

    func member(_ name: String) throws -> Value? {
        switch name {
        case "lr": return Value.float(optimizer.learningRate)
        case "name": return .string(String(optimizer.name.prefix { $0 != "(" }))
        default: return nil
        }
    }

    func setMember(_ name: String, _ value: Value) throws {
        guard name == "lr" else { throw RuntimeError("'\(name)' of an optimizer cannot be assigned (only lr can)") }
        guard let lr = value.asNumber, lr > 0, lr.isFinite else {
            throw RuntimeError("lr: expected a positive number, got \(value.brief)")
        }
        optimizer.learningRate = Float(lr)
    }

    /// The engine's own description when it gives one (`SGD(lr:0.1, momentum:0.9)`, always current),
    /// else the name with the settings as written.
    func describe(_ options: PrintOptions) -> String {
        if optimizer.name.contains("(") { return optimizer.name }
        let lr = Value.float(optimizer.learningRate).brief
        return "\(optimizer.name)(lr: \(lr)\(settings.isEmpty ? "" : ", " + settings))"
    }
}

/// A learning-rate schedule for `fit(…, schedule:)`, made by `step_lr` or `cosine_lr`.
final class ScheduleObject: ScriptObject {
    let schedule: Schedule
    init(_ schedule: Schedule) { self.schedule = schedule }

    var typeName: String { "schedule" }
    var memberNames: [String] { [] }
    func member(_ name: String) throws -> Value? { nil }

    func describe(_ options: PrintOptions) -> String {
        switch schedule {
        case .constant: return "schedule: constant"
        case .step(let every, let gamma):
            return "schedule: step (lr × \(Value.float(gamma).brief) every \(every) epoch\(every == 1 ? "" : "s"))"
        case .cosine(let epochs, let minimum):
            return "schedule: cosine (down to \(Value.float(minimum).brief) over \(epochs) epoch\(epochs == 1 ? "" : "s"))"
        }
    }
}

/// What `fit` returns: per-epoch loss and accuracy (and validation ones) as 1-D tensors, printed as a
/// small table.
final class HistoryObject: ScriptObject {
    let history: History
    init(_ history: History) { self.history = history }

    var typeName: String { "history" }
    var memberNames: [String] { ["loss", "accuracy", "acc", "val_loss", "val_acc", "epochs", "interrupted"] }

    func member(_ name: String) throws -> Value? {
        func series(_ values: [Float]) throws -> Value { .tensor(try Tensor(shape: [values.count], scalars: values)) }
        switch name {
        case "loss": return try series(history.loss)
        case "accuracy", "acc": return try series(history.accuracy)
        case "val_loss": return try series(history.valLoss)
        case "val_acc", "val_accuracy": return try series(history.valAccuracy)
        case "epochs": return .number(Double(history.loss.count))
        case "interrupted": return .bool(history.interrupted)
        default: return nil
        }
    }

    /// ```
    /// history: 2 epochs
    /// epoch    loss     acc  val_loss  val_acc
    ///     1  0.4123  0.8512    0.3900   0.8600
    /// ```
    func describe(_ options: PrintOptions) -> String {
        let h = history
        let n = h.loss.count
        var head = "history: \(n) epoch\(n == 1 ? "" : "s")"
        if h.interrupted { head += " (interrupted)" }
        guard n > 0 else { return head }
        var columns: [(String, [Float])] = [("loss", h.loss), ("acc", h.accuracy)]
        if !h.valLoss.isEmpty { columns.append(("val_loss", h.valLoss)) }
        if !h.valAccuracy.isEmpty { columns.append(("val_acc", h.valAccuracy)) }
        func cell(_ s: String, _ w: Int) -> String { String(repeating: " ", count: max(0, w - s.count)) + s }
        let widths = columns.map { max($0.0.count, 6) }
        var lines = [head, "epoch" + zip(columns, widths).map { "  " + cell($0.0.0, $0.1) }.joined()]
        for e in 0..<n {
            var line = cell(String(e + 1), 5)
            for (c, w) in zip(columns, widths) {
                line += "  " + cell(e < c.1.count ? String(format: "%.4f", Double(c.1[e])) : "", w)
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}

/// What `evaluate` returns: loss, accuracy and the confusion matrix (rows: true class, columns:
/// predicted), printed with the class names.
final class EvaluationObject: ScriptObject {
    let evaluation: Evaluation
    init(_ evaluation: Evaluation) { self.evaluation = evaluation }

    var typeName: String { "evaluation" }
    var memberNames: [String] { ["loss", "accuracy", "acc", "confusion", "classes", "samples"] }

    func member(_ name: String) throws -> Value? {
        let e = evaluation
        switch name {
        case "loss": return Value.float(e.loss)
        case "accuracy", "acc": return Value.float(e.accuracy)
        case "confusion":
            let k = e.confusion.count
            let flat = e.confusion.flatMap { row in (0..<k).map { $0 < row.count ? Float(row[$0]) : 0 } }
            return .tensor(try Tensor(shape: [k, k], scalars: flat))
        case "classes": return .list(e.classNames.map { .string($0) })
        case "samples": return .number(Double(e.confusion.reduce(0) { $0 + $1.reduce(0, +) }))
        default: return nil
        }
    }

    func describe(_ options: PrintOptions) -> String {
        ConfusionMatrix.report(evaluation)
    }
}
