@testable import CNNKit
import Foundation
import Testing
import CNNTestSupport

// The losses against plainly written Double references, finite differences (gradCheck's default
// tolerance) and their input validation.

/// Naive cross-entropy in Double: mean over rows of log Σ exp(x) − x[label], and its gradient
/// (softmax − onehot)/N, both from the definition (no max shift, fine for the small logits used here).
private func referenceCrossEntropy(_ x: Tensor, _ labels: [Int]) -> (loss: Double, grad: [Float]) {
    let n = x.shape[0], c = x.shape[1]
    var loss = 0.0
    var grad = [Float](repeating: 0, count: n * c)
    for i in 0..<n {
        var sum = 0.0
        for j in 0..<c { sum += exp(Double(x.scalars[i * c + j])) }
        loss += log(sum) - Double(x.scalars[i * c + labels[i]])
        for j in 0..<c {
            let p = exp(Double(x.scalars[i * c + j])) / sum
            grad[i * c + j] = Float((p - (j == labels[i] ? 1 : 0)) / Double(n))
        }
    }
    return (loss / Double(n), grad)
}

@Suite struct GradBasicsLossTests {
    @Test func crossEntropyMatchesTheReference() throws {
        var rng = TestRNG(41)
        for trial in 0..<10 {
            let n = rng.int(1, 6), c = rng.int(1, 7)
            let x = rng.tensor([n, c], -4, 4)
            let labels = (0..<n).map { _ in rng.int(0, c - 1) }
            let target = Tensor(labels.map(Float.init))
            let v = Variable(x, requiresGrad: true)
            let loss = try Loss.crossEntropy(v, labels: target)
            try Autograd.backward(loss)
            let ref = referenceCrossEntropy(x, labels)
            #expect(loss.shape == [])
            #expect(abs(Double(loss.value.scalars[0]) - ref.loss) <= 1e-5 + 1e-5 * abs(ref.loss), "trial \(trial)")
            expectClose(try #require(v.grad), Tensor(unchecked: [n, c], scalars: ref.grad), rtol: 1e-4, atol: 1e-6, "trial \(trial)")
            try gradCheck([x], "trial \(trial)") { try Loss.crossEntropy($0[0], labels: target) }
        }
    }

    @Test func crossEntropyIsStableForHugeLogits() throws {
        let x = try Tensor(shape: [3, 3], scalars: [1000, -1000, 0, -1000, 1000, 999, 1000, 1000, -1000])
        let v = Variable(x, requiresGrad: true)
        let loss = try Loss.crossEntropy(v, labels: Tensor([0, 2, 2]))
        try Autograd.backward(loss)
        let g = try #require(v.grad)
        #expect(loss.value.scalars[0].isFinite)
        #expect(g.scalars.allSatisfy { $0.isFinite })
        // Row 0: loss 0; row 1: log(1 + e⁻¹) + 1; row 2: 2000 + log 2. Mean of the three.
        let expected = (0 + (log(1 + exp(-1.0)) + 1) + (2000 + log(2.0))) / 3
        #expect(abs(Double(loss.value.scalars[0]) - expected) < 1e-3)
        // The gradient rows sum to zero: probabilities sum to 1 and the one-hot to 1.
        for i in 0..<3 { #expect(abs(g.scalars[3 * i] + g.scalars[3 * i + 1] + g.scalars[3 * i + 2]) < 1e-6) }
        // And equals log_softmax + nll composed (which is stable too).
        let composed = try Loss.nll(try Variable(x).logSoftmax(axis: 1), labels: Tensor([0, 2, 2]))
        #expect(abs(composed.value.scalars[0] - loss.value.scalars[0]) < 1e-3)
    }

    @Test func crossEntropyValidatesLabels() {
        let x = Variable(Tensor(unchecked: [2, 3], scalars: [0, 1, 2, 3, 4, 5]), requiresGrad: true)
        func message(_ labels: Tensor, _ logits: Variable? = nil) -> String {
            do { _ = try Loss.crossEntropy(logits ?? x, labels: labels); return "" } catch { return "\(error)" }
        }
        #expect(message(Tensor([0, 1.5])).hasPrefix("cross_entropy: label 1.5 at position 1 is not a class index"))
        #expect(message(Tensor([3, 0])) == "cross_entropy: label 3 at position 0 is out of range for 3 classes (0…2)")
        #expect(message(Tensor([0, -1])).contains("out of range"))
        #expect(message(Tensor([0, 1e30])).contains("out of range"))
        #expect(message(Tensor([0, .nan])).contains("not a class index"))
        #expect(message(Tensor([0, 1, 2])).contains("vector of 2 class indices"))
        #expect(message(Tensor(unchecked: [2, 1], scalars: [0, 1])).contains("got shape 2×1"))
        #expect(message(Tensor([0]), Variable(Tensor([1, 2, 3]))).contains("must be N×C"))
        #expect(message(Tensor([]), Variable(Tensor(unchecked: [0, 3], scalars: []))).contains("empty"))
    }

    @Test func nll() throws {
        var rng = TestRNG(42)
        for trial in 0..<6 {
            let n = rng.int(1, 5), c = rng.int(1, 5)
            let x = rng.tensor([n, c], -3, 0)
            let labels = (0..<n).map { _ in Float(rng.int(0, c - 1)) }
            try gradCheck([x], "trial \(trial)") { try Loss.nll($0[0], labels: Tensor(labels)) }
        }
        let x = Variable(try Tensor(shape: [2, 2], scalars: [-1, -2, -3, -4]), requiresGrad: true)
        let loss = try Loss.nll(x, labels: Tensor([1, 0]))
        try Autograd.backward(loss)
        #expect(loss.value.scalars == [2.5])
        #expect(x.grad?.scalars == [0, -0.5, -0.5, 0])
        #expect(throws: OpError.self) { try Loss.nll(x, labels: Tensor([2, 0])) }
    }

    @Test func mse() throws {
        var rng = TestRNG(43)
        for trial in 0..<8 {
            let (sa, sb) = rng.basicsBroadcastPair()
            try gradCheck([rng.tensor(sa), rng.tensor(sb)], "trial \(trial): \(sa) vs \(sb)") { try Loss.mse($0[0], $0[1]) }
        }
        let x = Variable(Tensor([1, 2, 3]), requiresGrad: true)
        let loss = try Loss.mse(x, Variable(Tensor([1, 0, 0])))
        try Autograd.backward(loss)
        #expect(loss.value.scalars == [13.0 / 3])
        expectClose(try #require(x.grad), Tensor([0, 4.0 / 3, 2]), rtol: 1e-6, atol: 0)
        do { _ = try Loss.mse(x, Variable(Tensor([1, 2]))); Issue.record("no error") } catch {
            #expect("\(error)".hasPrefix("mse: shapes 3 and 2 cannot broadcast"))
        }
    }
}
