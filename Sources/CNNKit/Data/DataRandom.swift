/// The seeded generator behind data shuffles, splits and the procedural data sets: SplitMix64, whose
/// output is fixed by the seed alone, so a seed names the same data on every machine and thread count.
/// (Kept apart from the engine's `RandomSource` so that data sets never shift when weight
/// initialisation changes how it draws.)
struct DataRandom {
    private var mixer: SplitMix64

    init(seed: UInt64) { mixer = SplitMix64(seed: seed) }

    /// A generator for item `index` of a stream seeded `seed`: items drawn in parallel get their own
    /// independent sequence, whatever thread draws them.
    init(seed: UInt64, index: Int) {
        var mixer = DataRandom(seed: seed ^ 0x5851_F42D_4C95_7F2D)
        for _ in 0..<2 { _ = mixer.next() }
        self.mixer = SplitMix64(seed: mixer.next() &+ UInt64(truncatingIfNeeded: index) &* 0xD1B5_4A32_D192_ED03)
        _ = next()
    }

    mutating func next() -> UInt64 { mixer.next() }

    /// Uniform in [0, 1) with 24 random bits.
    mutating func unit() -> Float { Float(next() >> 40) * 0x1p-24 }

    /// Uniform in [lo, hi).
    mutating func uniform(_ lo: Float, _ hi: Float) -> Float { lo + (hi - lo) * unit() }

    /// Uniform in 0..<bound (bound > 0), without modulo bias worth noticing for data-set sizes.
    mutating func below(_ bound: Int) -> Int {
        Int((next() >> 11) % UInt64(bound))
    }

    /// A cheap near-normal draw for pixel noise: the sum of four 16-bit uniforms from one 64-bit
    /// draw (Irwin–Hall), centred and scaled to unit variance; bounded by ±2√3, which image noise
    /// never misses. Several times cheaper than Box–Muller's log and cosine.
    mutating func noise() -> Float {
        let r = next()
        let sum = Float(r & 0xFFFF) + Float(r >> 16 & 0xFFFF) + Float(r >> 32 & 0xFFFF) + Float(r >> 48)
        return (sum * 0x1p-16 - 2) * 1.7320508
    }

    /// A Fisher–Yates permutation of 0..<n.
    mutating func permutation(_ n: Int) -> [Int] {
        var order = Array(0..<n)
        if n > 1 {
            for i in stride(from: n - 1, to: 0, by: -1) {
                order.swapAt(i, below(i + 1))
            }
        }
        return order
    }
}
