@testable import CNNKit
import Testing
import CNNTestSupport

@Suite("Layers: convolve, correlate, named kernels")
struct ConvolveTests {
    static func matrix(_ t: Tensor) -> [[Double]] {
        let w = t.rank == 1 ? t.count : t.shape[1]
        return stride(from: 0, to: t.count, by: w).map { r in (r..<r + w).map { Double(t.scalars[$0]) } }
    }

    @Test("1-D literals from numpy.convolve / numpy.correlate")
    func numpyLiterals() throws {
        let a = Tensor([1, 2, 3, 4, 5]), v = Tensor([1, 10, 100, 1000])
        #expect(try Tensor.convolve(a, v).scalars == [1, 12, 123, 1234, 2345, 3450, 4500, 5000])
        #expect(try Tensor.convolve(a, v, mode: .same).scalars == [12, 123, 1234, 2345, 3450])
        #expect(try Tensor.convolve(v, a, mode: .valid).scalars == [1234, 2345])
        #expect(try Tensor.correlate(a, v, mode: .same).scalars == [2100, 3210, 4321, 5432, 543])
        #expect(try Tensor.correlate(a, v, mode: .valid).scalars == [4321, 5432])
        // NumPy swaps a shorter first input and reverses the result.
        #expect(try Tensor.correlate(v, a, mode: .same).scalars == [543, 5432, 4321, 3210, 2100])
        #expect(try Tensor.correlate(v, a, mode: .valid).scalars == [5432, 4321])
        #expect(try Tensor.correlate(v, a).scalars == [5, 54, 543, 5432, 4321, 3210, 2100, 1000])
    }

