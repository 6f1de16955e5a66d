@testable import CNNKit
import Testing
import CNNTestSupport

/// A literal tensor for tests (the shape and values must agree).
func lit(_ shape: [Int], _ values: [Float]) -> Tensor {
    precondition(shape.reduce(1, *) == values.count, "test literal: shape and values disagree")
    return Tensor(unchecked: shape, scalars: values)
}

extension BasicsRef {
    /// A shape of rank 0…maxRank with sizes 1…maxDim, size 1 turning up often.
    static func shape(_ rng: inout TestRNG, maxRank: Int = 4, maxDim: Int = 4) -> [Int] {
        let rank = rng.int(0, maxRank)
        return (0..<rank).map { _ in rng.int(0, 2) == 0 ? 1 : rng.int(1, maxDim) }
    }

    /// A tensor of a random shape (see `shape`) with values uniform in [lo, hi).
    static func randomTensor(_ rng: inout TestRNG, maxRank: Int = 4, maxDim: Int = 4,
                             _ lo: Float = -1, _ hi: Float = 1) -> Tensor {
        let s = shape(&rng, maxRank: maxRank, maxDim: maxDim)
        return rng.tensor(s, lo, hi)
    }

    /// Two shapes that broadcast together: one shape with leading axes dropped and some sizes set to 1.
    static func broadcastPair(_ rng: inout TestRNG, maxRank: Int = 4, maxDim: Int = 4) -> ([Int], [Int]) {
        let out = shape(&rng, maxRank: maxRank, maxDim: maxDim)
        func derive(_ rng: inout TestRNG) -> [Int] {
            let drop = rng.int(0, out.count)
            return out.dropFirst(drop).map { rng.int(0, 2) == 0 ? 1 : $0 }
        }
        let a = derive(&rng)
        return (a, derive(&rng))
    }

    /// A random permutation of 0..<n.
    static func permutation(_ rng: inout TestRNG, _ n: Int) -> [Int] {
        var p = Array(0..<n)
        if n > 1 {
            for i in stride(from: n - 1, to: 0, by: -1) { p.swapAt(i, rng.int(0, i)) }
        }
        return p
    }
}
