@testable import CNNKit
import Testing
import CNNTestSupport

/// A small classifier for 8×8 `shapes`: fast enough for debug builds.
func tinyClassifier(seed: UInt64, hidden: Int = 32) throws -> Sequential {
    var rng = RandomSource(seed: seed)
    return Sequential([Flatten(), try Dense(64, hidden, rng: &rng), Activation(.relu), try Dense(hidden, 10, rng: &rng)])
}

func weights(_ m: Module) -> [Float] { m.parameters().flatMap(\.value.scalars) }

// These tests need the differentiable ops (Variable.linear, relu, flatten, +, Loss.crossEntropy,
// batchNorm, conv, maxPool) to be real.
//
// Serialized, interruption included: `Autograd.noGrad` (used by evaluate and predict) and the cancel
// flag are process-wide, so a test inside either would disturb a neighbour's training run.
@Suite("NN: training, evaluation, prediction, interruption", .serialized)
struct NNTrainingTests {
    @Test("a tiny model learns shapes: accuracy well above chance in a few epochs")
    func learns() throws {
        let data = try Datasets.shapes(n: 400, size: 8, seed: 1)
        let test = try Datasets.shapes(n: 200, size: 8, seed: 2)
        let model = try tinyClassifier(seed: 3)
        var options = FitOptions()
        options.epochs = 6
        options.batchSize = 32
        options.seed = 4
        var batchReports = 0, epochReports = 0
        let history = try Training.fit(model, data: data, optimizer: try Optimizers.adam(lr: 0.01), options: options,
                                       validation: test) { p in
            if p.phase == .batch { batchReports += 1 } else {
                epochReports += 1
                #expect(p.valLoss != nil && p.valAccuracy != nil)
                #expect(p.batch == p.batches && p.batches == 13)
            }
        }
        #expect(batchReports == 6 * 13 && epochReports == 6)
        #expect(history.loss.count == 6 && history.accuracy.count == 6)
        #expect(history.valLoss.count == 6 && history.valAccuracy.count == 6)
        #expect(!history.interrupted)
        // Measured with plain reference ops: loss 2.15 → 0.26, train 0.31 → 0.975, validation 0.55 → 0.965.
        #expect(history.loss[5] < history.loss[0] * 0.5)
        #expect(history.accuracy[5] > 0.85, "train accuracy \(history.accuracy)")
        #expect(history.valAccuracy[5] > 0.8, "validation accuracy \(history.valAccuracy)")
        #expect(!model.isTraining)  // left in inference mode

        let eval = try Training.evaluate(model, data: test, batchSize: 64)
        #expect(abs(eval.accuracy - history.valAccuracy[5]) < 1e-6)
        #expect(abs(eval.loss - history.valLoss[5]) < 1e-4)
        #expect(eval.confusion.count == 10 && eval.confusion.allSatisfy { $0.count == 10 })
        #expect(eval.confusion.joined().reduce(0, +) == 200)
        let diagonal = (0..<10).reduce(0) { $0 + eval.confusion[$1][$1] }
        #expect(Float(diagonal) / 200 == eval.accuracy)
        for k in 0..<10 { #expect(eval.confusion[k].reduce(0, +) == test.classCounts[k]) }
        #expect(eval.classNames == Datasets.shapesClassNames)
    }

    @Test("the same seed gives the same run; another seed another order")
    func deterministic() throws {
        let data = try Datasets.shapes(n: 96, size: 8, seed: 5)
        func run(_ seed: UInt64) throws -> (History, [Float]) {
            let model = try tinyClassifier(seed: 6, hidden: 16)
            var options = FitOptions()
            options.epochs = 2
            options.batchSize = 16
            options.seed = seed
            options.schedule = .step(every: 1, gamma: 0.5)
            let opt = try Optimizers.sgd(lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-4)
            let h = try Training.fit(model, data: data, optimizer: opt, options: options)
            #expect(opt.learningRate == 0.05)  // restored after the schedule
            return (h, weights(model))
        }
        let (h1, w1) = try run(7), (h2, w2) = try run(7), (h3, w3) = try run(8)
        #expect(h1.loss == h2.loss && h1.accuracy == h2.accuracy)
        #expect(w1 == w2)
        #expect(w1 != w3 && h1.loss != h3.loss)
    }

    @Test("predict gives probabilities per row and restores the model's mode")
    func predictProbabilities() throws {
        let model = try tinyClassifier(seed: 9)
        let data = try Datasets.shapes(n: 10, size: 8, seed: 10)
        model.setTraining(true)
        let p = try Training.predict(model, data.x, batchSize: 3)
        #expect(p.shape == [10, 10])
        for i in 0..<10 {
            let row = p.scalars[i * 10 ..< i * 10 + 10]
            #expect(abs(row.reduce(0, +) - 1) < 1e-5)
            #expect(row.allSatisfy { $0 >= 0 && $0 <= 1 })
        }
        #expect(model.modules().allSatisfy { $0.isTraining })
        // Batched or not, the same probabilities; and the same as softmax of the direct call.
        let whole = try Training.predict(model, data.x)
        #expect(closeness(whole.scalars, p.scalars, rtol: 1e-5, atol: 1e-7) <= 1)
        let direct = try model(data.x).softmax(axis: 1)
        #expect(closeness(direct.scalars, p.scalars, rtol: 1e-5, atol: 1e-7) <= 1)
        #expect(throws: OpError.self) { try Training.predict(model, Tensor(1)) }
        #expect(throws: OpError.self) { try Training.predict(model, try Tensor.zeros([2, 1, 9, 9])) }
    }

    @Test("fit and evaluate reject models and data that do not fit, naming the problem")
    func mismatches() throws {
        let data = try Datasets.shapes(n: 8, size: 10, seed: 11)
        let model = try tinyClassifier(seed: 12)
        let opt = try Optimizers.sgd(lr: 0.1)
        do {
            _ = try Training.fit(model, data: data, optimizer: opt, options: FitOptions())
            Issue.record("expected an error")
        } catch let e as OpError {
            #expect(e.op == "Dense" && e.message.contains("100"))
        }
        var rng = RandomSource(seed: 1)
        let narrow = Sequential([Flatten(), try Dense(100, 4, rng: &rng)])
        #expect(throws: OpError.self) { try Training.fit(narrow, data: data, optimizer: opt, options: FitOptions()) }
        #expect(throws: OpError.self) { try Training.evaluate(narrow, data: data) }
        var options = FitOptions()
        options.epochs = 0
        #expect(throws: OpError.self) { try Training.fit(model, data: data, optimizer: opt, options: options) }
        options.epochs = 1
        options.batchSize = 0
        #expect(throws: OpError.self) { try Training.fit(model, data: data, optimizer: opt, options: options) }
    }

    @Test("Residual adds the block's output to the input; Dropout is the identity in inference mode")
    func residualAndDropout() throws {
        var rng = RandomSource(seed: 13)
        let dense = try Dense(5, 5, rng: &rng)
        let res = Residual(dense)
        var trng = TestRNG(14)
        let x = trng.tensor([3, 5])
        let y = try res(x)
        let expected = try dense(x) + x
        #expect(closeness(y.scalars, expected.scalars, rtol: 1e-6, atol: 1e-7) <= 1)
        let drop = try Dropout(p: 0.5, seed: 1)
        drop.isTraining = false
        #expect(try drop(x) == x)
    }

    @Test("BatchNorm in training mode moves its running statistics by momentum")
    func batchNormRunning() throws {
        let bn = try BatchNorm(2, momentum: 0.1)
        // Channel 0 holds 1…4, channel 1 holds 10 everywhere: batch means 2.5 and 10.
        let x = try Tensor(shape: [2, 2, 1, 2], scalars: [1, 2, 10, 10, 3, 4, 10, 10])
        _ = try bn.forward(Variable(x))
        #expect(closeness(bn.runningMean.scalars, [0.25, 1.0], rtol: 1e-5, atol: 1e-6) <= 1)
        // Unbiased variance of 1…4 is 5/3: 0.9·1 + 0.1·5/3; of the constant channel 0: 0.9.
        #expect(closeness(bn.runningVar.scalars, [0.9 + 0.5 / 3, 0.9], rtol: 1e-5, atol: 1e-6) <= 1)
        bn.isTraining = false
        let before = bn.runningMean
        _ = try bn(x)
        #expect(bn.runningMean == before)
    }

    @Test("LeNet-5 runs forward to class scores and takes a training step")
    func zooForward() throws {
        var rng = RandomSource(seed: 15)
        let lenet = try Zoo.lenet5(rng: &rng)
        var trng = TestRNG(16)
        let x = trng.tensor([2, 1, 28, 28], 0, 1)
        #expect(try lenet(x).shape == [2, 10])
        let before = weights(lenet)
        let data = try Dataset(x: x, y: Tensor([3, 7]))
        var options = FitOptions()
        options.batchSize = 2
        _ = try Training.fit(lenet, data: data, optimizer: try Optimizers.sgd(lr: 0.1, momentum: 0.9), options: options)
        #expect(weights(lenet) != before)
        #expect(lenet.parameters().allSatisfy { $0.grad?.shape == $0.shape })
    }

    @Test("a cancel between batches stops fit, keeps the weights learned and marks the history")
    func interrupt() throws {
        defer { Engine.clearCancel() }
        let data = try Datasets.shapes(n: 64, size: 8, seed: 17)
        let model = try tinyClassifier(seed: 18)
        let before = weights(model)
        var options = FitOptions()
        options.epochs = 3
        options.batchSize = 8
        var batches = 0
        let history = try Training.fit(model, data: data, optimizer: try Optimizers.sgd(lr: 0.1), options: options) { p in
            if p.phase == .batch {
                batches += 1
                if batches == 2 { Engine.requestCancel() }
            }
        }
        Engine.clearCancel()
        #expect(history.interrupted)
        #expect(batches == 2)
        #expect(history.loss.count == 1 && history.accuracy.count == 1)  // the partial first epoch
        #expect(history.valLoss.isEmpty)
        #expect(weights(model) != before)
        #expect(!model.isTraining)
    }
}
