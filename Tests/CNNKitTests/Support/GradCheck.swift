@testable import CNNKit
import Testing
import CNNTestSupport

/// Checks the analytic gradients of `f` against central finite differences.
///
/// The scalar checked is `sum(f(inputs) · probe)` with a fixed random `probe`, so every output element
/// contributes; its analytic gradient comes from seeding `Autograd.backward` with `probe` directly, so
/// the check needs no differentiable op besides those under test. Each input element (or a random
/// sample of `maxChecks` of them) is nudged by ±`eps`; float32 arithmetic limits how close the two can
/// be, hence the loose default tolerance.
func gradCheck(_ inputs: [Tensor], eps: Float = 1e-2, rtol: Float = 2e-2, atol: Float = 2e-3,
               maxChecks: Int = 60, seed: UInt64 = 1, _ comment: Comment? = nil,
               sourceLocation: SourceLocation = #_sourceLocation,
               _ f: ([Variable]) throws -> Variable) throws {
    var rng = TestRNG(seed)
    let vars = inputs.map { Variable($0, requiresGrad: true) }
    let out = try f(vars)
    let probe = rng.tensor(out.shape)
    try Autograd.backward(out, gradient: probe)

    func value(_ xs: [Tensor]) throws -> Double {
        // Constant inputs build no graph.
        let y = try f(xs.map { Variable($0) }).value
        var s = 0.0
        for (a, b) in zip(y.scalars, probe.scalars) { s += Double(a) * Double(b) }
        return s
    }

    for (k, input) in inputs.enumerated() {
        let grad = vars[k].grad ?? Tensor(unchecked: input.shape, scalars: [Float](repeating: 0, count: input.count))
        #expect(grad.shape == input.shape, comment, sourceLocation: sourceLocation)
        let indices = input.count <= maxChecks ? Array(0..<input.count) : (0..<maxChecks).map { _ in rng.int(0, input.count - 1) }
        for i in indices {
            var plus = inputs, minus = inputs
            plus[k].scalars[i] += eps
            minus[k].scalars[i] -= eps
            let numeric = Float((try value(plus) - value(minus)) / Double(2 * eps))
            let analytic = grad.scalars[i]
            if !(abs(numeric - analytic) <= atol + rtol * abs(numeric)) {
                Issue.record("input \(k) element \(i): analytic \(analytic) vs numeric \(numeric) \(comment.map { "\($0)" } ?? "")",
                             sourceLocation: sourceLocation)
                return
            }
        }
    }
}
