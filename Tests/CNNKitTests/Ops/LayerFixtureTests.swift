@testable import CNNKit
import Testing

/// The layer ops against NumPy/SciPy results stored by scripts/make-fixtures (references checked
/// against PyTorch when they were written). Tolerances: float32 results of float64 references.
@Suite("Fixtures: layers")
struct LayerFixtureTests {
    @Test("maxpool fixtures")
    func maxPool() throws {
        for c in try Fixtures.cases("maxpool") {
            let y = try Tensor.maxPool(c.tensor("x"), kernel: c.size2("kernel"), stride: c.size2("stride"),
                                       padding: c.pads(), dilation: c.size2("dilation"), ceilMode: c.bool("ceil"))
            expectClose(y, try c.tensor("y"), rtol: 0, atol: 0, "\(c)")
        }
    }

    @Test("avgpool fixtures")
    func avgPool() throws {
        for c in try Fixtures.cases("avgpool") {
            let y = try Tensor.avgPool(c.tensor("x"), kernel: c.size2("kernel"), stride: c.size2("stride"),
                                       padding: c.pads(), ceilMode: c.bool("ceil"), countPad: c.bool("count_pad"))
            expectClose(y, try c.tensor("y"), rtol: 1e-5, atol: 1e-6, "\(c)")
        }
    }

    @Test("softmax and log_softmax fixtures")
    func softmax() throws {
        for op in ["softmax", "log_softmax"] {
            for c in try Fixtures.cases(op) {
                let x = try c.tensor("x"), axis = c.int("axis") ?? -1
                let y = op == "softmax" ? try x.softmax(axis: axis) : try x.logSoftmax(axis: axis)
                expectClose(y, try c.tensor("y"), rtol: 1e-5, atol: 1e-6, "\(op) \(c)")
            }
        }
    }

    @Test("batchnorm fixtures")
    func batchNorm() throws {
        for c in try Fixtures.cases("batchnorm") {
            let y = try Tensor.batchNorm(c.tensor("x"), scale: c.tensor("scale"), bias: c.tensor("bias"),
                                         mean: c.tensor("mean"), variance: c.tensor("var"), eps: Float(c.double("eps") ?? 1e-5))
            expectClose(y, try c.tensor("y"), rtol: 1e-5, atol: 1e-5, "\(c)")
        }
    }

    @Test("convolve and correlate fixtures (numpy.convolve/correlate, scipy convolve2d/correlate2d)")
    func signals() throws {
        for op in ["convolve", "correlate"] {
            let cases = try Fixtures.cases(op)
            #expect(cases.count == 27)
            for c in cases {
                let mode = try #require(ConvolveMode(rawValue: c.string("mode") ?? ""), "\(c)")
                let f = try c.tensor("f"), g = try c.tensor("g"), want = try c.tensor("y")
                if c.name.hasPrefix("2d_small_big_valid") {
                    // SciPy swaps when in2 is the larger one in every dimension; convolve2d keeps the
                    // orientation, correlate2d reverses both axes.
                    #expect(want.shape == [3, 3])
                }
                let y = op == "convolve" ? try Tensor.convolve(f, g, mode: mode) : try Tensor.correlate(f, g, mode: mode)
                expectClose(y, want, rtol: 1e-5, atol: 1e-5, "\(op) \(c)")
            }
        }
    }

    @Test("named kernels and their effect on a small image")
    func kernels() throws {
        for c in try Fixtures.cases("kernel") {
            let name = try #require(c.string("name"))
            let k = try Tensor.namedKernel(name, size: c.int("size"), sigma: c.double("sigma").map(Float.init))
            expectClose(k, try c.tensor("kernel"), rtol: 1e-6, atol: 1e-7, "kernel \(c)")
            let y = try Tensor.convolve(c.tensor("image"), k, mode: .same)
            expectClose(y, try c.tensor("y"), rtol: 1e-5, atol: 1e-5, "image \(c)")
        }
    }
}
