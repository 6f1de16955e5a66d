@testable import CNNKit
import Testing

/// Expects `body` to throw an `OpError` of `op` whose message contains every fragment.
func expectLayerError(_ op: String, _ fragments: String..., sourceLocation: SourceLocation = #_sourceLocation,
                      _ body: () throws -> Any) {
    do {
        let value = try body()
        Issue.record("expected \(op) error containing \(fragments), got a value \(value)", sourceLocation: sourceLocation)
    } catch let e as OpError {
        #expect(e.op == op, "op of \(e)", sourceLocation: sourceLocation)
        for f in fragments {
            #expect(e.message.contains(f), "\"\(e.message)\" should contain \"\(f)\"", sourceLocation: sourceLocation)
        }
    } catch {
        Issue.record("expected OpError, got \(error)", sourceLocation: sourceLocation)
    }
}

/// `0, 1, 2, …` in `shape`.
func layerArange(_ shape: [Int]) -> Tensor {
    Tensor(unchecked: shape, scalars: (0..<shape.reduce(1, *)).map(Float.init))
}

/// Expects the same shape and bit-for-bit equal values, where NaN matches NaN and infinities match.
func expectLayerSame(_ actual: Tensor, _ expected: Tensor, _ comment: Comment? = nil,
                sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.shape == expected.shape, comment, sourceLocation: sourceLocation)
    guard actual.shape == expected.shape else { return }
    for (i, (x, y)) in zip(actual.scalars, expected.scalars).enumerated() where !(x == y || (x.isNaN && y.isNaN)) {
        Issue.record("element \(i): got \(x), expected \(y) \(comment.map { "\($0)" } ?? "")", sourceLocation: sourceLocation)
        return
    }
}
