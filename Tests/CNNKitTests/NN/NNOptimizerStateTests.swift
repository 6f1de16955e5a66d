@testable import CNNKit
import Testing
import CNNTestSupport

/// `exportState` / `restoreState`: an optimizer rebuilt from exported state, on copies of the
/// parameters, continues exactly (bit for bit) as the original does.
@Suite("NN: optimizer state export and restore")
struct NNOptimizerStateTests {
    /// Optimizers of every kind and setting that keeps state, made fresh by each call.
    private static let makers: [(String, () throws -> Optimizer)] = [
        ("SGD momentum", { try Optimizers.sgd(lr: 0.05, momentum: 0.9) }),
        ("SGD nesterov + decay", { try Optimizers.sgd(lr: 0.05, momentum: 0.8, nesterov: true, weightDecay: 0.01) }),
        ("Adam", { try Optimizers.adam(lr: 0.01, weightDecay: 0.001) }),
        ("AdamW", { try Optimizers.adamW(lr: 0.01, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0.05) }),
    ]

    /// Gradients for `steps` steps of parameters with `shapes`, the same for every run.
    private func gradients(_ shapes: [[Int]], steps: Int, seed: UInt64) -> [[Tensor]] {
        var rng = TestRNG(seed)
        return (0..<steps).map { _ in shapes.map { rng.tensor($0, -2, 2) } }
    }

    private func step(_ opt: Optimizer, _ params: [Variable], _ grads: [Tensor]) throws {
        for (p, g) in zip(params, grads) { p.grad = g }
        try opt.step(params)
    }

    @Test("k steps, export, restore onto copies, more steps: bit-identical to an uninterrupted run")
    func continuation() throws {
        for (label, make) in Self.makers {
            for k in [0, 1, 3] {
                var rng = TestRNG(UInt64(k) + 7)
                let shapes = [[rng.int(1, 3), rng.int(1, 4)], [rng.int(1, 5)]]
                let initial = shapes.map { rng.tensor($0) }
                let grads = gradients(shapes, steps: k + 3, seed: UInt64(k) + 100)

                let straight = initial.map { Variable($0, requiresGrad: true) }
                let uninterrupted = try make()
                for g in grads { try step(uninterrupted, straight, g) }

                let first = initial.map { Variable($0, requiresGrad: true) }
                let before = try make()
                for g in grads.prefix(k) { try step(before, first, g) }
                let exported = before.exportState()
                // One state per parameter stepped, in first-step order; the parameters themselves.
                #expect(exported.count == (k == 0 ? 0 : shapes.count), "\(label) k=\(k)")
                #expect(zip(exported, first).allSatisfy { $0.parameter === $1 }, "\(label)")

                // Copies of the parameters, as a model read back from a file would have.
                let copies = first.map { Variable($0.value, requiresGrad: true) }
                let entries = exported.compactMap { e -> OptimizerStateEntry? in
                    guard let i = first.firstIndex(where: { $0 === e.parameter }) else { return nil }
                    return OptimizerStateEntry(parameter: copies[i], steps: e.steps, first: e.first, second: e.second)
                }
                let after = try make()
                try after.restoreState(entries)
                for g in grads.dropFirst(k) { try step(after, copies, g) }
                for (a, b) in zip(copies, straight) {
                    #expect(a.value.scalars.map(\.bitPattern) == b.value.scalars.map(\.bitPattern), "\(label) k=\(k)")
                }
                // Exported buffers are copies: later steps of the source leave them alone.
                if let e = exported.first {
                    let saved = e.first
                    for g in grads.suffix(1) { try step(before, first, g) }
                    #expect(e.first == saved)
                }
            }
        }
    }

