import Foundation
import CNNKit
import Dispatch

/// Losses, optimizers, schedules and the training loop.
extension Builtins {
    /// A loss: always through the differentiable op, so `backward` works on its result; on plain
    /// tensors (or inside no_grad) the result is a plain one-value tensor.
    private static func loss(_ name: String, _ summary: String, _ first: (String, String), _ second: (String, String),
                             shapes: String, example: String,
                             _ compute: @escaping (BoundArguments) throws -> Variable) -> Builtin {
        Builtin(name: name, group: .training, summary: summary,
                parameters: [.required(first.0, first.1), .required(second.0, second.1)],
                shapes: shapes, notes: "The mean over the batch (PyTorch's default reduction).", example: example,
                body: { a, _ in .tensor(try compute(a)) })
    }

    /// `SGD(…)`, `Adam(…)`: a positive, finite learning rate.
    private static func learningRate(_ a: BoundArguments) throws -> Float {
        let lr = try a.number("lr")
        guard lr > 0, lr.isFinite else { throw a.fail("lr", "a positive number", got: a["lr"]) }
        return Float(lr)
    }

    private static func unit(_ a: BoundArguments, _ name: String, open: Bool = true) throws -> Float {
        let v = try a.number(name)
        guard v >= 0, open ? v < 1 : v <= 1 else { throw a.fail(name, open ? "a number in [0, 1)" : "a number in [0, 1]", got: a[name]) }
        return Float(v)
    }

    private static func nonNegative(_ a: BoundArguments, _ name: String) throws -> Float {
        let v = try a.number(name)
        guard v >= 0, v.isFinite else { throw a.fail(name, "a number ≥ 0", got: a[name]) }
        return Float(v)
    }

    /// The settings of an optimizer that differ from their defaults, as written (`momentum: 0.9`).
    private static func settings(_ a: BoundArguments, _ names: [String]) -> String {
        names.filter { a.isGiven($0) && a.values[$0]?.pos != a.callPos }
            .map { "\($0): \(a[$0].brief)" }.joined(separator: ", ")
    }

