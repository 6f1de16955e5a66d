import Foundation

// name → R×S kernel (a 2-D tensor)

extension Tensor {
    /// Every name `namedKernel` accepts, in the order `help` lists them.
    public static let kernelNames: [String] = [
        "identity", "edge", "edge4", "sobel_x", "sobel_y", "prewitt_x", "prewitt_y", "laplacian",
        "sharpen", "box", "gaussian", "emboss", "unsharp",
    ]

    /// A classic image-processing kernel as an R×S tensor (Wikipedia "Kernel (image processing)").
    ///
    /// - `identity` (size: odd, default 3), `edge` (8-neighbour `[[-1,-1,-1],[-1,8,-1],[-1,-1,-1]]`),
    ///   `edge4` (4-neighbour, the same as `laplacian` `[[0,1,0],[1,-4,1],[0,1,0]]`),
    ///   `sobel_x` `[[-1,0,1],[-2,0,2],[-1,0,1]]` and its transpose `sobel_y`, `prewitt_x`/`prewitt_y`
    ///   (Sobel without the 2s), `sharpen` `[[0,-1,0],[-1,5,-1],[0,-1,0]]`,
    ///   `emboss` `[[-2,-1,0],[-1,1,1],[0,1,2]]`, `unsharp` (5×5 unsharp masking, −1/256 × the binomial
    ///   5×5 with −476 in the centre).
    /// - Blurs sum to 1: `box` (size ≥ 1, default 3: ones/size²) and `gaussian` (odd size, default 3; without
    ///   `sigma` the binomial kernel, `[1,2,1]⊗[1,2,1]/16` at 3 and `[1,4,6,4,1]⊗/256` at 5; with `sigma`
    ///   the sampled Gaussian normalised to sum 1, size defaulting to 2·⌈3σ⌉+1).
    ///
    /// Names ignore case and accept `-` for `_`. Kernels are meant for `convolve`/`conv`; Sobel and
    /// Prewitt are written for correlation (what `conv` computes), as image editors show them.
    public static func namedKernel(_ name: String, size: Int? = nil, sigma: Float? = nil) throws -> Tensor {
        let op = "kernel"
        let key = name.lowercased().replacingOccurrences(of: "-", with: "_")
        guard kernelNames.contains(key) else {
            throw OpError(op, "unknown kernel \"\(name)\"; valid names: \(kernelNames.joined(separator: ", "))")
        }
        if sigma != nil && key != "gaussian" {
            throw OpError(op, "sigma: applies only to \"gaussian\", not \"\(key)\"")
        }
        func fixed(_ rows: [[Float]], scale: Float = 1) throws -> Tensor {
            if let size, size != rows.count {
                throw OpError(op, "\"\(key)\" is \(rows.count)×\(rows.count) and takes no other size, got size: \(size)")
            }
            return Tensor(unchecked: [rows.count, rows[0].count], scalars: rows.flatMap { $0.map { $0 * scale } })
        }
        switch key {
        case "identity":
            let n = size ?? 3
            guard n >= 1, n % 2 == 1, n <= 255 else { throw OpError(op, "identity size must be odd, 1…255, got \(n)") }
            var s = [Float](repeating: 0, count: n * n)
            s[n * n / 2] = 1
            return Tensor(unchecked: [n, n], scalars: s)
        case "edge": return try fixed([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]])
        case "edge4", "laplacian": return try fixed([[0, 1, 0], [1, -4, 1], [0, 1, 0]])
        case "sobel_x": return try fixed([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
        case "sobel_y": return try fixed([[-1, -2, -1], [0, 0, 0], [1, 2, 1]])
        case "prewitt_x": return try fixed([[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]])
        case "prewitt_y": return try fixed([[-1, -1, -1], [0, 0, 0], [1, 1, 1]])
        case "sharpen": return try fixed([[0, -1, 0], [-1, 5, -1], [0, -1, 0]])
        case "emboss": return try fixed([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]])
        case "unsharp":
            return try fixed([[1, 4, 6, 4, 1], [4, 16, 24, 16, 4], [6, 24, -476, 24, 6],
                              [4, 16, 24, 16, 4], [1, 4, 6, 4, 1]], scale: -1.0 / 256)
        case "box":
            let n = size ?? 3
            guard n >= 1, n <= 255 else { throw OpError(op, "box size must be 1…255, got \(n)") }
            return Tensor(unchecked: [n, n], scalars: [Float](repeating: 1 / Float(n * n), count: n * n))
        default:
            return try gaussianKernel(size: size, sigma: sigma)
        }
    }

    private static func gaussianKernel(size: Int?, sigma: Float?) throws -> Tensor {
        let op = "kernel"
        if let sigma {
            guard sigma > 0, sigma.isFinite, sigma <= 40 else {
                throw OpError(op, "gaussian sigma must be in (0, 40], got \(sigma)")
            }
        }
        let n = size ?? sigma.map { 2 * Int(($0 * 3).rounded(.up)) + 1 } ?? 3
        guard n >= 1, n % 2 == 1, n <= 255 else { throw OpError(op, "gaussian size must be odd, 1…255, got \(n)") }
        var row = [Double](repeating: 0, count: n)
        if let sigma {
            let s = Double(sigma), c = n / 2
            for i in 0..<n { row[i] = Foundation.exp(-Double((i - c) * (i - c)) / (2 * s * s)) }
        } else {
            // Binomial coefficients C(n−1, i): the discrete Gaussian that 3×3 and 5×5 blurs use.
            row[0] = 1
            for i in 1..<Swift.max(1, n) { row[i] = row[i - 1] * Double(n - i) / Double(i) }
        }
        let total = row.reduce(0, +)
        let norm = row.map { $0 / total }
        var s = [Float](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { s[i * n + j] = Float(norm[i] * norm[j]) } }
        return Tensor(unchecked: [n, n], scalars: s)
    }
}
