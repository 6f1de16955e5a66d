@testable import CNNKit
import Testing
import CNNTestSupport

@Suite("Im2colLinear")
struct Im2colLinearTests {
    @Test("im2col of a 3×3 arange with a 2×2 kernel, by hand")
    func im2colLiteral() throws {
        let x = Tensor(unchecked: [3, 3], scalars: (0..<9).map(Float.init))
        let cols = try Tensor.im2col(x, kernel: Size2(2))
        #expect(cols.shape == [4, 4])
        // Rows are the kernel taps (r, s); columns the output positions (p, q).
        #expect(cols.scalars == [0, 1, 3, 4,
                                 1, 2, 4, 5,
                                 3, 4, 6, 7,
                                 4, 5, 7, 8])
    }

    @Test("im2col keeps 3-D and 2-D inputs' ranks and pads with zeros")
    func im2colRanks() throws {
        var rng = TestRNG(11)
        let x = rng.tensor([2, 4, 5])
        let cols = try Tensor.im2col(x, kernel: Size2(3, 2), stride: Size2(1, 2), padding: .explicit(Padding2D(top: 1, left: 0, bottom: 2, right: 1)))
        var p = ConvReference.Params()
        (p.c, p.h, p.w, p.r, p.s, p.stride, p.pad) = (2, 4, 5, 3, 2, (1, 2), (1, 0, 2, 1))
        #expect(cols.shape == [2 * 3 * 2, p.outH * p.outW])
        #expect(cols.scalars == ConvReference.im2col(x.scalars, p))
        let one = try Tensor.im2col(Tensor(unchecked: [1, 1], scalars: [7]), kernel: Size2(3), padding: .same)
        #expect(one.shape == [9, 1])
        #expect(one.scalars == [0, 0, 0, 0, 7, 0, 0, 0, 0])
    }

    @Test("linear matches the reference for several ranks, with and without bias")
    func linearSweep() throws {
        var rng = TestRNG(12)
        for (shape, outFeatures) in [([5], 3), ([4, 7], 2), ([2, 3, 6], 5), ([1, 1], 1), ([3, 33], 17)] {
            let inFeatures = shape[shape.count - 1]
            let x = rng.tensor(shape), w = rng.tensor([outFeatures, inFeatures])
            for bias in [nil, rng.tensor([outFeatures])] {
                let y = try Tensor.linear(x, w, bias: bias)
                var outShape = shape
                outShape[outShape.count - 1] = outFeatures
                let rows = x.count / inFeatures
                expectClose(y, Tensor(unchecked: outShape, scalars: ConvReference.linear(
                    x.scalars, rows: rows, inFeatures: inFeatures, w.scalars, outFeatures: outFeatures, bias: bias?.scalars)))
            }
        }
    }

    @Test("linear with zero input features gives the bias")
    func linearEmpty() throws {
        let y = try Tensor.linear(Tensor(unchecked: [2, 0], scalars: []), Tensor(unchecked: [3, 0], scalars: []),
                                  bias: Tensor([1, 2, 3]))
        #expect(y.shape == [2, 3])
        #expect(y.scalars == [1, 2, 3, 1, 2, 3])
    }
}
