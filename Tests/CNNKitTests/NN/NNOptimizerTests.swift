@testable import CNNKit
import Foundation
import Testing
import CNNTestSupport

/// PyTorch's update formulas written plainly in Double, one parameter tensor at a time.
private struct ReferenceOptimizer {
    enum Kind { case sgd(momentum: Double, nesterov: Bool), adam(decoupled: Bool) }
    var kind: Kind
    var lr: Double, wd: Double
    var b1 = 0.9, b2 = 0.999, eps = 1e-8
    var buf: [Double]? = nil, m: [Double] = [], v: [Double] = [], t = 0

    mutating func step(_ p: inout [Double], _ g: [Double]) {
        switch kind {
        case .sgd(let mu, let nesterov):
            var d = zip(g, p).map { $0 + wd * $1 }
            if mu != 0 {
                if let b = buf { buf = zip(b, d).map { mu * $0 + $1 } } else { buf = d }
                let b = buf ?? []
                d = nesterov ? zip(d, b).map { $0 + mu * $1 } : b
            }
            for i in p.indices { p[i] -= lr * d[i] }
        case .adam(let decoupled):
            t += 1
            if m.isEmpty { m = Array(repeating: 0, count: p.count); v = m }
            if decoupled { for i in p.indices { p[i] *= 1 - lr * wd } }
            let d = decoupled ? g : zip(g, p).map { $0 + wd * $1 }
            for i in p.indices {
                m[i] = b1 * m[i] + (1 - b1) * d[i]
                v[i] = b2 * v[i] + (1 - b2) * d[i] * d[i]
                let mhat = m[i] / (1 - pow(b1, Double(t)))
                let denom = (v[i] / (1 - pow(b2, Double(t)))).squareRoot() + eps
                p[i] -= lr * mhat / denom
            }
        }
    }
}

@Suite("NN: optimizers and schedules")
struct NNOptimizerTests {
    fileprivate func run(_ opt: Optimizer, _ ref: inout ReferenceOptimizer, seed: UInt64) throws {
        var rng = TestRNG(seed)
        let shape = [rng.int(1, 4), rng.int(1, 5)]
        let p = Variable(rng.tensor(shape, -2, 2), requiresGrad: true)
        var expected = p.value.scalars.map(Double.init)
        for _ in 0..<6 {
            let g = rng.tensor(shape, -3, 3)
            p.grad = g
            try opt.step([p])
            ref.step(&expected, g.scalars.map(Double.init))
            let worst = closeness(p.value.scalars, expected.map(Float.init), rtol: 1e-4, atol: 1e-5)
            #expect(worst <= 1, "\(opt.name) after a step: \(p.value.scalars) vs \(expected)")
        }
    }

    @Test("SGD: plain, momentum, nesterov and weight decay follow PyTorch's formulas")
    func sgd() throws {
        var trial: UInt64 = 0
        for momentum in [0.0, 0.5, 0.9] {
            for nesterov in momentum > 0 ? [false, true] : [false] {
                for wd in [0.0, 0.01] {
                    trial += 1
                    let opt = try Optimizers.sgd(lr: 0.1, momentum: Float(momentum), nesterov: nesterov, weightDecay: Float(wd))
                    var ref = ReferenceOptimizer(kind: .sgd(momentum: momentum, nesterov: nesterov), lr: 0.1, wd: wd)
                    try run(opt, &ref, seed: trial)
                }
            }
        }
        // A hand-computed case: p=1, g=2 twice, μ=0.9, lr 0.1 → b=2, p=0.8; b=3.8, p=0.42.
        let p = Variable(Tensor([1]), requiresGrad: true)
        let opt = try Optimizers.sgd(lr: 0.1, momentum: 0.9)
        p.grad = Tensor([2]); try opt.step([p])
        #expect(abs(p.value.scalars[0] - 0.8) < 1e-6)
        p.grad = Tensor([2]); try opt.step([p])
        #expect(abs(p.value.scalars[0] - 0.42) < 1e-6)
    }

    @Test("Adam and AdamW follow PyTorch's formulas with bias correction")
    func adam() throws {
        for (i, wd) in [0.0, 0.1].enumerated() {
            let adam = try Optimizers.adam(lr: 0.01, weightDecay: Float(wd))
            var ra = ReferenceOptimizer(kind: .adam(decoupled: false), lr: 0.01, wd: wd)
            try run(adam, &ra, seed: 100 + UInt64(i))
            let adamW = try Optimizers.adamW(lr: 0.01, weightDecay: Float(wd))
            var rw = ReferenceOptimizer(kind: .adam(decoupled: true), lr: 0.01, wd: wd)
            try run(adamW, &rw, seed: 200 + UInt64(i))
        }
        // Step 1 of Adam moves every weight by lr·sign(g) (up to eps): m̂ = g, v̂ = g².
        let p = Variable(Tensor([0, 0, 0]), requiresGrad: true)
        p.grad = Tensor([5, -0.5, 1e-3])
        try Optimizers.adam(lr: 0.1).step([p])
        #expect(closeness(p.value.scalars, [-0.1, 0.1, -0.1], rtol: 1e-4, atol: 1e-6) <= 1)
    }

