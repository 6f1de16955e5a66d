import CNNKit

extension Builtins {
    private static let modes = ["full", "same", "valid"]

    static let signal: [Builtin] = [
        Builtin(
            name: "convolve", group: .signal,
            summary: "True convolution (the kernel flipped) of 1-D or 2-D signals, as NumPy's convolve and SciPy's convolve2d.",
            parameters: [.required("f", "the signal, n or H×W"), .required("g", "the kernel, m or R×S"),
                         .labeled("mode", .string("full"), "\"full\" (every overlap), \"same\" (size of f) or \"valid\" (full overlaps only)")],
            shapes: "full: n + m - 1; same: n; valid: n - m + 1 (per axis)",
            notes: "conv() computes the correlation instead (no flip), as CNN frameworks do.",
            example: "convolve(tensor([1, 2, 3]), tensor([0, 1, 0.5]))",
            body: { a, _ in
                let mode = ConvolveMode(rawValue: try a.choice("mode", modes)) ?? .full
                return .tensor(try Tensor.convolve(try a.tensor("f"), try a.tensor("g"), mode: mode))
            }),
        Builtin(
            name: "correlate", group: .signal,
            summary: "Cross-correlation (no flip) of 1-D or 2-D signals, as NumPy's correlate and SciPy's correlate2d.",
            parameters: [.required("f", "the signal, n or H×W"), .required("g", "the kernel, m or R×S"),
                         .labeled("mode", .string("full"), "\"full\", \"same\" or \"valid\"")],
            shapes: "full: n + m - 1; same: n; valid: n - m + 1 (per axis)",
            example: "correlate(tensor([1, 2, 3]), tensor([0, 1, 0.5]), mode:\"same\")",
            body: { a, _ in
                let mode = ConvolveMode(rawValue: try a.choice("mode", modes)) ?? .full
                return .tensor(try Tensor.correlate(try a.tensor("f"), try a.tensor("g"), mode: mode))
            }),
        Builtin(
            name: "kernel", group: .signal,
            summary: "A classic image kernel: identity, edge, sobel_x, sobel_y, prewitt_x, prewitt_y, laplacian, sharpen, box, gaussian, emboss, unsharp.",
            parameters: [.required("name", "the kernel's name"),
                         .labeled("size", .none, shown: "", "side length for box and gaussian"),
                         .labeled("sigma", .none, shown: "", "standard deviation for gaussian")],
            shapes: "→ R×S (blurs sum to 1)",
            example: "kernel(\"sobel_x\")",
            body: { a, _ in
                let size = try a.optionalInt("size")
                if let s = size, s < 1 { throw a.fail("size", "a positive integer", got: a["size"]) }
                let sigma = try a.optionalNumber("sigma").map(Float.init)
                if let s = sigma, !(s > 0) { throw a.fail("sigma", "a positive number", got: a["sigma"]) }
                return .tensor(try Tensor.namedKernel(try a.string("name"), size: size, sigma: sigma))
            }),
    ]
}
