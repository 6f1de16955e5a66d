import CNNKit
import Dispatch

/// SPEC §6's TRAIN case: one LeNet-5 training step on a batch of 64 1×28×28 images — forget the
/// gradients, forward, cross-entropy, backward, SGD step with momentum 0.9 — the same step
/// scripts/bench-train-peer.py times in PyTorch.
enum TrainBench {
    static let batch = 64

    /// The median step time over `steps` timed steps (after 3 warm-up steps) at `threads` threads, and
    /// the images per second it gives; NaN and 0 when a step fails. `Engine.threads` is restored.
    static func run(threads: Int, steps: Int) -> (msPerStep: Double, imagesPerSecond: Double) {
        AllocatorTuning.retainFreedMemory()  // as `fit` does
        let saved = Engine.threads
        Engine.threads = threads
        defer { Engine.threads = saved }
        guard let ms = try? medianStepMilliseconds(steps: max(1, steps)) else { return (.nan, 0) }
        return (ms, Double(batch) / ms * 1000)
    }

    static func medianStepMilliseconds(steps: Int) throws -> Double {
        var rng = RandomSource(seed: 42)
        let model = try Zoo.lenet5(rng: &rng)
        let x = try Tensor.rand([batch, 1, 28, 28], using: &rng)
        let y = Tensor((0..<batch).map { _ in Float(rng.nextInt(below: 10)) })
        let parameters = model.parameters()
        let optimizer = try Optimizers.sgd(lr: 0.01, momentum: 0.9)
        model.setTraining(true)

        func step() throws {
            for p in parameters { p.grad = nil }
            // The graph must be gone before the update, or the weights it holds are copied on write.
            try {
                let loss = try Loss.crossEntropy(model.forward(Variable(x)), labels: y)
                try Autograd.backward(loss)
            }()
            try optimizer.step(parameters)
        }

        for _ in 0..<3 { try step() }
        var times: [Double] = []
        times.reserveCapacity(steps)
        for _ in 0..<steps {
            let start = DispatchTime.now().uptimeNanoseconds
            try step()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
        }
        times.sort()
        return times.count % 2 == 1 ? times[times.count / 2] : (times[times.count / 2 - 1] + times[times.count / 2]) / 2
    }
}
