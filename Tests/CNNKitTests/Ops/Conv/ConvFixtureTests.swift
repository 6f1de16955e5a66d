@testable import CNNKit
import Testing

/// conv and matmul against plain NumPy results from scripts/make-fixtures (conv checked against PyTorch's
/// conv2d when written): stride, asymmetric padding, dilation, groups, depthwise, 1×1; matmul with 1-D
/// operands and broadcast batches.
@Suite("Fixtures: conv and matmul")
struct ConvFixtureTests {
    @Test("conv fixtures")
    func conv() throws {
        let cases = try Fixtures.cases("conv")
        #expect(cases.count == 8)
        for c in cases {
            let y = try Tensor.conv(c.tensor("x"), c.tensor("w"), bias: c.arrays["b"], stride: c.size2("stride"),
                                    padding: c.pads(), dilation: c.size2("dilation"), groups: c.int("groups") ?? 1)
            expectClose(y, try c.tensor("y"), rtol: 1e-4, atol: 1e-4, "\(c)")
        }
    }

    @Test("matmul fixtures")
    func matmul() throws {
        let cases = try Fixtures.cases("matmul")
        #expect(cases.count == 7)
        for c in cases {
            let y = try Tensor.matmul(c.tensor("a"), c.tensor("b"))
            expectClose(y, try c.tensor("y"), rtol: 1e-4, atol: 1e-5, "\(c)")
        }
    }
}
