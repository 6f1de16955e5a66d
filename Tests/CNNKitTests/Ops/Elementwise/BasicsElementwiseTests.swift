@testable import CNNKit
import Foundation
import Testing
import CNNTestSupport

@Suite struct BasicsElementwiseTests {
    /// The scalar function each op must compute.
    static func reference(_ op: BinaryOp) -> (Float, Float) -> Float {
        switch op {
        case .add: return { $0 + $1 }
        case .sub: return { $0 - $1 }
        case .mul: return { $0 * $1 }
        case .div: return { $0 / $1 }
        case .pow: return { Foundation.pow($0, $1) }
        case .maximum: return { $0.isNaN || $1.isNaN ? .nan : Swift.max($0, $1) }
        case .minimum: return { $0.isNaN || $1.isNaN ? .nan : Swift.min($0, $1) }
        case .eq: return { $0 == $1 ? 1 : 0 }
        case .ne: return { $0 != $1 ? 1 : 0 }
        case .lt: return { $0 < $1 ? 1 : 0 }
        case .le: return { $0 <= $1 ? 1 : 0 }
        case .gt: return { $0 > $1 ? 1 : 0 }
        case .ge: return { $0 >= $1 ? 1 : 0 }
        }
    }

    static let allOps: [BinaryOp] = [.add, .sub, .mul, .div, .pow, .maximum, .minimum, .eq, .ne, .lt, .le, .gt, .ge]

    @Test func broadcastShapes() throws {
        #expect(try Shape.broadcast([2, 3], [3], op: "+") == [2, 3])
        #expect(try Shape.broadcast([2, 1, 4], [3, 1], op: "+") == [2, 3, 4])
        #expect(try Shape.broadcast([], [5, 1], op: "+") == [5, 1])
        #expect(try Shape.broadcast([1], [], op: "+") == [1])
        #expect(try Shape.broadcast([0, 3], [1, 3], op: "+") == [0, 3])
        expectOpError("+", "shapes 2×3 and 4×3 cannot broadcast (axis 0: 2 vs 4)") {
            try Shape.broadcast([2, 3], [4, 3], op: "+")
        }
        expectOpError("*", "5×2×3", "4", "axis 2: 3 vs 4") { try Shape.broadcast([5, 2, 3], [4], op: "*") }
    }

    @Test func broadcastToMaterialises() throws {
        #expect(try lit([2, 1], [1, 2]).broadcasted(to: [2, 3]) == lit([2, 3], [1, 1, 1, 2, 2, 2]))
        #expect(try Tensor(4).broadcasted(to: [2]) == lit([2], [4, 4]))
        #expect(try lit([3], [1, 2, 3]).broadcasted(to: [2, 3]) == lit([2, 3], [1, 2, 3, 1, 2, 3]))
        expectOpError("broadcast", "2×3", "3") { try lit([2, 3], [1, 2, 3, 4, 5, 6]).broadcasted(to: [3]) }
        expectOpError("broadcast", "4", "2") { try lit([2], [1, 2]).broadcasted(to: [4]) }
    }

