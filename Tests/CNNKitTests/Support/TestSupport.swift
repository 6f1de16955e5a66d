@testable import CNNKit
import CNNKernels
import CNNKernelsCheck
import Testing

/// A small deterministic generator for test inputs, independent of the engine's own RandomSource.
struct TestRNG {
    private var state: UInt64
    init(_ seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [lo, hi).
    mutating func float(_ lo: Float = -1, _ hi: Float = 1) -> Float {
        lo + (hi - lo) * Float(next() >> 40) / Float(1 << 24)
    }
    /// Uniform in lo...hi.
    mutating func int(_ lo: Int, _ hi: Int) -> Int { lo + Int(next() % UInt64(hi - lo + 1)) }
    mutating func bool() -> Bool { next() & 1 == 1 }
    mutating func tensor(_ shape: [Int], _ lo: Float = -1, _ hi: Float = 1) -> Tensor {
        let n = shape.reduce(1, *)
        return Tensor(unchecked: shape, scalars: (0..<n).map { _ in float(lo, hi) })
    }
}

/// The largest |a-b| / (atol + rtol·|b|) ratio; ≤ 1 means every element is within tolerance.
func closeness(_ a: [Float], _ b: [Float], rtol: Float, atol: Float) -> Float {
    var worst: Float = 0
    for (x, y) in zip(a, b) {
        let r = abs(x - y) / (atol + rtol * abs(y))
        if !(r <= worst) { worst = r.isNaN ? .infinity : r }
    }
    return worst
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

/// Every kernel set this CPU can run, and the AVX-512 block shape in AVX2 instructions where AVX2
/// runs: the tests check each fast path with each of them.
let kernelSetsUnderTest: [KernelSet] = {
    var sets = Kernels.available
    if CPUInfo.current.runsAVX2 || CPUInfo.current.vectorExtension == "NEON" { sets.append(avx512ShapeKernels) }
    return sets
}()

extension ConvGeometry {
    /// This geometry run with another kernel set.
    func using(_ set: KernelSet) -> ConvGeometry {
        var g = self
        g.kernels = set
        return g
    }
}
