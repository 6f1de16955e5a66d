@testable import CNNKit
import Testing

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
