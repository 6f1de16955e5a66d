import CNNKit
@testable import CNNScript
import Testing

/// Snapshot tests of `TensorFormatter`: the exact text users see for each kind of tensor and each knob.
/// Expected strings follow PyTorch's number rules and NumPy's layout (see `TensorFormatter`).
@Suite struct RenderFormatterTests {
    func arange(_ shape: [Int], _ f: (Int) -> Float = { Float($0) }) throws -> Tensor {
        try Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map(f))
    }
    func values(_ v: [Float], _ options: PrintOptions = PrintOptions()) throws -> String {
        TensorFormatter.format(try Tensor(shape: [v.count], scalars: v), options: options)
    }

    @Test func small2D() throws {
        #expect(TensorFormatter.format(try arange([2, 3])) == """
            tensor 2×3 f32
            [[0., 1., 2.],
             [3., 4., 5.]]
            """)
    }

    @Test func small3DHasBlankLineBetweenBlocks() throws {
        #expect(TensorFormatter.format(try arange([2, 3, 4])) == """
            tensor 2×3×4 f32
            [[[ 0.,  1.,  2.,  3.],
              [ 4.,  5.,  6.,  7.],
              [ 8.,  9., 10., 11.]],

             [[12., 13., 14., 15.],
              [16., 17., 18., 19.],
              [20., 21., 22., 23.]]]
            """)
    }

    @Test func small4DHasTwoBlankLinesBetweenOuterBlocks() throws {
        #expect(TensorFormatter.format(try arange([2, 2, 2, 3])) == """
            tensor 2×2×2×3 f32
            [[[[ 0.,  1.,  2.],
               [ 3.,  4.,  5.]],

              [[ 6.,  7.,  8.],
               [ 9., 10., 11.]]],


             [[[12., 13., 14.],
               [15., 16., 17.]],

              [[18., 19., 20.],
               [21., 22., 23.]]]]
            """)
    }

    @Test func integerValuedPrintsTrailingDot() throws {
        #expect(try values([1, -2, 300]) == "tensor 3 f32\n[  1.,  -2., 300.]")
    }

    @Test func mixedValuesUseFixedPrecisionAndCommonWidth() throws {
        #expect(TensorFormatter.format(try arange([2, 3]) { Float($0) * 0.37 - 1 }) == """
            tensor 2×3 f32
            [[-1.0000, -0.6300, -0.2600],
             [ 0.1100,  0.4800,  0.8500]]
            """)
    }

    @Test func scientificWhenRangeIsWide() throws {
        #expect(try values([1e-5, 1, 2, 300000]) == "tensor 4 f32\n[1.0000e-05, 1.0000e+00, 2.0000e+00, 3.0000e+05]")
        // Tiny values alone (min < 1e-4) also switch, as in PyTorch.
        #expect(try values([0.00002, 0.00005]) == "tensor 2 f32\n[2.0000e-05, 5.0000e-05]")
        // Integers switch only on ratio > 1000 or max > 1e8.
        #expect(try values([1, 1e9]) == "tensor 2 f32\n[1.0000e+00, 1.0000e+09]")
        #expect(try values([1, 1000]) == "tensor 2 f32\n[   1., 1000.]")
        #expect(try values([-1, 1e5]) == "tensor 2 f32\n[-1.0000e+00,  1.0000e+05]")
    }

    @Test func negativeZeroKeepsItsSign() throws {
        #expect(try values([-0.0, 1, 2, 3]) == "tensor 4 f32\n[-0.,  1.,  2.,  3.]")
        #expect(try values([-0.0, 0.5]) == "tensor 2 f32\n[-0.0000,  0.5000]")
    }

    @Test func nanAndInfinity() throws {
        #expect(try values([.nan, .infinity, -.infinity, 1.5, 0]) ==
                "tensor 5 f32\n[   nan,    inf,   -inf, 1.5000, 0.0000]")
        #expect(try values([.nan, 2, -.infinity]) == "tensor 3 f32\n[ nan,   2., -inf]")
        #expect(try values([.nan, .nan]) == "tensor 2 f32\n[nan, nan]")
        #expect(try values([0, 0]) == "tensor 2 f32\n[0., 0.]")
    }

    @Test func summarisedVector() throws {
        // 0…1999: integers whose ratio exceeds 1000, so PyTorch's rule picks scientific notation.
        #expect(TensorFormatter.format(try arange([2000])) ==
                "tensor 2000 f32\n[0.0000e+00, 1.0000e+00, 2.0000e+00, ..., 1.9970e+03, 1.9980e+03, 1.9990e+03]")
        #expect(TensorFormatter.format(try arange([2000]) { Float($0 % 7) }) ==
                "tensor 2000 f32\n[0., 1., 2., ..., 2., 3., 4.]")
    }

    @Test func summarisedMatrix() throws {
        #expect(TensorFormatter.format(try arange([40, 40]) { Float($0 % 100) / 4 }) == """
            tensor 40×40 f32
            [[ 0.0000,  0.2500,  0.5000, ...,  9.2500,  9.5000,  9.7500],
             [10.0000, 10.2500, 10.5000, ..., 19.2500, 19.5000, 19.7500],
             [20.0000, 20.2500, 20.5000, ...,  4.2500,  4.5000,  4.7500],
             ...,
             [20.0000, 20.2500, 20.5000, ...,  4.2500,  4.5000,  4.7500],
             [ 5.0000,  5.2500,  5.5000, ..., 14.2500, 14.5000, 14.7500],
             [15.0000, 15.2500, 15.5000, ..., 24.2500, 24.5000, 24.7500]]
            """)
    }

    @Test func summarised3D() throws {
        // 20×2×30 = 1200 elements: summarised on the outer and inner axes, not on the axis of length 2.
        #expect(TensorFormatter.format(try arange([20, 2, 30]) { Float($0 % 97) }) == """
            tensor 20×2×30 f32
            [[[ 0.,  1.,  2., ..., 27., 28., 29.],
              [30., 31., 32., ..., 57., 58., 59.]],

             [[60., 61., 62., ..., 87., 88., 89.],
              [90., 91., 92., ..., 20., 21., 22.]],

             [[23., 24., 25., ..., 50., 51., 52.],
              [53., 54., 55., ..., 80., 81., 82.]],

             ...,

             [[50., 51., 52., ..., 77., 78., 79.],
              [80., 81., 82., ..., 10., 11., 12.]],

             [[13., 14., 15., ..., 40., 41., 42.],
              [43., 44., 45., ..., 70., 71., 72.]],

             [[73., 74., 75., ...,  3.,  4.,  5.],
              [ 6.,  7.,  8., ..., 33., 34., 35.]]]
            """)
    }

    @Test func longRowsWrapAtLinewidth() throws {
        #expect(TensorFormatter.format(try arange([30]) { Float($0) + 0.5 }) == """
            tensor 30 f32
            [ 0.5000,  1.5000,  2.5000,  3.5000,  4.5000,  5.5000,  6.5000,  7.5000,
              8.5000,  9.5000, 10.5000, 11.5000, 12.5000, 13.5000, 14.5000, 15.5000,
             16.5000, 17.5000, 18.5000, 19.5000, 20.5000, 21.5000, 22.5000, 23.5000,
             24.5000, 25.5000, 26.5000, 27.5000, 28.5000, 29.5000]
            """)
        // Inside a matrix, continuation lines align under the row's first element.
        var o = PrintOptions()
        o.linewidth = 20
        #expect(TensorFormatter.format(try arange([2, 6]), options: o) == """
            tensor 2×6 f32
            [[ 0.,  1.,  2.,
               3.,  4.,  5.],
             [ 6.,  7.,  8.,
               9., 10., 11.]]
            """)
    }

    @Test func precisionKnob() throws {
        var o = PrintOptions()
        o.precision = 2
        #expect(try values([0.12345, 1.5, -2.125], o) == "tensor 3 f32\n[ 0.12,  1.50, -2.12]")
        o.precision = 0
        #expect(try values([0.25, 1.5], o) == "tensor 2 f32\n[0, 2]")
        o.precision = 6
        #expect(try values([1e-5, 1], o) == "tensor 2 f32\n[1.000000e-05, 1.000000e+00]")
    }

    @Test func thresholdKnob() throws {
        var o = PrintOptions()
        o.threshold = 5
        #expect(TensorFormatter.format(try arange([10]), options: o) == "tensor 10 f32\n[0., 1., 2., ..., 7., 8., 9.]")
        o.threshold = 10
        #expect(TensorFormatter.format(try arange([10]), options: o) ==
                "tensor 10 f32\n[0., 1., 2., 3., 4., 5., 6., 7., 8., 9.]")
        o.threshold = 5000
        let full = TensorFormatter.format(try arange([40, 40]) { Float($0 % 10) }, options: o)
        #expect(!full.contains("..."))
        #expect(full.split(separator: "\n").count == 1 + 40 * 3)   // 40 values of width 2 take 3 lines per row
    }

    @Test func edgeitemsKnob() throws {
        var o = PrintOptions()
        o.edgeitems = 1
        #expect(TensorFormatter.format(try arange([2000]) { Float($0 % 7) }, options: o) ==
                "tensor 2000 f32\n[0., ..., 4.]")
        #expect(TensorFormatter.format(try arange([40, 40]) { Float($0 % 7) }, options: o) ==
                "tensor 40×40 f32\n[[0., ..., 4.],\n ...,\n [6., ..., 3.]]")
        o.edgeitems = 0
        #expect(TensorFormatter.format(try arange([2000]), options: o) == "tensor 2000 f32\n[...]")
        o.edgeitems = 1000   // more than half the length: nothing to leave out
        o.threshold = 3
        #expect(TensorFormatter.format(try arange([4]), options: o) == "tensor 4 f32\n[0., 1., 2., 3.]")
    }

    @Test func sciModeKnob() throws {
        var o = PrintOptions()
        o.sciMode = true
        #expect(try values([1, 2], o) == "tensor 2 f32\n[1.0000e+00, 2.0000e+00]")
        o.sciMode = false
        #expect(try values([1e-5, 3e5], o) == "tensor 2 f32\n[     0.0000, 300000.0000]")
        #expect(try values([1, 1e9], o) == "tensor 2 f32\n[         1., 1000000000.]")
    }

    @Test func emptyTensors() throws {
        #expect(TensorFormatter.format(try Tensor(shape: [0], scalars: [])) == "tensor 0 f32\n[]")
        #expect(TensorFormatter.format(try Tensor(shape: [2, 0, 3], scalars: [])) == "tensor 2×0×3 f32\n[]")
    }

    @Test func rankZero() {
        #expect(TensorFormatter.format(Tensor(3.5)) == "tensor scalar f32\n3.5000")
        #expect(TensorFormatter.format(Tensor(-2)) == "tensor scalar f32\n-2.")
        #expect(TensorFormatter.format(Tensor(.nan)) == "tensor scalar f32\nnan")
        #expect(TensorFormatter.format(Tensor(123456)) == "tensor scalar f32\n123456.")
        #expect(TensorFormatter.format(Tensor(0.00001)) == "tensor scalar f32\n1.0000e-05")
    }

    @Test func outOfRangeOptionsNeverFail() throws {
        var o = PrintOptions()
        o.precision = -3
        o.linewidth = -10
        o.edgeitems = .max
        o.threshold = -1
        let s = TensorFormatter.format(try arange([3, 3]) { Float($0) / 3 }, options: o)
        #expect(s.hasPrefix("tensor 3×3 f32\n[[0,"))
        o = PrintOptions()
        o.precision = 1000
        #expect(try values([0.5], o) == "tensor 1 f32\n[0.5000000000000000]")
        o = PrintOptions()
        o.edgeitems = -4
        o.threshold = 0
        #expect(try values([1, 2], o) == "tensor 2 f32\n[...]")
    }

    @Test func inconsistentBufferIsReportedNotIndexed() throws {
        var t = try arange([2, 3])
        t.scalars = [1, 2]
        #expect(TensorFormatter.format(t) == "tensor 2×3 f32\n<2 values do not fill shape 2×3>")
    }
}