    @Test("2-D literals from scipy.signal.convolve2d / correlate2d")
    func scipyLiterals() throws {
        let a = Tensor(unchecked: [3, 4], scalars: (1...12).map(Float.init))
        let k = Tensor(unchecked: [2, 2], scalars: [1, 10, 100, 1000])
        #expect(try Tensor.convolve(a, k, mode: .same).scalars == [1, 12, 23, 34, 105, 1256, 2367, 3478, 509, 5700, 6811, 7922])
        #expect(try Tensor.correlate(a, k, mode: .same).scalars
                == [6521, 7632, 8743, 804, 10965, 12076, 13187, 1208, 109, 120, 131, 12])
        let c = try Tensor.correlate(k, a, mode: .same)  // SciPy keeps in1's size even when in2 is larger
        #expect(c.shape == [2, 2] && c.scalars == [12076, 10965, 7632, 6521])
        let v = try Tensor.correlate(k, a, mode: .valid)  // swapped, then reversed on both axes
        #expect(v.shape == [2, 3] && v.scalars == [13187, 12076, 10965, 8743, 7632, 6521])
        let k23 = Tensor(unchecked: [2, 3], scalars: (1...6).map(Float.init))
        #expect(try Tensor.convolve(a, k23, mode: .same).scalars == [4, 10, 16, 17, 29, 62, 83, 75, 77, 146, 167, 139])
        #expect(try Tensor.correlate(a, k23, mode: .same).scalars == [69, 106, 127, 79, 133, 190, 211, 127, 48, 62, 68, 35])
    }

    @Test("1-D sweep against NumPy's algorithm, every mode, either input longer")
    func sweep1D() throws {
        var rng = TestRNG(21)
        for trial in 0..<150 {
            let f = rng.tensor([rng.int(1, 9)]), g = rng.tensor([rng.int(1, 9)])
            let mode = [ConvolveMode.full, .same, .valid][trial % 3]
            for convolve in [true, false] {
                let got = convolve ? try Tensor.convolve(f, g, mode: mode) : try Tensor.correlate(f, g, mode: mode)
                let want = RefLayers.numpy1D(f.scalars.map(Double.init), g.scalars.map(Double.init), mode: mode, convolve: convolve)
                expectClose(got, Tensor(want.map(Float.init)), rtol: 1e-5, atol: 1e-5,
                            "\(convolve ? "convolve" : "correlate") \(f.count) \(g.count) \(mode)")
            }
        }
    }

    @Test("2-D sweep against SciPy's algorithm, every mode, valid errors when neither fits")
    func sweep2D() throws {
        var rng = TestRNG(22)
        var rejected = 0
        for trial in 0..<150 {
            let f = rng.tensor([rng.int(1, 6), rng.int(1, 6)]), g = rng.tensor([rng.int(1, 5), rng.int(1, 5)])
            let mode = [ConvolveMode.full, .same, .valid][trial % 3]
            for convolve in [true, false] {
                let label = "\(convolve ? "convolve" : "correlate") \(f.shape) \(g.shape) \(mode)"
                guard let want = RefLayers.scipy2D(Self.matrix(f), Self.matrix(g), mode: mode, convolve: convolve) else {
                    expectOpError(convolve ? "convolve" : "correlate", "at least as large") {
                        convolve ? try Tensor.convolve(f, g, mode: mode) : try Tensor.correlate(f, g, mode: mode)
                    }
                    rejected += 1
                    continue
                }
                let got = convolve ? try Tensor.convolve(f, g, mode: mode) : try Tensor.correlate(f, g, mode: mode)
                let expected = Tensor(unchecked: [want.count, want[0].count], scalars: want.flatMap { $0.map(Float.init) })
                expectClose(got, expected, rtol: 1e-5, atol: 1e-5, "\(label)")
            }
        }
        #expect(rejected > 0)
    }

    @Test("convolve errors: ranks, empty inputs, valid sizes")
    func errors() {
        expectOpError("convolve", "two 1-D or two 2-D", "got 3 and 2×2") { try Tensor.convolve(Tensor([1, 2, 3]), layerArange([2, 2])) }
        expectOpError("correlate", "got 1×2×2") { try Tensor.correlate(layerArange([1, 2, 2]), layerArange([1, 2, 2])) }
        expectOpError("convolve", "must not be empty") { try Tensor.convolve(Tensor([]), Tensor([1])) }
        expectOpError("correlate", "\"valid\"", "2×5 and 3×3") {
            try Tensor.correlate(layerArange([2, 5]), layerArange([3, 3]), mode: .valid)
        }
        #expect(ConvolveMode(rawValue: "same") == .same && ConvolveMode(rawValue: "bogus") == nil)
        // A 1×2^16 by 2^16×1 full convolution would be 2^32 values: refused before allocating.
        let row = Tensor(unchecked: [1, 1 << 16], scalars: [Float](repeating: 1, count: 1 << 16))
        let col = Tensor(unchecked: [1 << 16, 1], scalars: [Float](repeating: 1, count: 1 << 16))
        expectOpError("convolve", "too many elements") { try Tensor.convolve(row, col) }
    }

    @Test("named kernels: values, sizes, blurs sum to 1")
    func namedKernels() throws {
        #expect(try Tensor.namedKernel("sobel_x").scalars == [-1, 0, 1, -2, 0, 2, -1, 0, 1])
        #expect(try Tensor.namedKernel("sobel_y").scalars == [-1, -2, -1, 0, 0, 0, 1, 2, 1])
        #expect(try Tensor.namedKernel("prewitt_x").scalars == [-1, 0, 1, -1, 0, 1, -1, 0, 1])
        #expect(try Tensor.namedKernel("prewitt_y").scalars == [-1, -1, -1, 0, 0, 0, 1, 1, 1])
        #expect(try Tensor.namedKernel("edge").scalars == [-1, -1, -1, -1, 8, -1, -1, -1, -1])
        #expect(try Tensor.namedKernel("edge4").scalars == [0, 1, 0, 1, -4, 1, 0, 1, 0])
        #expect(try Tensor.namedKernel("laplacian").scalars == [0, 1, 0, 1, -4, 1, 0, 1, 0])
        #expect(try Tensor.namedKernel("sharpen").scalars == [0, -1, 0, -1, 5, -1, 0, -1, 0])
        #expect(try Tensor.namedKernel("emboss").scalars == [-2, -1, 0, -1, 1, 1, 0, 1, 2])
        #expect(try Tensor.namedKernel("identity").scalars == [0, 0, 0, 0, 1, 0, 0, 0, 0])
        #expect(try Tensor.namedKernel("identity", size: 5).shape == [5, 5])
        #expect(try Tensor.namedKernel("Sobel-X").scalars == (try Tensor.namedKernel("sobel_x")).scalars)
        let unsharp = try Tensor.namedKernel("unsharp")
        #expect(unsharp.shape == [5, 5] && unsharp.scalars[12] == 476.0 / 256 && unsharp.scalars[0] == -1.0 / 256)
        expectClose(try Tensor.namedKernel("gaussian"), Tensor(unchecked: [3, 3], scalars: [1, 2, 1, 2, 4, 2, 1, 2, 1].map { $0 / 16 }))
        let g5 = try Tensor.namedKernel("gaussian", size: 5)
        let b5: [Float] = [1, 4, 6, 4, 1]
        expectClose(g5, Tensor(unchecked: [5, 5], scalars: b5.flatMap { r in b5.map { r * $0 / 256 } }))
        let gs = try Tensor.namedKernel("gaussian", size: 5, sigma: 1)
        // Sampled Gaussian: the ratio of neighbours is e^{-1/2}, e^{-3/2}.
        #expect(abs(gs.scalars[13] / gs.scalars[12] - 0.60653066) < 1e-5)
        #expect(abs(gs.scalars[14] / gs.scalars[13] - 0.22313016) < 1e-5)
        #expect(try Tensor.namedKernel("gaussian", sigma: 1).shape == [7, 7])
        #expect(try Tensor.namedKernel("box", size: 4).scalars == [Float](repeating: 1.0 / 16, count: 16))
        for (name, size, sigma) in [("box", 3, nil), ("box", 5, nil), ("gaussian", 3, nil), ("gaussian", 7, nil),
                                    ("gaussian", 5, Float(0.8)), ("gaussian", 9, Float(2.5)), ("gaussian", 1, nil)] as [(String, Int, Float?)] {
            let k = try Tensor.namedKernel(name, size: size, sigma: sigma)
            #expect(k.shape == [size, size])
            #expect(abs(k.scalars.reduce(0, +) - 1) < 1e-5, "\(name) \(size) sums to \(k.scalars.reduce(0, +))")
        }
        for name in Tensor.kernelNames { #expect(try Tensor.namedKernel(name).rank == 2) }
        #expect(Tensor.kernelNames.count == 13)
    }

    @Test("named kernel errors list the valid names and the bad sizes")
    func kernelErrors() {
        expectOpError("kernel", "unknown kernel \"blur\"", "identity, edge, edge4, sobel_x", "unsharp") { try Tensor.namedKernel("blur") }
        expectOpError("kernel", "gaussian size must be odd", "got 4") { try Tensor.namedKernel("gaussian", size: 4) }
        expectOpError("kernel", "sigma", "got 0") { try Tensor.namedKernel("gaussian", sigma: 0) }
        expectOpError("kernel", "box size", "got 0") { try Tensor.namedKernel("box", size: 0) }
        expectOpError("kernel", "\"sobel_x\" is 3×3", "size: 5") { try Tensor.namedKernel("sobel_x", size: 5) }
        expectOpError("kernel", "sigma: applies only") { try Tensor.namedKernel("box", sigma: 1) }
        expectOpError("kernel", "identity size must be odd") { try Tensor.namedKernel("identity", size: 2) }
    }
}
