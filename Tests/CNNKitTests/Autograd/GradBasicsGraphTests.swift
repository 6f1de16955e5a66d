@testable import CNNKit
import Testing

// How the graph behaves: what is recorded, how gradients accumulate, what backward refuses.

@Suite struct GradBasicsGraphTests {
    @Test func noGradBuildsNoGraph() throws {
        let w = Variable(Tensor([1, 2, 3]), requiresGrad: true)
        let y = try Autograd.noGrad { try (w * w).sum() }
        #expect(y.isLeaf && !y.requiresGrad)
        #expect(throws: OpError.self) { try Autograd.backward(y) }
        // Nor does an op none of whose inputs requires a gradient.
        let c = try Variable(Tensor([1, 2])).relu()
        #expect(c.isLeaf && !c.requiresGrad)
        // Recording resumes after noGrad.
        #expect(!(try (w * w).sum()).isLeaf)
    }

    @Test func aVariableUsedTwiceAccumulatesBothGradients() throws {
        let x = Variable(Tensor([1, -2, 3]), requiresGrad: true)
        // y = x·x + 3x → ∂y/∂x = 2x + 3.
        try Autograd.backward(try (x * x + x * 3).sum())
        #expect(x.grad?.scalars == [5, -1, 9])
        // A diamond: a = relu(x), b = a + a·a.
        let z = Variable(Tensor([2]), requiresGrad: true)
        let a = try z.relu()
        try Autograd.backward(try (a + a * a).sum())
        #expect(z.grad?.scalars == [5])
    }

    @Test func leafGradientsAccumulateAcrossBackwardCalls() throws {
        let x = Variable(Tensor([1, 2]), requiresGrad: true)
        try Autograd.backward(try (x * 2).sum())
        try Autograd.backward(try (x * 3).sum())
        #expect(x.grad?.scalars == [5, 5])
        x.zeroGrad()
        try Autograd.backward(try (x * 3).sum())
        #expect(x.grad?.scalars == [3, 3])
    }

    @Test func backwardOnANonScalarNeedsAGradient() throws {
        let x = Variable(Tensor([1, 2]), requiresGrad: true)
        let y = try x * 2
        do { try Autograd.backward(y); Issue.record("no error") } catch {
            #expect("\(error)".hasPrefix("backward: needs a one-element loss"))
        }
        try Autograd.backward(y, gradient: Tensor([1, 10]))
        #expect(x.grad?.scalars == [2, 20])
    }

    @Test func onlyInputsThatNeedAGradientGetOne() throws {
        let w = Variable(Tensor([2, 3]), requiresGrad: true), c = Variable(Tensor([5, 7]))
        try Autograd.backward(try (w * c - c / w).sum())
        #expect(c.grad == nil)
        expectClose(try #require(w.grad), Tensor([5 + 5.0 / 4, 7 + 7.0 / 9]), rtol: 1e-6, atol: 0)
    }

    @Test func aLongChainDoesNotOverflowTheStack() throws {
        let x = Variable(Tensor([1]), requiresGrad: true)
        var y = x
        for _ in 0..<5000 { y = try y + 0 }
        try Autograd.backward(try y.sum())
        #expect(x.grad?.scalars == [1])
    }
}