    static let training: [Builtin] = [
        loss("cross_entropy", "Softmax cross-entropy of logits against class labels (log-softmax and NLL fused, stable).",
             ("logits", "N×classes raw scores (no softmax)"), ("labels", "N class indices"),
             shapes: "N×C, N → a single value",
             example: "cross_entropy(tensor([[2, 0.5], [0, 1]]), tensor([0, 1]))") { a in
            try Loss.crossEntropy(try a.variable("logits"), labels: try a.tensor("labels"))
        },
        loss("nll", "Negative log-likelihood of log-probabilities (log_softmax output) against class labels.",
             ("logp", "N×classes log-probabilities"), ("labels", "N class indices"),
             shapes: "N×C, N → a single value",
             example: "nll(log_softmax(tensor([[2, 0.5], [0, 1]])), tensor([0, 1]))") { a in
            try Loss.nll(try a.variable("logp"), labels: try a.tensor("labels"))
        },
        loss("mse", "Mean squared error.", ("x", "a tensor"), ("target", "a tensor of the same (or a broadcastable) shape"),
             shapes: "x, target → a single value",
             example: "mse(tensor([1, 2]), tensor([1, 4]))") { a in
            try Loss.mse(try a.variable("x"), try a.variable("target"))
        },
        Builtin(
            name: "SGD", group: .training,
            summary: "Stochastic gradient descent, with optional momentum (Nesterov's too) and weight decay.",
            parameters: [.labeled("lr", .number(0.01), "learning rate"),
                         .labeled("momentum", .number(0), "momentum factor in [0, 1)"),
                         .labeled("nesterov", .bool(false), "Nesterov momentum"),
                         .labeled("decay", .number(0), "L2 weight decay")],
            example: "SGD(lr:0.1, momentum:0.9)",
            body: { a, _ in
                let opt = try Optimizers.sgd(lr: try learningRate(a), momentum: try unit(a, "momentum"),
                                             nesterov: try a.bool("nesterov"), weightDecay: try nonNegative(a, "decay"))
                return .object(OptimizerObject(opt, settings: settings(a, ["momentum", "nesterov", "decay"])))
            }),
        Builtin(
            name: "Adam", group: .training,
            summary: "Adam (Kingma & Ba); decay: adds L2 weight decay to the gradient, as PyTorch's Adam.",
            parameters: [.labeled("lr", .number(0.001), "learning rate"),
                         .labeled("beta1", .number(0.9), "decay of the first moment"),
                         .labeled("beta2", .number(0.999), "decay of the second moment"),
                         .labeled("eps", .number(1e-8), "added to the denominator"),
                         .labeled("decay", .number(0), "L2 weight decay")],
            example: "Adam(lr:1e-3)",
            body: { a, _ in
                let opt = try Optimizers.adam(lr: try learningRate(a), beta1: try unit(a, "beta1"), beta2: try unit(a, "beta2"),
                                              eps: try a.float("eps"), weightDecay: try nonNegative(a, "decay"))
                return .object(OptimizerObject(opt, settings: settings(a, ["beta1", "beta2", "eps", "decay"])))
            }),
        Builtin(
            name: "AdamW", group: .training,
            summary: "Adam with decoupled weight decay (Loshchilov & Hutter), as PyTorch's AdamW.",
            parameters: [.labeled("lr", .number(0.001), "learning rate"),
                         .labeled("beta1", .number(0.9), "decay of the first moment"),
                         .labeled("beta2", .number(0.999), "decay of the second moment"),
                         .labeled("eps", .number(1e-8), "added to the denominator"),
                         .labeled("decay", .number(0.01), "decoupled weight decay")],
            example: "AdamW(lr:1e-3, decay:0.05)",
            body: { a, _ in
                let opt = try Optimizers.adamW(lr: try learningRate(a), beta1: try unit(a, "beta1"), beta2: try unit(a, "beta2"),
                                               eps: try a.float("eps"), weightDecay: try nonNegative(a, "decay"))
                return .object(OptimizerObject(opt, settings: settings(a, ["beta1", "beta2", "eps", "decay"])))
            }),
        Builtin(
            name: "step", group: .training,
            summary: "One optimizer update of a model's parameters (or a list of param() tensors) from their .grad.",
            parameters: [.required("opt", "an optimizer: SGD(…), Adam(…), AdamW(…)"),
                         .required("params", "a model, or tensors made with param(x)")],
            notes: "A hand-written loop: zero_grad(model); loss = cross_entropy(model(x), y); backward(loss); step(opt, model).",
            example: "m = Dense(2, 2); opt = SGD(lr:0.1); backward(mse(m(ones(1, 2)), zeros(1, 2))); step(opt, m)",
            body: { a, _ in
                guard case .object(let o as OptimizerObject) = a["opt"] else {
                    throw a.fail("opt", "an optimizer (SGD, Adam or AdamW)", got: a["opt"])
                }
                try Autograd.noGrad { try o.optimizer.step(try trackedTensors(a["params"], a, "params")) }
                return .none
            }),
        Builtin(
            name: "step_lr", group: .training,
            summary: "A schedule for fit: multiply the learning rate by gamma every `every` epochs.",
            parameters: [.labeled("every", .number(1), "epochs between reductions"),
                         .labeled("gamma", .number(0.1), "the factor, in (0, 1]")],
            example: "step_lr(every:2, gamma:0.5)",
            body: { a, _ in
                let g = try a.number("gamma")
                guard g > 0, g <= 1 else { throw a.fail("gamma", "a number in (0, 1]", got: a["gamma"]) }
                return .object(ScheduleObject(.step(every: try a.positiveInt("every"), gamma: Float(g))))
            }),
        Builtin(
            name: "cosine_lr", group: .training,
            summary: "A schedule for fit: the learning rate follows a cosine from its start down to min: over epochs: epochs.",
            parameters: [.labeled("epochs", .none, shown: "fit's epochs", "length of the decay in epochs"),
                         .labeled("min", .number(0), "the final learning rate")],
            example: "cosine_lr(epochs:10, min:1e-5)",
            body: { a, _ in
                let m = try nonNegative(a, "min")
                let epochs = a.isGiven("epochs") ? try a.positiveInt("epochs") : 0
                return .object(ScheduleObject(.cosine(epochs: epochs, minimum: m)))
            }),
        Builtin(
            name: "fit", group: .training,
            summary: "Trains a model on a data set: shuffled mini-batches, an optimizer, optional validation; returns the history.",
            parameters: [.required("model", "a model"), .required("data", "a data set (or [x, y])"),
                         .labeled("epochs", .number(1), "passes over the data"),
                         .labeled("batch", .number(32), "samples per step"),
                         .labeled("opt", .none, shown: "Adam(lr: 0.001)", "the optimizer"),
                         .labeled("val", .none, shown: "", "a data set to evaluate after each epoch"),
                         .labeled("shuffle", .bool(true), "shuffle the samples every epoch"),
                         .labeled("seed", .none, shown: "from the session", "fixes the shuffling: the same seed gives the same run"),
                         .labeled("schedule", .none, shown: "constant", "\"step\", \"cosine\", step_lr(…) or cosine_lr(…)"),
                         .labeled("loss", .string("cross_entropy"), "\"cross_entropy\", \"nll\" or \"mse\""),
                         .labeled("verbose", .bool(true), "show progress (false: train silently)")],
            notes: """
            On a terminal a progress bar redraws in place (epoch, batch, ETA, images/s, loss, accuracy);
            in a pipe or file one line per epoch. Ctrl-C stops between batches and keeps what was learned.
            The model is in eval() mode afterwards.
            """,
            example: "hist = fit(lenet5(), shapes(n:256), epochs:1, batch:64, opt:Adam(lr:1e-3))",
            body: { a, i in try fit(a, i) }),
        Builtin(
            name: "evaluate", group: .training,
            summary: "Loss, accuracy and the confusion matrix of a model on a data set (printed; the result has them as members).",
            parameters: [.required("model", "a model"), .required("data", "a data set (or [x, y])"),
                         .labeled("batch", .number(256), "samples per forward pass"),
                         .labeled("loss", .string("cross_entropy"), "\"cross_entropy\", \"nll\" or \"mse\"")],
            example: "evaluate(lenet5(), shapes(n:64))",
            body: { a, i in
                let module = try a.layer("model")
                let data = try dataset(a, "data")
                let session = i.session
                let bar = FitProgressView(presentation: session.presentation)
                var lastDraw = 0.0
                let start = Date().timeIntervalSince1970
                // On a terminal a bar redraws in place while batches go by; in a pipe nothing extra.
                let e = try Training.evaluate(module, data: data, batchSize: try a.positiveInt("batch"), loss: try lossKind(a)) { done, total in
                    guard session.presentation.live else { return }
                    let now = Date().timeIntervalSince1970
                    if done == total {
                        session.output(FitProgressView.clearLine)
                    } else if now - lastDraw >= 0.1 {
                        lastDraw = now
                        let rate = Double(done * (data.count / max(total, 1))) / max(now - start, 1e-9)
                        session.output(FitProgressView.clearLine + "evaluating \(done)/\(total) " + bar.bar(Double(done) / Double(total))
                                       + " \(Int(rate.rounded())) img/s")
                    }
                }
                let result = EvaluationObject(e)
                i.emit(result.describe(i.session.printOptions))
                i.session.printedObject = result
                return .object(result)
            }),
        Builtin(
            name: "predict", group: .training,
            summary: "Class probabilities (softmax of the outputs) for a batch of inputs; argmax(p, axis:1) gives the classes.",
            parameters: [.required("model", "a model"), .required("x", "inputs N×C×H×W, or a data set"),
                         .labeled("batch", .number(256), "samples per forward pass")],
            shapes: "N×C×H×W → N×classes",
            example: "p = predict(lenet5(), shapes(n:8).x); argmax(p, axis:1)",
            body: { a, _ in
                let module = try a.layer("model")
                let x: Tensor
                if case .object(let d as DatasetObject) = a["x"] { x = d.dataset.x } else { x = try a.tensor("x") }
                return .tensor(try Training.predict(module, x, batchSize: try a.positiveInt("batch")))
            }),
    ]

