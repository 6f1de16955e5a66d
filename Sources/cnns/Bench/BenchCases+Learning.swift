import CNNKit

/// SPEC §6's learning and whole-network cases: conv backward (R3B), a LeNet-5 training step (TRAIN) and
/// ResNet-18 inference (RESNET18). scripts/bench-peers times the same steps in PyTorch.
extension BenchCases {
    /// R3's input and weight gradients: 8×64×56×56 → 64 filters 3×3, padding 1, no bias. Only the
    /// backward pass is timed (the graph is built once); FLOPs count twice the forward's, as PyTorch's do.
    static func convBackward() -> BenchCase {
        let (n, c, h, w, k, r) = (8, 64, 56, 56, 64, 3)
        return BenchCase(
            name: "R3B", shape: "R3 backward: input and weight gradients",
            flops: 2 * 2 * Double(n * k * h * w) * Double(c * r * r),
            parameters: ["n": n, "c": c, "h": h, "w": w, "k": k, "kernel": r, "stride": 1, "pad": 1],
            prepare: {
                var rng = BenchRandom(seed: 4)
                let x = Variable(try rng.tensor([n, c, h, w]), requiresGrad: true)
                let wt = Variable(try rng.tensor([k, c, r, r]), requiresGrad: true)
                let y = try Variable.conv(x, wt, padding: .explicit(Padding2D(1)))
                let gy = try rng.tensor(y.shape)
                return {
                    x.zeroGrad()
                    wt.zeroGrad()
                    try Autograd.backward(y, gradient: gy)
                }
            })
    }

    /// One LeNet-5 training step on 64 images 1×28×28: forget the gradients, forward, cross-entropy,
    /// backward, SGD step with momentum 0.9.
    static func trainStep() -> BenchCase {
        let batch = 64
        return BenchCase(
            name: "TRAIN", shape: "LeNet-5 train step, batch \(batch), 28×28", flops: nil, itemsPerRun: batch,
            parameters: ["batch": batch],
            prepare: {
                AllocatorTuning.retainFreedMemory()  // as `fit` does
                var rng = RandomSource(seed: 42)
                let model = try Zoo.lenet5(rng: &rng)
                let x = try Tensor.rand([batch, 1, 28, 28], using: &rng)
                let y = Tensor((0..<batch).map { _ in Float(rng.nextInt(below: 10)) })
                let parameters = model.parameters()
                let optimizer = try Optimizers.sgd(lr: 0.01, momentum: 0.9)
                model.setTraining(true)
                return {
                    for p in parameters { p.grad = nil }
                    // The graph must be gone before the update, or the weights it holds are copied on write.
                    try {
                        let loss = try Loss.crossEntropy(model.forward(Variable(x)), labels: y)
                        try Autograd.backward(loss)
                    }()
                    try optimizer.step(parameters)
                }
            })
    }

    /// ResNet-18 (torchvision's layout, 1000 classes) inference at 224×224 on `batch` images.
    static func resnet18(batch: Int) -> BenchCase {
        BenchCase(
            name: "RESNET18_B\(batch)", shape: "ResNet-18 inference, \(batch)×3×224×224",
            flops: 2 * 1.814083944e9 * Double(batch), itemsPerRun: batch,
            parameters: ["batch": batch],
            prepare: {
                var rng = RandomSource(seed: 5)
                let model = try Zoo.resnet(depth: 18, rng: &rng)
                model.setTraining(false)
                let x = try Tensor.rand([batch, 3, 224, 224], using: &rng)
                return { _ = try model(x) }
            })
    }
}
