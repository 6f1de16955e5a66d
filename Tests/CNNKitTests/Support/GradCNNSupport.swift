@testable import CNNKit
import Testing
import CNNTestSupport

/// `gradCheck` with fewer sampled elements: conv and pool sweeps run many cases.
func seededGradCheck(_ inputs: [Tensor], eps: Float = 1e-2, rtol: Float = 2e-2, atol: Float = 2e-3,
                     maxChecks: Int = 12, seed: UInt64 = 1, _ comment: Comment? = nil,
                     sourceLocation: SourceLocation = #_sourceLocation,
                     _ f: ([Variable]) throws -> Variable) throws {
    try gradCheck(inputs, eps: eps, rtol: rtol, atol: atol, maxChecks: maxChecks, seed: seed, comment,
                  sourceLocation: sourceLocation, f)
}

/// Runs `f` on leaves that require gradients, back-propagates `gy` and returns each leaf's gradient
/// (zeros where none arrived).
func gradients(_ inputs: [Tensor], gy: Tensor, _ f: ([Variable]) throws -> Variable) throws -> (Tensor, [Tensor]) {
    let vars = inputs.map { Variable($0, requiresGrad: true) }
    let out = try f(vars)
    try Autograd.backward(out, gradient: gy)
    return (out.value, vars.map { $0.grad ?? Tensor(unchecked: $0.shape, scalars: [Float](repeating: 0, count: $0.value.count)) })
}

/// `count` distinct values 0.05 apart, shuffled: pooling windows then have no ties, and a ±0.01 nudge
/// never changes which input is the maximum.
func distinctValues(_ shape: [Int], _ rng: inout TestRNG) -> Tensor {
    let count = shape.reduce(1, *)
    var values = (0..<count).map { Float($0) * 0.05 - Float(count) * 0.025 }
    for i in stride(from: count - 1, to: 0, by: -1) { values.swapAt(i, rng.int(0, i)) }
    return Tensor(unchecked: shape, scalars: values)
}

/// Plainly written gradients of the direct convolution (`ConvReference.conv`): every multiply-add of the
/// forward loop sends dY back to the input and the weight it read.
enum ConvGradReference {
    static func gradients(_ x: [Float], _ w: [Float], _ dy: [Float], _ p: ConvReference.Params) -> (dx: [Float], dw: [Float], db: [Float]) {
        let cg = p.c / p.groups, kg = p.k / p.groups
        let oh = p.outH, ow = p.outW
        var dx = [Double](repeating: 0, count: x.count), dw = [Double](repeating: 0, count: w.count)
        var db = [Double](repeating: 0, count: p.k)
        for n in 0..<p.n {
            for k in 0..<p.k {
                let g = k / kg
                for i in 0..<oh {
                    for j in 0..<ow {
                        let gv = Double(dy[((n * p.k + k) * oh + i) * ow + j])
                        db[k] += gv
                        for c in 0..<cg {
                            for r in 0..<p.r {
                                for s in 0..<p.s {
                                    let ih = i * p.stride.h - p.pad.top + r * p.dilation.h
                                    let iw = j * p.stride.w - p.pad.left + s * p.dilation.w
                                    if ih < 0 || ih >= p.h || iw < 0 || iw >= p.w { continue }
                                    let xi = ((n * p.c + g * cg + c) * p.h + ih) * p.w + iw
                                    let wi = ((k * cg + c) * p.r + r) * p.s + s
                                    dx[xi] += Double(w[wi]) * gv
                                    dw[wi] += Double(x[xi]) * gv
                                }
                            }
                        }
                    }
                }
            }
        }
        return (dx.map { Float($0) }, dw.map { Float($0) }, db.map { Float($0) })
    }
}