    static func lossKind(_ a: BoundArguments) throws -> LossKind {
        LossKind(rawValue: try a.choice("loss", ["cross_entropy", "nll", "mse"])) ?? .crossEntropy
    }

    /// A data set argument: a data set, or `[x, y]`.
    static func dataset(_ a: BoundArguments, _ name: String) throws -> Dataset {
        switch a[name] {
        case .object(let d as DatasetObject): return d.dataset
        case .list(let items) where items.count == 2:
            guard let x = try Convert.tensor(items[0]), let y = try Convert.tensor(items[1]) else { break }
            return try Dataset(x: x, y: y)
        default: break
        }
        throw a.fail(name, "a data set (or [x, y])", got: a[name])
    }

    /// The schedule of `fit`: none, a name, or a schedule value. A cosine made without `epochs:`
    /// spans the whole run.
    private static func schedule(_ a: BoundArguments, epochs: Int) throws -> Schedule {
        switch a["schedule"] {
        case .none: return .constant
        case .string(let s) where s == "constant": return .constant
        case .string(let s) where s == "step": return .step(every: max(1, epochs / 3), gamma: 0.1)
        case .string(let s) where s == "cosine": return .cosine(epochs: epochs, minimum: 0)
        case .object(let o as ScheduleObject):
            if case .cosine(let e, let m) = o.schedule, e == 0 { return .cosine(epochs: epochs, minimum: m) }
            return o.schedule
        default:
            throw a.fail("schedule", "\"constant\", \"step\", \"cosine\", step_lr(…) or cosine_lr(…)", got: a["schedule"])
        }
    }