    @Test func literalArithmetic() throws {
        let a = lit([2, 3], [1, 2, 3, 4, 5, 6])
        #expect(try a + lit([3], [10, 20, 30]) == lit([2, 3], [11, 22, 33, 14, 25, 36]))
        #expect(try a - lit([2, 1], [1, 2]) == lit([2, 3], [0, 1, 2, 2, 3, 4]))
        #expect(try a * 2 == lit([2, 3], [2, 4, 6, 8, 10, 12]))
        #expect(try 12 / a == lit([2, 3], [12, 6, 4, 3, 2.4, 2]))
        #expect(try 1 - a == lit([2, 3], [0, -1, -2, -3, -4, -5]))
        #expect(try a / 2 == lit([2, 3], [0.5, 1, 1.5, 2, 2.5, 3]))
        #expect(try a + 0.5 == lit([2, 3], [1.5, 2.5, 3.5, 4.5, 5.5, 6.5]))
        #expect(try 3 * Tensor(2) == Tensor(6))
        #expect(-a == lit([2, 3], [-1, -2, -3, -4, -5, -6]))
        // Outer product by broadcasting a column against a row.
        #expect(try lit([3, 1], [1, 2, 3]) * lit([1, 2], [10, 100]) == lit([3, 2], [10, 100, 20, 200, 30, 300]))
        // The left operand repeats along the innermost axis while the right one does not, and back.
        #expect(try lit([2, 1], [1, 2]) - lit([3], [10, 20, 30]) == lit([2, 3], [-9, -19, -29, -8, -18, -28]))
        #expect(try lit([3], [10, 20, 30]) - lit([2, 1], [1, 2]) == lit([2, 3], [9, 19, 29, 8, 18, 28]))
        #expect(try lit([2, 1, 1], [1, 2]) / lit([1, 2, 2], [1, 2, 4, 8]) == lit([2, 2, 2], [1, 0.5, 0.25, 0.125, 2, 1, 0.5, 0.25]))
        #expect(try Tensor.binary(.pow, lit([3], [2, 3, 4]), Tensor(2)) == lit([3], [4, 9, 16]))
        #expect(try Tensor.binary(.pow, Tensor(2), lit([3], [0, 1, 3])) == lit([3], [1, 2, 8]))
        #expect(try Tensor.binary(.maximum, lit([3], [1, 5, 3]), lit([3], [4, 2, 3])) == lit([3], [4, 5, 3]))
        #expect(try Tensor.binary(.minimum, lit([3], [1, 5, 3]), Tensor(2)) == lit([3], [1, 2, 2]))
        expectOpError("+", "2×3", "4×3", "axis 0: 2 vs 4") { try Tensor.zeros([2, 3]) + Tensor.zeros([4, 3]) }
        expectOpError("/", "2×3", "2") { try Tensor.zeros([2, 3]) / Tensor.zeros([2]) }
    }

    @Test func comparisonsGiveOnesAndZeros() throws {
        let a = lit([4], [1, 2, 3, .nan]), b = lit([4], [2, 2, 2, .nan])
        #expect(try Tensor.binary(.eq, a, b) == lit([4], [0, 1, 0, 0]))
        #expect(try Tensor.binary(.ne, a, b) == lit([4], [1, 0, 1, 1]))
        #expect(try Tensor.binary(.lt, a, b) == lit([4], [1, 0, 0, 0]))
        #expect(try Tensor.binary(.le, a, b) == lit([4], [1, 1, 0, 0]))
        #expect(try Tensor.binary(.gt, a, b) == lit([4], [0, 0, 1, 0]))
        #expect(try Tensor.binary(.ge, a, b) == lit([4], [0, 1, 1, 0]))
    }

    @Test func specialValues() throws {
        let q = try Tensor.binary(.div, lit([3], [1, -1, 0]), Tensor(0))
        #expect(q.scalars[0] == .infinity && q.scalars[1] == -.infinity && q.scalars[2].isNaN)
        let p = try Tensor.binary(.pow, lit([3], [-8, 0, 2]), lit([3], [1.0 / 3, -1, 0.5]))
        #expect(p.scalars[0].isNaN)  // Foundation's pow: negative base, fractional exponent
        #expect(p.scalars[1] == .infinity)
        #expect(abs(p.scalars[2] - 2.0.squareRoot().float) < 1e-6)
        let m = try Tensor.binary(.maximum, lit([2], [.nan, 1]), lit([2], [1, .nan]))
        #expect(m.scalars.allSatisfy { $0.isNaN })  // NaN propagates like NumPy's maximum
    }

