@testable import CNNKit
import CNNKernels
import CNNTestSupport
import Testing

extension TestRNG {
    mutating func tensor(_ shape: [Int], _ lo: Float = -1, _ hi: Float = 1) -> Tensor {
        let n = shape.reduce(1, *)
        return Tensor(unchecked: shape, scalars: (0..<n).map { _ in float(lo, hi) })
    }
}

/// Expects `body` to throw an `OpError` from `op` whose description contains every one of `fragments`.
func expectOpError<T>(_ op: String, _ fragments: String..., sourceLocation: SourceLocation = #_sourceLocation,
                      _ body: () throws -> T) {
    do {
        let value = try body()
        Issue.record("expected an \(op) error containing \(fragments), got \(value)", sourceLocation: sourceLocation)
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

/// Expects same shape and values within `atol + rtol·|expected|`, reporting the first mismatch.
func expectClose(_ actual: Tensor, _ expected: Tensor, rtol: Float = 1e-4, atol: Float = 1e-5,
                 _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.shape == expected.shape, comment, sourceLocation: sourceLocation)
    guard actual.shape == expected.shape else { return }
    for i in 0..<actual.count {
        let x = actual.scalars[i], y = expected.scalars[i]
        if !(abs(x - y) <= atol + rtol * abs(y)) {
            Issue.record("element \(i): got \(x), expected \(y) (rtol \(rtol), atol \(atol)) \(comment.map { "\($0)" } ?? "")",
                         sourceLocation: sourceLocation)
            return
        }
    }
}

extension ConvGeometry {
    /// This geometry run with another kernel set.
    func using(_ set: KernelSet) -> ConvGeometry {
        var g = self
        g.kernels = set
        return g
    }
}
