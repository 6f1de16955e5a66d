import Dispatch

public enum LossKind: String, Sendable { case crossEntropy = "cross_entropy", nll, mse }

public struct FitOptions: Sendable {
    public var epochs = 1
    public var batchSize = 32
    public var shuffle = true
    public var seed: UInt64 = 0
    public var schedule: Schedule = .constant
    public var loss: LossKind = .crossEntropy
    public init() {}
}

/// What `fit` reports as it goes: after every batch (`phase == .batch`) and at the end of each epoch.
public struct FitProgress: Sendable {
    public enum Phase: Sendable { case batch, epochEnd }
    public var phase: Phase
    public var epoch: Int           // 1-based
    public var epochs: Int
    public var batch: Int           // 1-based, within the epoch
    public var batches: Int
    public var imagesPerSecond: Double
    public var elapsed: Double      // seconds in this epoch
    public var loss: Float          // running mean over the epoch so far
    public var accuracy: Float      // running, 0…1
    public var valLoss: Float?      // at epochEnd when validation data was given
    public var valAccuracy: Float?

    public init(phase: Phase, epoch: Int, epochs: Int, batch: Int, batches: Int, imagesPerSecond: Double,
                elapsed: Double, loss: Float, accuracy: Float, valLoss: Float? = nil, valAccuracy: Float? = nil) {
        self.phase = phase; self.epoch = epoch; self.epochs = epochs; self.batch = batch; self.batches = batches
        self.imagesPerSecond = imagesPerSecond; self.elapsed = elapsed; self.loss = loss; self.accuracy = accuracy
        self.valLoss = valLoss; self.valAccuracy = valAccuracy
    }
}

/// Per-epoch means of the training loss and accuracy (running over the epoch's batches, as Keras
/// reports them) and, with validation data, the validation loss and accuracy after the epoch.
public struct History: Sendable {
    public var loss: [Float] = []
    public var accuracy: [Float] = []
    public var valLoss: [Float] = []
    public var valAccuracy: [Float] = []
    /// True when the user stopped training (Ctrl-C) before the last epoch finished. The last entries
    /// of `loss`/`accuracy` then cover the batches of the interrupted epoch that ran (if any).
    public var interrupted = false
    public init() {}
}

public struct Evaluation: Sendable {
    public var loss: Float
    public var accuracy: Float
    /// confusion[true][predicted] counts.
    public var confusion: [[Int]]
    public var classNames: [String]

    public init(loss: Float, accuracy: Float, confusion: [[Int]], classNames: [String]) {
        self.loss = loss; self.accuracy = accuracy; self.confusion = confusion; self.classNames = classNames
    }
}

