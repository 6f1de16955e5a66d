@testable import CNNKit
import Testing
import CNNTestSupport

// Gradients of matmul (every NumPy case), the activations, softmax/log_softmax and dropout against
// finite differences (gradCheck's default tolerance: ≤ 2e-3 + 2e-2·|numeric|, eps 1e-2).

@Suite struct GradBasicsMatMulActivationTests {
    @Test func matmulEveryCase() throws {
        var rng = TestRNG(31)
        for trial in 0..<3 {
            let m = rng.int(1, 4), k = rng.int(1, 4), n = rng.int(1, 4)
            let cases: [([Int], [Int])] = [
                ([k], [k]),                          // dot product → rank 0
                ([k], [k, n]),                       // row vector · matrix
                ([m, k], [k]),                       // matrix · column vector
                ([m, k], [k, n]),                    // matrix product
                ([2, m, k], [k, n]),                 // batch · shared matrix (a linear layer's shape)
                ([m, k], [3, k, n]),                 // shared matrix · batch
                ([2, 1, m, k], [3, k, n]),           // batch axes broadcast both ways
                ([1, m, k], [2, 2, k, n]),           // a broadcast over two batch axes
                ([k], [2, k, n]),                    // 1-D · batch
                ([2, 3, m, k], [k]),                 // batch · 1-D
            ]
            for (sa, sb) in cases {
                try gradCheck([rng.tensor(sa), rng.tensor(sb)], "trial \(trial): \(sa) · \(sb)") {
                    try Variable.matmul($0[0], $0[1])
                }
            }
        }
        // Literal: y = a·b, loss sum(y) → ∂a = 1·bᵀ (row sums of b), ∂b = aᵀ·1 (column sums of a).
        let a = Variable(try Tensor(shape: [2, 2], scalars: [1, 2, 3, 4]), requiresGrad: true)
        let b = Variable(try Tensor(shape: [2, 3], scalars: [1, 0, 2, -1, 1, 0]), requiresGrad: true)
        try Autograd.backward(try Variable.matmul(a, b).sum())
        #expect(a.grad?.scalars == [3, 0, 3, 0])
        #expect(b.grad?.scalars == [4, 4, 4, 6, 6, 6])
    }

    @Test func matmulManySmallProductsSplitOverWorkers() throws {
        // 16 products of 16×16 matrices: the backward products run side by side on the workers.
        var rng = TestRNG(36)
        try gradCheck([rng.tensor([16, 16, 16]), rng.tensor([16, 16, 16])], maxChecks: 30) {
            try Variable.matmul($0[0], $0[1])
        }
        try gradCheck([rng.tensor([16, 16, 16]), rng.tensor([16, 16])], maxChecks: 30) {
            try Variable.matmul($0[1], $0[0])
        }
    }

    @Test func matmulWithAnEmptyInnerAxis() throws {
        let a = Variable(Tensor(unchecked: [2, 0], scalars: []), requiresGrad: true)
        let b = Variable(Tensor(unchecked: [0, 3], scalars: []), requiresGrad: true)
        try Autograd.backward(try Variable.matmul(a, b).sum())
        #expect(a.grad?.shape == [2, 0] && b.grad?.shape == [0, 3])
    }

    @Test func activations() throws {
        var rng = TestRNG(32)
        for trial in 0..<6 {
            let shape = rng.basicsShape(rank: 1, 3)
            let x = rng.basicsAwayFromZero(shape).mapScalars { $0 * 3 }
            let slope = rng.float(0.01, 0.5)
            try gradCheck([x], "relu \(trial)") { try $0[0].relu() }
            try gradCheck([x], "leaky_relu \(trial)") { try $0[0].leakyRelu(slope: slope) }
            try gradCheck([x], "sigmoid \(trial)") { try $0[0].sigmoid() }
            try gradCheck([x], "tanh \(trial)") { try $0[0].tanh() }
        }
        // At 0: relu's gradient is 0 and leaky_relu's is the slope, as PyTorch.
        #expect(try basicsGradient(of: Tensor([-1, 0, 2])) { try $0.relu() }.scalars == [0, 0, 1])
        #expect(try basicsGradient(of: Tensor([-1, 0, 2])) { try $0.leakyRelu(slope: 0.25) }.scalars == [0.25, 0.25, 1])
    }

    @Test func softmaxAndLogSoftmaxAnyAxis() throws {
        var rng = TestRNG(33)
        for trial in 0..<8 {
            let shape = rng.basicsShape(rank: 1, 4, maxSize: 3)
            let x = rng.tensor(shape, -2, 2)
            let axis = rng.int(-shape.count, shape.count - 1)
            try gradCheck([x], "softmax \(trial) \(shape) axis \(axis)") { try $0[0].softmax(axis: axis) }
            try gradCheck([x], "log_softmax \(trial) \(shape) axis \(axis)") { try $0[0].logSoftmax(axis: axis) }
        }
        // Softmax sums to 1 along its axis, so the gradient of that sum is 0.
        var rng34 = TestRNG(34)
        let g = try basicsGradient(of: rng34.tensor([3, 4])) { try $0.softmax(axis: 1) }
        #expect(g.scalars.allSatisfy { abs($0) < 1e-6 })
    }

    @Test func dropoutReusesItsMask() throws {
        var rng = TestRNG(35)
        let x = rng.basicsAwayFromZero([4, 25])
        // Each evaluation draws from a fresh generator with one seed: the same mask every time.
        try gradCheck([x]) {
            var source = RandomSource(seed: 7)
            return try $0[0].dropout(p: 0.3, training: true, using: &source)
        }
        var source = RandomSource(seed: 7)
        let v = Variable(x, requiresGrad: true)
        let y = try v.dropout(p: 0.3, training: true, using: &source)
        try Autograd.backward(try y.sum())
        let g = try #require(v.grad)
        var same = RandomSource(seed: 7)
        // The same values as the plain tensor op for the same seed.
        #expect(y.value == (try x.dropout(p: 0.3, training: true, using: &same)))
        var kept = 0
        for i in 0..<x.count {
            let scale: Float = y.value.scalars[i] == 0 ? 0 : 1 / 0.7
            #expect(abs(g.scalars[i] - scale) < 1e-6)
            if scale != 0 { kept += 1 }
        }
        #expect(kept > 40 && kept < 95)
        // Outside training: the identity, and the generator untouched.
        var idle = RandomSource(seed: 9)
        let z = try v.dropout(p: 0.5, training: false, using: &idle)
        #expect(z.value == x)
        var fresh = RandomSource(seed: 9)
        #expect(idle.nextUInt64() == fresh.nextUInt64())
        #expect(throws: OpError.self) { try v.dropout(p: 1.5, training: true, using: &idle) }
        #expect(try basicsGradient(of: x) { var r = RandomSource(seed: 1); return try $0.dropout(p: 1, training: true, using: &r) }.scalars.allSatisfy { $0 == 0 })
    }
}
