import CNNKit

/// The standard performance cases of SPEC §6, each a named closure to time.
struct BenchCase {
    /// Name in output and JSON (`L1`, `POOL_MAX`, …).
    var name: String
    /// Human-readable shape, as in SPEC §6.
    var shape: String
    /// Floating-point operations of one run (no credit for skipped work), or nil when not a FLOP case.
    var flops: Double?
    /// Images one run processes, for cases reported as images per second.
    var itemsPerRun: Int? = nil
    /// Parameters a peer needs to run the same case (scripts/bench-peers reads them from `--json`).
    var parameters: [String: Int]
    /// Builds the inputs once and returns the operation to time; throws when the operation fails.
    var prepare: () throws -> () throws -> Void
}

enum BenchCases {
    /// Case names a user may ask for, in order; POOL covers both pools.
    static let available = ["L1", "R3", "S2", "P1", "ST", "POOL", "R3B", "TRAIN", "RESNET18"]

    /// One convolution case: N,C,H,W → K, k×k kernel, stride, symmetric padding, no bias.
    static func conv(_ name: String, n: Int, c: Int, h: Int, w: Int, k: Int, kernel: Int, stride: Int,
                     pad: Int) -> BenchCase {
        let p = (h + 2 * pad - kernel) / stride + 1, q = (w + 2 * pad - kernel) / stride + 1
        let flops = 2.0 * Double(n * k * p * q) * Double(c * kernel * kernel)
        return BenchCase(
            name: name, shape: "\(n),\(c),\(h),\(w) → \(k), \(kernel)×\(kernel), s\(stride), p\(pad)", flops: flops,
            parameters: ["n": n, "c": c, "h": h, "w": w, "k": k, "kernel": kernel, "stride": stride, "pad": pad],
            prepare: {
                var rng = BenchRandom(seed: 1)
                let x = try rng.tensor([n, c, h, w])
                let wt = try rng.tensor([k, c, kernel, kernel])
                return {
                    _ = try Tensor.conv(x, wt, stride: Size2(stride), padding: .explicit(Padding2D(pad)))
                }
            })
    }

    /// A 2×2 stride-2 pool on 8,64,112,112.
    static func pool(max: Bool) -> BenchCase {
        let (n, c, h, w) = (8, 64, 112, 112)
        return BenchCase(
            name: max ? "POOL_MAX" : "POOL_AVG", shape: "\(max ? "max" : "avg") 2×2 s2 on \(n),\(c),\(h),\(w)",
            flops: nil,
            parameters: ["n": n, "c": c, "h": h, "w": w, "kernel": 2, "stride": 2, "pad": 0],
            prepare: {
                var rng = BenchRandom(seed: 2)
                let x = try rng.tensor([n, c, h, w])
                if max {
                    return { _ = try Tensor.maxPool(x, kernel: Size2(2), stride: Size2(2)) }
                }
                return { _ = try Tensor.avgPool(x, kernel: Size2(2), stride: Size2(2)) }
            })
    }

    /// The cases behind one user-facing name.
    static func cases(named name: String) -> [BenchCase] {
        switch name {
        case "L1": return [conv("L1", n: 64, c: 1, h: 28, w: 28, k: 32, kernel: 5, stride: 1, pad: 0)]
        case "R3": return [conv("R3", n: 8, c: 64, h: 56, w: 56, k: 64, kernel: 3, stride: 1, pad: 1)]
        case "S2": return [conv("S2", n: 8, c: 64, h: 56, w: 56, k: 128, kernel: 3, stride: 2, pad: 1)]
        case "P1": return [conv("P1", n: 8, c: 256, h: 56, w: 56, k: 64, kernel: 1, stride: 1, pad: 0)]
        case "ST": return [conv("ST", n: 8, c: 3, h: 224, w: 224, k: 64, kernel: 7, stride: 2, pad: 3)]
        case "POOL": return [pool(max: true), pool(max: false)]
        case "R3B": return [convBackward()]
        case "TRAIN": return [trainStep()]
        case "RESNET18": return [resnet18(batch: 1), resnet18(batch: 8)]
        default: return []
        }
    }
}

/// Uniform random inputs in [-1, 1) for the benchmark: the values do not matter, only that they are
/// ordinary floats (no denormals or zeros that a kernel could skip).
struct BenchRandom {
    private var source: RandomSource
    init(seed: UInt64) { source = RandomSource(seed: seed) }

    mutating func tensor(_ shape: [Int]) throws -> Tensor {
        try Tensor.rand(shape, using: &source) * 2 - 1
    }
}
