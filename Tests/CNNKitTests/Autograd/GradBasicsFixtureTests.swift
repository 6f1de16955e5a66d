@testable import CNNKit
import Testing

// The basic ops' forward values and gradients against PyTorch (float64 from float32 inputs), from the
// fixtures scripts/make-grad-fixtures-basics writes under Tests/Fixtures/grad (cases with
// "family": "basics"). Tolerance: 2e-5 + 2e-4·|expected|, float32 rounding of our side.

@Suite struct GradBasicsFixtureTests {
    static let rtol: Float = 2e-4, atol: Float = 2e-5

    func check(_ actual: Tensor?, _ expected: Tensor, _ what: String, _ c: FixtureCase,
               sourceLocation: SourceLocation = #_sourceLocation) {
        guard let actual else {
            Issue.record("\(c.name): no \(what)", sourceLocation: sourceLocation)
            return
        }
        // PyTorch's scalar results are rank 0 and so are ours; compare values whatever the rank.
        let shaped = actual.count == expected.count && expected.rank == 0 ? actual.reshaped(unchecked: []) : actual
        expectClose(shaped, expected, rtol: Self.rtol, atol: Self.atol, "\(c.name) \(what)", sourceLocation: sourceLocation)
    }

    @Test func basicsMatchPyTorch() throws {
        let cases = try Fixtures.cases("grad").filter { $0.string("family") == "basics" }
        #expect(cases.count >= 10, "missing basics gradient fixtures; run scripts/make-fixtures")
        for c in cases {
            switch c.string("op") ?? "" {
            case "softmax", "log_softmax":
                let x = Variable(try c.tensor("x"), requiresGrad: true)
                let axis = c.int("axis") ?? -1
                let y = c.string("op") == "softmax" ? try x.softmax(axis: axis) : try x.logSoftmax(axis: axis)
                try Autograd.backward(y, gradient: try c.tensor("g"))
                check(y.value, try c.tensor("y"), "y", c)
                check(x.grad, try c.tensor("dx"), "dx", c)
            case "cross_entropy":
                let x = Variable(try c.tensor("logits"), requiresGrad: true)
                let loss = try Loss.crossEntropy(x, labels: try c.tensor("labels"))
                try Autograd.backward(loss)
                check(loss.value, try c.tensor("loss"), "loss", c)
                check(x.grad, try c.tensor("dlogits"), "dlogits", c)
            case "nll":
                let x = Variable(try c.tensor("logp"), requiresGrad: true)
                let loss = try Loss.nll(x, labels: try c.tensor("labels"))
                try Autograd.backward(loss)
                check(loss.value, try c.tensor("loss"), "loss", c)
                check(x.grad, try c.tensor("dlogp"), "dlogp", c)
            case "mse":
                let x = Variable(try c.tensor("x"), requiresGrad: true)
                let t = Variable(try c.tensor("target"), requiresGrad: true)
                let loss = try Loss.mse(x, t)
                try Autograd.backward(loss)
                check(loss.value, try c.tensor("loss"), "loss", c)
                check(x.grad, try c.tensor("dx"), "dx", c)
                check(t.grad, try c.tensor("dtarget"), "dtarget", c)
            case "matmul":
                let a = Variable(try c.tensor("a"), requiresGrad: true)
                let b = Variable(try c.tensor("b"), requiresGrad: true)
                let y = try Variable.matmul(a, b)
                try Autograd.backward(y, gradient: try c.tensor("g"))
                check(y.value, try c.tensor("y"), "y", c)
                check(a.grad, try c.tensor("da"), "da", c)
                check(b.grad, try c.tensor("db"), "db", c)
            case "reduction_chain":
                // Σ std(x, axes 0 and 2)² + ½·Σ mean(x², axis 1) + Σ amax(x, axis -1)·w
                let x = Variable(try c.tensor("x"), requiresGrad: true)
                let w = Variable(try c.tensor("w"))
                let r = try x.std(axes: [0, 2])
                let m = try (x * x).mean(axes: [1])
                let u = try x.max(axes: [-1])
                let loss = try (r * r).sum() + m.sum() * 0.5 + (u * w).sum()
                try Autograd.backward(loss)
                check(loss.value, try c.tensor("loss"), "loss", c)
                check(x.grad, try c.tensor("dx"), "dx", c)
            case "elementwise_chain":
                // maximum(a, b)·exp(−a²) + a ** |b| − clip(b, −0.5, 0.5) / (1 + a²)
                let a = Variable(try c.tensor("a"), requiresGrad: true)
                let b = Variable(try c.tensor("b"), requiresGrad: true)
                let first = try Variable.binary(.maximum, a, b) * (-(a * a)).unary(.exp)
                let second = try Variable.binary(.pow, a, try b.unary(.abs))
                let third = try b.clip(min: -0.5, max: 0.5) / (1 + a * a)
                let y = try first + second - third
                try Autograd.backward(y, gradient: try c.tensor("g"))
                check(y.value, try c.tensor("y"), "y", c)
                check(a.grad, try c.tensor("da"), "da", c)
                check(b.grad, try c.tensor("db"), "db", c)
            case "activation_chain":
                // sigmoid(x)·tanh(x) + leaky_relu(x, 0.1) + relu(x)
                let x = Variable(try c.tensor("x"), requiresGrad: true)
                let y = try x.sigmoid() * x.tanh() + x.leakyRelu(slope: 0.1) + x.relu()
                try Autograd.backward(y, gradient: try c.tensor("g"))
                check(y.value, try c.tensor("y"), "y", c)
                check(x.grad, try c.tensor("dx"), "dx", c)
            default:
                Issue.record("\(c.name): unknown op \(c.string("op") ?? "nil")")
            }
        }
    }
}