    @Test func broadcastSweepAgainstReference() throws {
        var rng = TestRNG(21)
        for trial in 0..<260 {
            var (sa, sb) = BasicsRef.broadcastPair(&rng)
            if trial % 3 == 0 && !sa.isEmpty {
                // Force one operand to repeat along its last axis, the other not.
                sb = sa
                sa[sa.count - 1] = 1
                if sb[sb.count - 1] == 1 { sb[sb.count - 1] = 3 }
                if rng.bool() { swap(&sa, &sb) }
            }
            let op = Self.allOps[trial % Self.allOps.count]
            // Positive bases keep pow real; a coarse grid makes comparisons hit equality sometimes.
            let a = op == .pow ? rng.tensor(sa, 0.1, 2) : rng.tensor(sa, -2, 2).mapScalars { ($0 * 2).rounded() / 2 }
            let b = op == .pow ? rng.tensor(sb, -2, 2) : rng.tensor(sb, -2, 2).mapScalars { ($0 * 2).rounded() / 2 }
            let got = try Tensor.binary(op, a, b)
            let want = try #require(BasicsRef.binary(a, b, Self.reference(op)))
            // Both sides evaluate the same IEEE operation on the same pair, so they agree exactly
            // (NaN matching NaN; ±inf from division by zero included).
            #expect(got.shape == want.shape, "\(op) \(sa) \(sb)")
            let same = zip(got.scalars, want.scalars).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }
            #expect(same && got.count == want.count, "\(op) \(sa) \(sb)")
            let swapped = try Tensor.binary(op, b, a)
            #expect(swapped.shape == got.shape)
        }
    }

    @Test func largeTensorsTakeTheParallelPaths() throws {
        // Over one chunk (2^15 elements) for each fast path: same shape, scalar and general broadcast.
        var rng = TestRNG(22)
        let a = rng.tensor([3, 200, 70]), b = rng.tensor([3, 200, 70]), row = rng.tensor([200, 1])
        let sum = try a + b
        for i in stride(from: 0, to: a.count, by: 997) { #expect(sum.scalars[i] == a.scalars[i] + b.scalars[i]) }
        let scaled = try a * 3
        for i in stride(from: 0, to: a.count, by: 991) { #expect(scaled.scalars[i] == a.scalars[i] * 3) }
        let shifted = try a - row
        for i in stride(from: 0, to: a.count, by: 983) {
            let idx = BasicsRef.unravel(i, a.shape)
            #expect(shifted.scalars[i] == a.scalars[i] - row.scalars[idx[1]])
        }
    }

    @Test func unaryOps() throws {
        let x = lit([4], [-1, 0, 1, 4])
        #expect(x.unary(.neg) == lit([4], [1, 0, -1, -4]))
        #expect(x.unary(.abs) == lit([4], [1, 0, 1, 4]))
        #expect(lit([2], [0, 4]).unary(.sqrt) == lit([2], [0, 2]))
        expectClose(x.unary(.exp), lit([4], [Float(Foundation.exp(-1.0)), 1, Float(M_E), Float(Foundation.exp(4.0))]))
        let logs = x.unary(.log)
        #expect(logs.scalars[0].isNaN)          // like NumPy, no crash
        #expect(logs.scalars[1] == -.infinity)
        #expect(logs.scalars[2] == 0)
        #expect(abs(logs.scalars[3] - Float(Foundation.log(4.0))) < 1e-6)
        #expect(lit([1], [-4]).unary(.sqrt).scalars[0].isNaN)
        #expect(Tensor(2).unary(.neg) == Tensor(-2))
        var rng = TestRNG(23)
        for _ in 0..<20 {
            let t = BasicsRef.randomTensor(&rng, 0.01, 3)
            for op in [UnaryOp.neg, .abs, .exp, .log, .sqrt] {
                let f: (Float) -> Float = { v in
                    switch op {
                    case .neg: return -v
                    case .abs: return Swift.abs(v)
                    case .exp: return Float(Foundation.exp(Double(v)))
                    case .log: return Float(Foundation.log(Double(v)))
                    case .sqrt: return Float(Double(v).squareRoot())
                    default: return v
                    }
                }
                expectClose(t.unary(op), Tensor(unchecked: t.shape, scalars: t.scalars.map(f)), rtol: 1e-6, atol: 1e-7)
            }
        }
    }

    @Test func rounding() {
        let x = lit([6], [-1.5, -0.5, 0.5, 1.5, 2.5, 2.7])
        #expect(x.unary(.floor) == lit([6], [-2, -1, 0, 1, 2, 2]))
        #expect(x.unary(.ceil) == lit([6], [-1, -0, 1, 2, 3, 3]))
        #expect(x.unary(.round) == lit([6], [-2, -0, 0, 2, 2, 3]))  // halves to even, as NumPy
    }

    @Test func clipBounds() {
        let x = lit([5], [-2, -1, 0, 1, 2])
        #expect(x.clip(min: -1, max: 1) == lit([5], [-1, -1, 0, 1, 1]))
        #expect(x.clip(min: 0, max: nil) == lit([5], [0, 0, 0, 1, 2]))
        #expect(x.clip(min: nil, max: 0.5) == lit([5], [-2, -1, 0, 0.5, 0.5]))
        #expect(x.clip(min: nil, max: nil) == x)
        #expect(x.clip(min: 1, max: -1) == lit([5], [-1, -1, -1, -1, -1]))  // NumPy: max wins
        #expect(lit([1], [.nan]).clip(min: 0, max: 1).scalars[0].isNaN)
    }
}

private extension Double {
    var float: Float { Float(self) }
}