    private static func fit(_ a: BoundArguments, _ i: Interpreter) throws -> Value {
        let module = try a.layer("model")
        let data = try dataset(a, "data")
        var options = FitOptions()
        options.epochs = try a.positiveInt("epochs")
        options.batchSize = try a.positiveInt("batch")
        options.shuffle = try a.bool("shuffle")
        options.seed = a.isGiven("seed") ? UInt64(bitPattern: Int64(try a.int("seed"))) : i.session.rng.next()
        options.schedule = try schedule(a, epochs: options.epochs)
        options.loss = try lossKind(a)
        let optimizer: Optimizer
        switch a["opt"] {
        case .none: optimizer = try Optimizers.adam(lr: 1e-3)
        case .object(let o as OptimizerObject): optimizer = o.optimizer
        default: throw a.fail("opt", "an optimizer (SGD, Adam or AdamW)", got: a["opt"])
        }
        let validation = a.isGiven("val") ? try dataset(a, "val") : nil

        let session = i.session
        let verbose = try a.bool("verbose")
        var view = FitProgressView(presentation: session.presentation)
        var last: FitProgress?
        // Epoch results as they are reported: the history to return if the run is cut short by an
        // error-free interrupt the engine did not turn into `History.interrupted`.
        var seen = History()
        let start = DispatchTime.now().uptimeNanoseconds
        let report: (FitProgress) -> Void = { p in
            last = p
            if p.phase == .epochEnd {
                seen.loss.append(p.loss)
                seen.accuracy.append(p.accuracy)
                if let v = p.valLoss { seen.valLoss.append(v) }
                if let v = p.valAccuracy { seen.valAccuracy.append(v) }
            }
            let now = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            if verbose, let text = view.render(p, now: now) { session.output(text) }
        }
        var history: History
        do {
            history = try Training.fit(module, data: data, optimizer: optimizer, options: options,
                                       validation: validation, progress: report)
        } catch is CancelledError {
            history = seen
            history.interrupted = true
        }
        if history.interrupted {
            if verbose, session.presentation.live, last?.phase == .batch { session.output("\n") }
            let epoch = last.map { $0.phase == .epochEnd ? min($0.epoch + 1, $0.epochs) : $0.epoch } ?? 1
            let batch = last.map { $0.phase == .epochEnd ? 0 : $0.batch } ?? 0
            session.output(FitProgressView.stoppedLine(epoch: epoch, batch: batch, batches: last?.batches ?? 0,
                                                       live: false))
        }
        return .object(HistoryObject(history))
    }
}
