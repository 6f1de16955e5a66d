import Foundation

/// A seeded pseudo-random generator: xoshiro256** (Blackman & Vigna), its 256-bit state filled from the
/// seed by SplitMix64.
///
/// The same seed gives the same sequence on every run and platform: the generator uses only 64-bit
/// integer arithmetic, `nextFloat` takes the top 24 bits of a draw, and `nextNormal` is Box–Muller
/// computed in Double (libm's `log`/`cos`/`sin`, correctly rounded to Float in practice). Draws are
/// consumed in a fixed order, so `rand`/`randn` fill tensors identically for a given seed.
///
/// It also conforms to `RandomNumberGenerator`, so `shuffle(using:)` and `Int.random(in:using:)` work.
public struct RandomSource: RandomNumberGenerator, Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64
    /// The second value of the last Box–Muller pair, returned by the next `nextNormal` call.
    private var cachedNormal: Float?

    public init(seed: UInt64) {
        // SplitMix64 spreads any seed (0 included) over the whole state; xoshiro must not start all-zero,
        // and SplitMix64's outputs for four consecutive counters never are.
        var mixer = SplitMix64(seed: seed)
        s0 = mixer.next(); s1 = mixer.next(); s2 = mixer.next(); s3 = mixer.next()
        cachedNormal = nil
    }

    /// The next 64 random bits.
    public mutating func nextUInt64() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    /// `RandomNumberGenerator` conformance: the same stream as `nextUInt64`.
    public mutating func next() -> UInt64 { nextUInt64() }

    /// Uniform in [0, 1): the top 24 bits of a draw scaled by 2⁻²⁴, so every value is exactly
    /// representable and 1 is never returned.
    public mutating func nextFloat() -> Float {
        Float(nextUInt64() >> 40) * (1.0 / 16_777_216.0)
    }

    /// Uniform in [0, 1) with 53 random bits, for the Box–Muller transform.
    private mutating func nextDouble() -> Double {
        Double(nextUInt64() >> 11) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// Standard normal (mean 0, variance 1) by Box–Muller. Each pair of uniform draws gives two normals;
    /// the second is cached and returned by the next call.
    public mutating func nextNormal() -> Float {
        if let cached = cachedNormal {
            cachedNormal = nil
            return cached
        }
        // 1 - u lies in (0, 1], so the logarithm is finite.
        let u1 = 1.0 - nextDouble()
        let u2 = nextDouble()
        let radius = (-2.0 * Foundation.log(u1)).squareRoot()
        let angle = 2.0 * Double.pi * u2
        cachedNormal = Float(radius * Foundation.sin(angle))
        return Float(radius * Foundation.cos(angle))
    }

    /// Uniform integer in 0..<bound (bound ≥ 1), without modulo bias (Lemire's multiply-shift method).
    public mutating func nextInt(below bound: Int) -> Int {
        guard bound > 1 else { return 0 }
        let b = UInt64(bound)
        var product = nextUInt64().multipliedFullWidth(by: b)
        if product.low < b {
            let threshold = (0 &- b) % b
            while product.low < threshold {
                product = nextUInt64().multipliedFullWidth(by: b)
            }
        }
        return Int(product.high)
    }

    @inline(__always)
    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}

/// SplitMix64 (Steele, Lea & Flood): a 64-bit counter through a strong mixer. It seeds `RandomSource`
/// and drives the data sets' own streams (`DataRandom`), whose output must depend on the seed alone.
struct SplitMix64 {
    private(set) var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