    @Test("parameters without a gradient or frozen are left alone; state is per parameter")
    func skipping() throws {
        let frozen = Variable(Tensor([1, 2]), requiresGrad: false)
        frozen.grad = Tensor([1, 1])
        let noGrad = Variable(Tensor([3]), requiresGrad: true)
        let live = Variable(Tensor([4]), requiresGrad: true)
        live.grad = Tensor([1])
        let opt = try Optimizers.sgd(lr: 0.5, momentum: 0.9)
        try opt.step([frozen, noGrad, live, live])  // listed twice: updated once
        #expect(frozen.value.scalars == [1, 2])
        #expect(noGrad.value.scalars == [3])
        #expect(live.value.scalars == [3.5])
        let other = Variable(Tensor([4]), requiresGrad: true)
        other.grad = Tensor([1])
        try opt.step([live, other])  // other's momentum starts fresh: b = g
        #expect(other.value.scalars == [3.5])
        #expect(abs(live.value.scalars[0] - (3.5 - 0.5 * 1.9)) < 1e-6)
        let bad = Variable(Tensor([1, 2]), requiresGrad: true)
        bad.grad = Tensor([1])
        #expect(throws: OpError.self) { try opt.step([bad]) }
    }

    @Test("hyper-parameters are validated with the optimizer's name")
    func validation() {
        func fails(_ name: String, _ make: () throws -> Optimizer) {
            do {
                _ = try make()
                Issue.record("\(name): expected an error")
            } catch let e as OpError {
                #expect(e.op == name)
            } catch {
                Issue.record("\(name): unexpected \(error)")
            }
        }
        fails("SGD") { try Optimizers.sgd(lr: 0) }
        fails("SGD") { try Optimizers.sgd(lr: -1) }
        fails("SGD") { try Optimizers.sgd(lr: .nan) }
        fails("SGD") { try Optimizers.sgd(lr: 0.1, momentum: 1) }
        fails("SGD") { try Optimizers.sgd(lr: 0.1, momentum: -0.1) }
        fails("SGD") { try Optimizers.sgd(lr: 0.1, nesterov: true) }
        fails("SGD") { try Optimizers.sgd(lr: 0.1, weightDecay: -1) }
        fails("Adam") { try Optimizers.adam(lr: 0) }
        fails("Adam") { try Optimizers.adam(beta1: 1) }
        fails("Adam") { try Optimizers.adam(beta2: -0.5) }
        fails("Adam") { try Optimizers.adam(eps: -1) }
        fails("AdamW") { try Optimizers.adamW(weightDecay: -0.01) }
        let sgd = try? Optimizers.sgd(lr: 0.1)
        sgd?.learningRate = 0
        let p = Variable(Tensor([1]), requiresGrad: true)
        p.grad = Tensor([1])
        #expect(throws: OpError.self) { try sgd?.step([p]) }
    }

    @Test("step and cosine schedules match PyTorch's StepLR and CosineAnnealingLR")
    func schedules() throws {
        #expect(Schedule.constant.rate(base: 0.1, epoch: 7) == 0.1)
        let step = Schedule.step(every: 3, gamma: 0.5)
        #expect((0..<7).map { step.rate(base: 0.8, epoch: $0) } == [0.8, 0.8, 0.8, 0.4, 0.4, 0.4, 0.2])
        let cos = Schedule.cosine(epochs: 4, minimum: 0.0)
        let rates = (0...5).map { cos.rate(base: 1, epoch: $0) }
        let expected: [Float] = [1, 0.853_553_4, 0.5, 0.146_446_6, 0, 0]
        #expect(closeness(rates, expected, rtol: 1e-5, atol: 1e-6) <= 1)
        #expect(abs(Schedule.cosine(epochs: 2, minimum: 0.1).rate(base: 0.5, epoch: 1) - 0.3) < 1e-6)
        #expect(throws: OpError.self) { try Schedule.step(every: 0, gamma: 0.5).validate() }
        #expect(throws: OpError.self) { try Schedule.step(every: 2, gamma: 0).validate() }
        #expect(throws: OpError.self) { try Schedule.cosine(epochs: 0, minimum: 0).validate() }
        #expect(throws: OpError.self) { try Schedule.cosine(epochs: 3, minimum: -1).validate() }
        try Schedule.cosine(epochs: 3, minimum: 0).validate()
    }
}
