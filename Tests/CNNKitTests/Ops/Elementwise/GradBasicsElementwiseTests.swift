@testable import CNNKit
import Foundation
import Testing
import CNNTestSupport

// Gradients of the elementwise ops against finite differences (gradCheck's default tolerance:
// |analytic − numeric| ≤ 2e-3 + 2e-2·|numeric| with eps 1e-2), on random broadcasting shapes.

@Suite struct GradBasicsElementwiseTests {
    @Test func arithmeticWithBroadcasting() throws {
        var rng = TestRNG(11)
        for trial in 0..<12 {
            let (sa, sb) = rng.basicsBroadcastPair()
            let a = rng.tensor(sa), b = rng.tensor(sb)
            let divisor = rng.basicsAwayFromZero(sb).mapScalars { $0 < 0 ? $0 - 0.4 : $0 + 0.4 }
            let note = Comment(rawValue: "trial \(trial): \(sa) with \(sb)")
            try gradCheck([a, b], note) { try $0[0] + $0[1] }
            try gradCheck([a, b], note) { try $0[0] - $0[1] }
            try gradCheck([a, b], note) { try $0[0] * $0[1] }
            try gradCheck([a, divisor], note) { try $0[0] / $0[1] }
        }
    }

    @Test func powDifferentiatesBaseAndExponent() throws {
        var rng = TestRNG(12)
        for trial in 0..<8 {
            let (sa, sb) = rng.basicsBroadcastPair()
            let base = rng.tensor(sa, 0.5, 1.5), exponent = rng.tensor(sb, -1.5, 1.5)
            try gradCheck([base, exponent], "trial \(trial): \(sa) ** \(sb)") { try Variable.binary(.pow, $0[0], $0[1]) }
        }
        // PyTorch's conventions at a = 0: the exponent gets 0 (not -inf·0); b = 0 gives the base 0.
        let a = Variable(Tensor([0, 2]), requiresGrad: true), b = Variable(Tensor([2, 0]), requiresGrad: true)
        try Autograd.backward(try Variable.binary(.pow, a, b).sum())
        #expect(a.grad?.scalars == [0, 0])
        #expect(b.grad?.scalars == [0, Float(log(2.0))])
    }

    @Test func maximumAndMinimumRouteTheGradient() throws {
        var rng = TestRNG(13)
        for trial in 0..<10 {
            let (sa, sb) = rng.basicsBroadcastPair()
            // a on even, b on odd multiples of 0.1: never closer than 0.1, so no ties.
            let a = Tensor(unchecked: sa, scalars: (0..<sa.reduce(1, *)).map { _ in Float(rng.int(-5, 5)) * 0.2 })
            let b = Tensor(unchecked: sb, scalars: (0..<sb.reduce(1, *)).map { _ in Float(rng.int(-5, 5)) * 0.2 + 0.1 })
            try gradCheck([a, b], "trial \(trial)") { try Variable.binary(.maximum, $0[0], $0[1]) }
            try gradCheck([a, b], "trial \(trial)") { try Variable.binary(.minimum, $0[0], $0[1]) }
        }
        // Ties split the gradient half and half, as torch.maximum.
        let a = Variable(Tensor([1, 3, 2]), requiresGrad: true), b = Variable(Tensor([2, 1, 2]), requiresGrad: true)
        try Autograd.backward(try Variable.binary(.maximum, a, b).sum())
        #expect(a.grad?.scalars == [0, 1, 0.5])
        #expect(b.grad?.scalars == [1, 0, 0.5])
    }

    @Test func comparisonsHaveNoGradient() throws {
        let a = Variable(Tensor([1, 2]), requiresGrad: true), b = Variable(Tensor([2, 2]), requiresGrad: true)
        for op in [BinaryOp.eq, .ne, .lt, .le, .gt, .ge] {
            let c = try Variable.binary(op, a, b)
            #expect(!c.requiresGrad && c.isLeaf, "\(op)")
            #expect(c.value == (try Tensor.binary(op, a.value, b.value)))
        }
    }

    @Test func unaryOps() throws {
        var rng = TestRNG(14)
        for trial in 0..<6 {
            let shape = rng.basicsShape(rank: 0, 3)
            let x = rng.basicsAwayFromZero(shape), positive = rng.tensor(shape, 0.3, 2)
            try gradCheck([x], "neg \(trial)") { try $0[0].unary(.neg) }
            try gradCheck([x], "neg operator \(trial)") { -$0[0] }
            try gradCheck([x], "abs \(trial)") { try $0[0].unary(.abs) }
            try gradCheck([x], "exp \(trial)") { try $0[0].unary(.exp) }
            try gradCheck([positive], "log \(trial)") { try $0[0].unary(.log) }
            try gradCheck([positive], "sqrt \(trial)") { try $0[0].unary(.sqrt) }
        }
        // |x| has gradient 0 at 0, as PyTorch.
        #expect(try basicsGradient(of: Tensor([-2, 0, 3])) { try $0.unary(.abs) }.scalars == [-1, 0, 1])
    }

    @Test func clipPassesTheGradientInsideTheBounds() throws {
        var rng = TestRNG(15)
        for trial in 0..<6 {
            let shape = rng.basicsShape(rank: 1, 3)
            // Values at least 0.05 from the bounds ±0.5.
            let x = Tensor(unchecked: shape, scalars: (0..<shape.reduce(1, *)).map { _ in
                let v = rng.float(0.05, 0.45)
                return rng.bool() ? (rng.bool() ? v : -v) : (rng.bool() ? 0.5 + v : -0.5 - v)
            })
            try gradCheck([x], "both \(trial)") { try $0[0].clip(min: -0.5, max: 0.5) }
            try gradCheck([x], "min only \(trial)") { try $0[0].clip(min: -0.5, max: nil) }
            try gradCheck([x], "max only \(trial)") { try $0[0].clip(min: nil, max: 0.5) }
        }
        // Bounds themselves pass the gradient (PyTorch's clamp includes them).
        #expect(try basicsGradient(of: Tensor([-2, -1, 0, 1, 2])) { try $0.clip(min: -1, max: 1) }.scalars == [0, 1, 1, 1, 0])
    }

    @Test func operatorsWithFloats() throws {
        var rng = TestRNG(16)
        let x = rng.basicsAwayFromZero([2, 3])
        try gradCheck([x]) { try (2 * $0[0] + 1) / 3 - $0[0] }
        try gradCheck([x]) { try 1 / $0[0] - 2 }
        try gradCheck([x]) { try (1 - $0[0]) * 0.5 }
        // d/dx sum(x²) = 2x, literally.
        let g = try basicsGradient(of: x) { try $0 * $0 }
        expectClose(g, try x * 2, rtol: 0, atol: 0)
    }

    @Test func mismatchedShapesThrowNamingTheOp() {
        let a = Variable(Tensor(unchecked: [2, 3], scalars: Array(repeating: 1, count: 6)), requiresGrad: true)
        let b = Variable(Tensor(unchecked: [4, 3], scalars: Array(repeating: 1, count: 12)))
        #expect(throws: OpError.self) { try a + b }
        do { _ = try a * b } catch { #expect("\(error)".hasPrefix("*: shapes 2×3 and 4×3")) }
    }
}
