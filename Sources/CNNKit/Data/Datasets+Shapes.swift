extension Datasets {
    /// The classes of `shapes`, in label order.
    public static let shapesClassNames = [
        "circle", "square", "triangle", "plus", "horizontal bar",
        "vertical bar", "ring", "diamond", "cross", "star",
    ]
    /// Image sizes `shapes` accepts.
    public static let shapesSizes = 8...256

    /// A procedural data set needing no files: `n` images 1×size×size of ten classes of drawn shapes
    /// (`shapesClassNames`), each at a random position, scale (a quarter to most of the image), small
    /// rotation (±17°, so bars stay horizontal or vertical and a square never turns into a diamond),
    /// stroke width, brightness and Gaussian noise, antialiased, clipped to 0…1.
    ///
    /// Classes are balanced (counts differ by at most one) in a shuffled order. The same `seed` gives
    /// the same images on any machine and any `Engine.threads`: every image draws from its own
    /// generator seeded by (seed, index).
    public static func shapes(n: Int, size: Int = 28, seed: UInt64 = 0) throws -> Dataset {
        guard n >= 0 else { throw OpError("shapes", "n must be ≥ 0, got \(n)") }
        guard shapesSizes.contains(size) else {
            throw OpError("shapes", "size must be \(shapesSizes.lowerBound)…\(shapesSizes.upperBound), got \(size)")
        }
        let shape = [n, 1, size, size]
        let total = try Shape.elementCount(shape, op: "shapes")
        let classes = shapesClassNames.count

        var order = DataRandom(seed: seed ^ 0x6C62_272E_07BB_0142)
        let permutation = order.permutation(n)
        var labels = [Int](repeating: 0, count: n)
        for (i, p) in permutation.enumerated() { labels[p] = i % classes }

        let pixels = size * size
        let chunk = 2048
        var scalars = [Float](repeating: 0, count: total)
        try scalars.withUnsafeMutableBufferPointer { buffer in
            guard let out = buffer.baseAddress else { return }
            for lo in stride(from: 0, to: n, by: chunk) {
                try Engine.checkCancel()
                let hi = min(n, lo + chunk)
                parallelFor(hi - lo, minChunk: max(1, 4096 / pixels)) { k in
                    let i = lo + k
                    var random = DataRandom(seed: seed, index: i)
                    drawShape(labels[i], size: size, into: out + i * pixels, random: &random)
                }
            }
        }
        return Dataset(unchecked: Tensor(unchecked: shape, scalars: scalars),
                       y: Tensor(unchecked: [n], scalars: labels.map(Float.init)),
                       classNames: shapesClassNames, name: "shapes")
    }

    /// Draws one image of class `label` into `image` (size×size, zero-filled).
    static func drawShape(_ label: Int, size: Int, into image: UnsafeMutablePointer<Float>, random: inout DataRandom) {
        let side = Float(size)
        // Pixels from the centre to the unit disc; at least 3 px (when the image allows) so that
        // arms and points stay visible in tiny images.
        let radius = max(side * random.uniform(0.24, 0.42), min(3, side * 0.42))
        let margin = radius + 0.5
        let cx = random.uniform(margin, max(margin, side - margin))
        let cy = random.uniform(margin, max(margin, side - margin))
        let angle = random.uniform(-0.3, 0.3)
        let half = max(random.uniform(0.09, 0.17), 0.6 / radius) // half stroke, at least 0.6 px
        let ink = random.uniform(0.65, 1)
        let noise = random.uniform(0, 0.12)
        let c = cosf(angle), s = sinf(angle)
        let inv = 1 / radius

        // Only pixels near the shape need its distance; the rest of the image is noise alone.
        let reach = radius + 1.5
        let x0 = max(0, Int((cx - reach).rounded(.down))), x1 = min(size - 1, Int((cx + reach).rounded(.up)))
        let y0 = max(0, Int((cy - reach).rounded(.down))), y1 = min(size - 1, Int((cy + reach).rounded(.up)))
        if x0 <= x1, y0 <= y1 {
            for py in y0...y1 {
                let dy = (Float(py) + 0.5 - cy) * inv
                for px in x0...x1 {
                    let dx = (Float(px) + 0.5 - cx) * inv
                    // Rotate the pixel into the shape's frame (inverse of the shape's rotation).
                    let lx = c * dx + s * dy, ly = -s * dx + c * dy
                    let d = ShapeSDF.distance(label, lx, ly, half: half) * radius
                    image[py * size + px] = ink * min(max(0.5 - d, 0), 1)
                }
            }
        }
        if noise > 0 {
            for p in 0..<size * size {
                image[p] = min(max(image[p] + noise * random.noise(), 0), 1)
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