public enum Training {
    /// Trains `model` on `data` with mini-batches: each epoch draws a fresh order from `options.seed`
    /// and the epoch number, sets the rate from `options.schedule`, and per batch forgets the
    /// gradients, runs forward, the loss, backward and `optimizer.step`. Validation (no graph,
    /// inference mode) follows each epoch. The model is left in inference mode and the optimizer at
    /// its base rate.
    ///
    /// Stops cleanly between batches when `Engine.isCancelled` (or when an op inside a batch throws
    /// `CancelledError`; that batch's update is not applied), keeping the weights learned so far and
    /// setting `History.interrupted`; the cancel flag is left for the caller to clear. The same seed,
    /// model initialisation and data give the same run. Calls `AllocatorTuning.retainFreedMemory()`.
    public static func fit(_ model: Module, data: Dataset, optimizer: Optimizer, options: FitOptions,
                           validation: Dataset? = nil, progress: (FitProgress) -> Void = { _ in }) throws -> History {
        let op = "fit"
        guard options.epochs >= 1 else { throw OpError(op, "epochs must be ≥ 1, got \(options.epochs)") }
        guard options.batchSize >= 1 else { throw OpError(op, "batch size must be ≥ 1, got \(options.batchSize)") }
        try options.schedule.validate()
        guard data.count > 0 else { throw OpError(op, "the training data \(data.name) is empty") }
        let width = try outputWidth(model, data, op: op)
        if let validation {
            guard validation.sampleShape == data.sampleShape else {
                throw OpError(op, "validation samples are \(Shape.describe(validation.sampleShape)) but training samples are \(Shape.describe(data.sampleShape))")
            }
            _ = try outputWidth(model, validation, op: op)
        }

        AllocatorTuning.retainFreedMemory()
        let parameters = model.parameters().filter(\.requiresGrad)
        let baseRate = optimizer.learningRate
        defer {
            optimizer.learningRate = baseRate
            model.setTraining(false)
        }
        var history = History()
        for epoch in 1...options.epochs {
            optimizer.learningRate = options.schedule.rate(base: baseRate, epoch: epoch - 1)
            // SplitMix-style mixing: neighbouring epochs and seeds give unrelated orders.
            let epochSeed = (options.seed &+ UInt64(epoch) &* 0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03
            let batches = try data.batches(size: options.batchSize, shuffle: options.shuffle, seed: epochSeed)
            model.setTraining(true)
            let start = DispatchTime.now().uptimeNanoseconds
            var lossSum = 0.0, correct = 0, seen = 0
            var report = FitProgress(phase: .batch, epoch: epoch, epochs: options.epochs, batch: 0,
                                     batches: batches.count, imagesPerSecond: 0, elapsed: 0, loss: 0, accuracy: 0)

            for b in 0..<batches.count {
                if Engine.isCancelled { history.interrupted = true; break }
                guard let (x, y) = batches.batch(b) else { break }
                let result: (loss: Float, correct: Int)
                do {
                    result = try trainStep(model, parameters, x: x, y: y, width: width, loss: options.loss)
                    try optimizer.step(parameters)
                } catch is CancelledError {
                    history.interrupted = true
                    break
                }
                let n = y.count
                lossSum += Double(result.loss) * Double(n)
                correct += result.correct
                seen += n
                report.batch = b + 1
                report.elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                report.imagesPerSecond = report.elapsed > 0 ? Double(seen) / report.elapsed : 0
                report.loss = Float(lossSum / Double(seen))
                report.accuracy = Float(correct) / Float(seen)
                progress(report)
            }
            if seen > 0 {
                history.loss.append(report.loss)
                history.accuracy.append(report.accuracy)
            }
            if history.interrupted { break }

            report.phase = .epochEnd
            if let validation, validation.count > 0 {
                do {
                    let v = try measure(model, validation, batchSize: max(options.batchSize, 256), loss: options.loss, width: width, op: op)
                    history.valLoss.append(v.loss)
                    history.valAccuracy.append(v.accuracy)
                    report.valLoss = v.loss
                    report.valAccuracy = v.accuracy
                } catch is CancelledError {
                    history.interrupted = true
                    break
                }
            }
            report.elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            progress(report)
        }
        return history
    }

    /// Loss (mean per sample), accuracy and the confusion matrix of `model` on `data`, in inference
    /// mode without a graph; the model's modes are restored afterwards. The matrix is C×C over the data
    /// set's classes (wider when the model has more outputs; extra classes are named by index).
    /// `progress(done, total)` is called after every batch (for a progress bar); Ctrl-C
    /// (`Engine.requestCancel`) stops between batches with `CancelledError`.
    public static func evaluate(_ model: Module, data: Dataset, batchSize: Int = 256, loss: LossKind = .crossEntropy,
                                progress: (Int, Int) -> Void = { _, _ in }) throws -> Evaluation {
        let op = "evaluate"
        guard batchSize >= 1 else { throw OpError(op, "batch size must be ≥ 1, got \(batchSize)") }
        guard data.count > 0 else { throw OpError(op, "the data set \(data.name) is empty") }
        let width = try outputWidth(model, data, op: op)
        let m = try measure(model, data, batchSize: batchSize, loss: loss, width: width, op: op, progress: progress)
        var names = data.classNames
        if names.count < m.confusion.count {
            names += (names.count..<m.confusion.count).map { "class \($0)" }
        }
        return Evaluation(loss: m.loss, accuracy: m.accuracy, confusion: m.confusion, classNames: names)
    }

    /// Class probabilities (softmax of the model's outputs over axis 1), N×classes, computed in
    /// batches along axis 0 without a graph in inference mode; the model's modes are restored.
    public static func predict(_ model: Module, _ x: Tensor, batchSize: Int = 256) throws -> Tensor {
        let op = "predict"
        guard batchSize >= 1 else { throw OpError(op, "batch size must be ≥ 1, got \(batchSize)") }
        guard x.rank >= 1 else { throw OpError(op, "expects a batch of inputs N×…, got a scalar") }
        let outShape = try model.outputShape(for: x.shape)
        guard outShape.count >= 2 else {
            throw OpError(op, "the model's output \(Shape.describe(outShape)) for input \(Shape.describe(x.shape)) has no class axis; it needs N×classes")
        }
        return try inInferenceMode(model) {
            var scalars: [Float] = []
            scalars.reserveCapacity(outShape.reduce(1, *))
            var lo = 0
            while lo < x.shape[0] {
                let hi = min(x.shape[0], lo + batchSize)
                let out = try model(rows(x, lo, hi)).softmax(axis: 1)
                scalars += out.scalars
                lo = hi
            }
            return try Tensor(shape: outShape, scalars: scalars)
        }
    }

    // MARK: - Steps

    /// One training step up to the gradients; returns the batch loss and the correct count. The graph
    /// dies on return, so the optimizer then updates weights no graph still shares (no copies).
    static func trainStep(_ model: Module, _ parameters: [Variable], x: Tensor, y: Tensor, width: Int,
                          loss kind: LossKind) throws -> (loss: Float, correct: Int) {
        for p in parameters { p.grad = nil }
        let out = try model.forward(Variable(x))
        let loss = try lossValue(out, y, width: width, kind: kind)
        try Autograd.backward(loss)
        return (loss.value.scalars.first ?? .nan, correctCount(out.value, y))
    }

    static func lossValue(_ out: Variable, _ y: Tensor, width: Int, kind: LossKind) throws -> Variable {
        switch kind {
        case .crossEntropy: return try Loss.crossEntropy(out, labels: y)
        case .nll: return try Loss.nll(out, labels: y)
        case .mse: return try Loss.mse(out, Variable(oneHot(y, width: width)))
        }
    }

    /// Labels N → one-hot N×width (targets for `mse`).
    static func oneHot(_ y: Tensor, width: Int) throws -> Tensor {
        var t = try Tensor(shape: [y.count, width], repeating: 0)
        for (i, label) in y.scalars.enumerated() {
            let k = Int(label)
            if k >= 0, k < width { t.scalars[i * width + k] = 1 }
        }
        return t
    }

    /// How many rows of `out` (N×C) have their largest value (first on ties) at the label.
    static func correctCount(_ out: Tensor, _ y: Tensor) -> Int {
        guard out.rank == 2, out.shape[0] == y.count else { return 0 }
        var correct = 0
        for (i, label) in y.scalars.enumerated() where argmaxRow(out, i) == Int(label) { correct += 1 }
        return correct
    }

    static func argmaxRow(_ out: Tensor, _ row: Int) -> Int {
        let c = out.shape[1]
        return out.scalars.withUnsafeBufferPointer { buf in
            var best = 0
            var value = buf[row * c]
            for k in 1..<max(1, c) where buf[row * c + k] > value {
                best = k; value = buf[row * c + k]
            }
            return best
        }
    }

    static func measure(_ model: Module, _ data: Dataset, batchSize: Int, loss kind: LossKind, width: Int,
                        op: String, progress: (Int, Int) -> Void = { _, _ in }) throws -> (loss: Float, accuracy: Float, confusion: [[Int]]) {
        let classes = max(width, data.classCount)
        var confusion = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
        var lossSum = 0.0, correct = 0
        try inInferenceMode(model) {
            let batches = try data.batches(size: batchSize)
            let total = (data.count + batchSize - 1) / batchSize
            var done = 0
            for (x, y) in batches {
                try Engine.checkCancel()
                defer { done += 1; progress(done, total) }
                let out = try model.forward(Variable(x))
                let l = try lossValue(out, y, width: width, kind: kind)
                lossSum += Double(l.value.scalars.first ?? .nan) * Double(y.count)
                for (i, label) in y.scalars.enumerated() {
                    let truth = Int(label), guess = argmaxRow(out.value, i)
                    if truth == guess { correct += 1 }
                    if truth >= 0, truth < classes { confusion[truth][guess] += 1 }
                }
            }
        }
        return (Float(lossSum / Double(data.count)), Float(correct) / Float(data.count), confusion)
    }

    /// Runs `body` without a graph, every module in inference mode, then restores each module's mode.
    static func inInferenceMode<T>(_ model: Module, _ body: () throws -> T) throws -> T {
        let modes = model.modules().map { ($0, $0.isTraining) }
        model.setTraining(false)
        defer { for (m, on) in modes { m.isTraining = on } }
        return try Autograd.noGrad(body)
    }

    /// Checks that `model` maps `data`'s samples to N×C scores with a column for every label; returns C.
    static func outputWidth(_ model: Module, _ data: Dataset, op: String) throws -> Int {
        let out = try model.outputShape(for: [1] + data.sampleShape)
        guard out.count == 2, out[1] >= 1 else {
            throw OpError(op, "the model maps a \(Shape.describe([1] + data.sampleShape)) input to \(Shape.describe(out)); training needs N×classes scores (end with Flatten and Dense)")
        }
        let largest = data.y.scalars.max() ?? 0
        guard largest < Float(out[1]), data.y.scalars.allSatisfy({ $0 >= 0 && $0 == $0.rounded() }) else {
            throw OpError(op, "labels of \(data.name) run up to \(Int(largest)) but the model gives \(out[1]) class scores")
        }
        return out[1]
    }

    /// Rows lo..<hi along axis 0.
    static func rows(_ x: Tensor, _ lo: Int, _ hi: Int) throws -> Tensor {
        let row = x.shape.dropFirst().reduce(1, *)
        return try Tensor(shape: [hi - lo] + x.shape.dropFirst(), scalars: Array(x.scalars[lo * row ..< hi * row]))
    }
}
