@testable import CNNKit
import Testing

/// Runs `body`, expecting an `OpError` from `op` whose description contains every one of `fragments`.
func expectOpError<T>(_ op: String, _ fragments: [String] = [],
                      sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> T) {
    do {
        let value = try body()
        Issue.record("expected an \(op) error, got \(value)", sourceLocation: sourceLocation)
    } catch let error as OpError {
        #expect(error.op == op, "error \(error) should come from \(op)", sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(error.description.contains(fragment), "\"\(error)\" should mention \"\(fragment)\"",
                    sourceLocation: sourceLocation)
        }
    } catch {
        Issue.record("expected an OpError, got \(error)", sourceLocation: sourceLocation)
    }
}

/// A literal tensor for tests (the shape and values must agree).
func T(_ shape: [Int], _ values: [Float]) -> Tensor {
    precondition(shape.reduce(1, *) == values.count, "test literal: shape and values disagree")
    return Tensor(unchecked: shape, scalars: values)
}

extension TestRNG {
    /// A shape of rank 0…maxRank with sizes 1…maxDim, size 1 turning up often.
    mutating func shape(maxRank: Int = 4, maxDim: Int = 4) -> [Int] {
        let rank = int(0, maxRank)
        return (0..<rank).map { _ in int(0, 2) == 0 ? 1 : int(1, maxDim) }
    }

    /// Two shapes that broadcast together: `out` with leading axes dropped and some sizes set to 1.
    mutating func broadcastPair(maxRank: Int = 4, maxDim: Int = 4) -> ([Int], [Int]) {
        let out = shape(maxRank: maxRank, maxDim: maxDim)
        func derive(_ rng: inout TestRNG) -> [Int] {
            let drop = rng.int(0, out.count)
            return out.dropFirst(drop).map { rng.int(0, 2) == 0 ? 1 : $0 }
        }
        return (derive(&self), derive(&self))
    }

    /// A random permutation of 0..<n.
    mutating func permutation(_ n: Int) -> [Int] {
        var p = Array(0..<n)
        if n > 1 {
            for i in stride(from: n - 1, to: 0, by: -1) { p.swapAt(i, int(0, i)) }
        }
        return p
    }
}
