@testable import CNNKit
import Testing
import CNNTestSupport

// Random inputs for the gradient checks of the basic ops: shapes, broadcasting pairs, and values kept
// away from the points where an op is not differentiable (0 for relu/abs, ties for max, clip bounds),
// since finite differences across a kink disagree with any one-sided derivative.

extension TestRNG {
    /// A shape of rank `lo…hi` with sizes 1…`maxSize`.
    mutating func basicsShape(rank lo: Int, _ hi: Int, maxSize: Int = 4) -> [Int] {
        (0..<int(lo, hi)).map { _ in int(1, maxSize) }
    }

    /// Two shapes that broadcast to a random shape of rank ≤ 3: each may drop leading axes and turn
    /// sizes into 1.
    mutating func basicsBroadcastPair() -> ([Int], [Int]) {
        let out = basicsShape(rank: 0, 3)
        func operand(_ rng: inout TestRNG) -> [Int] {
            let drop = rng.int(0, out.count)
            return out.dropFirst(drop).map { rng.int(0, 2) == 0 ? 1 : $0 }
        }
        return (operand(&self), operand(&self))
    }

    /// Values with |x| in 0.1…1 and random sign.
    mutating func basicsAwayFromZero(_ shape: [Int]) -> Tensor {
        let n = shape.reduce(1, *)
        return Tensor(unchecked: shape, scalars: (0..<n).map { _ in (bool() ? 1 : -1) * float(0.1, 1) })
    }

    /// Distinct values at least 0.1 apart, in random order (no ties for max/min).
    mutating func basicsDistinct(_ shape: [Int]) -> Tensor {
        let n = shape.reduce(1, *)
        var values = (0..<n).map { Float($0) * 0.1 - Float(n) * 0.05 }
        for i in stride(from: n - 1, to: 0, by: -1) { values.swapAt(i, int(0, i)) }
        return Tensor(unchecked: shape, scalars: values)
    }

    /// A random subset of the axes of a rank-`rank` tensor, each written positive or negative.
    mutating func basicsAxes(rank: Int) -> [Int] {
        (0..<rank).filter { _ in bool() }.map { bool() ? $0 : $0 - rank }
    }
}

/// The gradient of `f` at `x` for the loss `sum(f(x))`, by backward.
func basicsGradient(of x: Tensor, _ f: (Variable) throws -> Variable) throws -> Tensor {
    let v = Variable(x, requiresGrad: true)
    try Autograd.backward(try f(v).sum())
    return try #require(v.grad)
}