    @Test("exported state has the per-parameter step count and buffers of PyTorch's state_dict")
    func contents() throws {
        let p = Variable(Tensor([1, 2]), requiresGrad: true)
        let sgd = try Optimizers.sgd(lr: 0.1, momentum: 0.9)
        p.grad = Tensor([2, -1]); try sgd.step([p])
        p.grad = Tensor([2, -1]); try sgd.step([p])
        let s = try #require(sgd.exportState().first)
        #expect(s.steps == 2 && s.second.isEmpty)
        #expect(s.first == [Float(0.9) * 2 + 2, Float(0.9) * -1 - 1], "b = μ·b + g")

        let q = Variable(Tensor([0.5]), requiresGrad: true)
        let adam = try Optimizers.adam(lr: 0.1)
        q.grad = Tensor([4]); try adam.step([q])
        let a = try #require(adam.exportState().first)
        #expect(a.steps == 1)
        #expect(a.first == [(1 - Float(0.9)) * 4] && a.second == [(1 - Float(0.999)) * 16])

        // Without momentum SGD keeps nothing; a parameter without a gradient gets no state.
        let plain = try Optimizers.sgd(lr: 0.1)
        try plain.step([p])
        #expect(plain.exportState().isEmpty)
        let idle = Variable(Tensor([1]), requiresGrad: true)
        try adam.step([idle])
        #expect(adam.exportState().count == 1)
    }

    @Test("restoring bad entries throws OpError naming the problem and keeps the old state")
    func refusals() throws {
        let p = Variable(Tensor([1, 2, 3]), requiresGrad: true)
        func entry(steps: Int = 1, first: Int = 3, second: Int = 3) -> OptimizerStateEntry {
            OptimizerStateEntry(parameter: p, steps: steps, first: [Float](repeating: 0.5, count: first),
                                second: [Float](repeating: 0.25, count: second))
        }
        let cases: [(String, () throws -> Optimizer, [OptimizerStateEntry], String)] = [
            ("short first moment", { try Optimizers.adam() }, [entry(first: 2)], "first moment has 2 values but the parameter has 3"),
            ("long second moment", { try Optimizers.adamW() }, [entry(second: 4)], "second moment has 4 values"),
            ("missing second moment", { try Optimizers.adam() }, [entry(second: 0)], "second moment has 0 values"),
            ("negative steps", { try Optimizers.adam() }, [entry(steps: -1)], "step count -1"),
            ("absurd steps", { try Optimizers.sgd(lr: 0.1, momentum: 0.5) }, [entry(steps: Int.max, second: 0)], "step count"),
            ("twice", { try Optimizers.sgd(lr: 0.1, momentum: 0.5) }, [entry(second: 0), entry(second: 0)], "already"),
            ("SGD second buffer", { try Optimizers.sgd(lr: 0.1, momentum: 0.5) }, [entry()], "does not keep"),
            ("SGD momentum buffer size", { try Optimizers.sgd(lr: 0.1, momentum: 0.5) }, [entry(first: 5, second: 0)], "momentum buffer has 5"),
            ("SGD without momentum", { try Optimizers.sgd(lr: 0.1) }, [entry(second: 0)], "keeps no state"),
        ]
        for (label, make, entries, reason) in cases {
            let opt = try make()
            let q = Variable(Tensor([7]), requiresGrad: true)
            q.grad = Tensor([1])
            try opt.step([q])
            let kept = opt.exportState()
            do {
                try opt.restoreState(entries)
                Issue.record("\(label): restored bad state")
            } catch let e as OpError {
                #expect(e.message.contains(reason), "\(label): \(e)")
            }
            let now = opt.exportState()
            #expect(now.count == kept.count && zip(now, kept).allSatisfy { $0.parameter === $1.parameter && $0.first == $1.first },
                    "\(label): the old state stays")
        }
        // Restoring nothing clears the state; SGD without momentum accepts an empty list.
        let adam = try Optimizers.adam()
        p.grad = Tensor([1, 1, 1]); try adam.step([p])
        try adam.restoreState([])
        #expect(adam.exportState().isEmpty)
        try Optimizers.sgd(lr: 0.1).restoreState([])
    }
}
