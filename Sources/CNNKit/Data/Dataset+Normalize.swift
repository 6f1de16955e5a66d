extension Dataset {
    /// Channels for normalisation: axis 1 of N×C×H×W (rank ≥ 3); a rank-2 N×F set has one.
    var normalizationChannels: Int { x.rank >= 3 ? x.shape[1] : 1 }

    /// `(x − mean) / std` per channel (axis 1 of N×C×H×W), as torchvision's `Normalize` does.
    ///
    /// `mean` and `std` each hold one value (used for every channel) or one per channel. Left nil,
    /// they are computed from this data set (population std, over N, H and W for each channel), which
    /// is what you pass on to normalise the test set the same way. A channel whose computed std is 0
    /// is only centred (divided by 1). Returns the new data set and the mean and std used.
    public func normalized(mean: [Float]? = nil, std: [Float]? = nil) throws -> (dataset: Dataset, mean: [Float], std: [Float]) {
        let channels = normalizationChannels
        func expand(_ v: [Float], _ what: String) throws -> [Float] {
            guard v.count == 1 || v.count == channels else {
                throw OpError("normalize", "\(what) has \(v.count) values; need 1 or one per channel (\(channels)) for x \(Shape.describe(x.shape))")
            }
            guard v.allSatisfy(\.isFinite) else {
                throw OpError("normalize", "\(what) \(v) must be finite")
            }
            return v.count == 1 ? [Float](repeating: v[0], count: channels) : v
        }
        let given = (mean: try mean.map { try expand($0, "mean") }, std: try std.map { try expand($0, "std") })
        if let s = given.std, let bad = s.first(where: { $0 <= 0 }) {
            throw OpError("normalize", "std must be > 0, got \(bad)")
        }
        if (given.mean == nil || given.std == nil) && (count == 0 || x.count == 0) {
            throw OpError("normalize", "cannot compute mean and std of an empty data set; pass them")
        }
        let m = given.mean ?? channelMeans()
        let s = given.std ?? channelStds(mean: m).map { $0 > 0 ? $0 : 1 }

        let plane = x.count / max(count * channels, 1)
        var result = self
        let n = count
        x.scalars.withUnsafeBufferPointer { src in
            result.x.scalars.withUnsafeMutableBufferPointer { dst in
                guard let sp = src.baseAddress, let dp = dst.baseAddress else { return }
                parallelFor(n * channels, minChunk: max(1, 16_384 / max(plane, 1))) { nc in
                    let c = nc % channels
                    let mc = m[c], inv = 1 / s[c]
                    let base = nc * plane
                    for i in base ..< base + plane { dp[i] = (sp[i] - mc) * inv }
                }
            }
        }
        return (result, m, s)
    }

    /// Per-channel means, summed in Double over fixed blocks of samples so the result does not depend
    /// on the thread count.
    func channelMeans() -> [Float] {
        let perChannel = Double(x.count / normalizationChannels)
        return blockSums(around: nil).map { Float($0 / perChannel) }
    }

    /// Population std per channel around `mean` (a second pass: steadier than E[x²] − E[x]²).
    func channelStds(mean: [Float]) -> [Float] {
        let perChannel = Double(x.count / normalizationChannels)
        return blockSums(around: mean).map { Float(($0 / perChannel).squareRoot()) }
    }

    /// Per channel, Σ x (when `center` is nil) or Σ (x − center[c])², each H×W plane summed in
    /// Double, planes added per fixed block of samples, blocks added in order.
    private func blockSums(around center: [Float]?) -> [Double] {
        let channels = normalizationChannels
        let n = count
        let plane = x.count / max(n * channels, 1)
        let block = 256
        let blocks = (n + block - 1) / block
        var partial = [Double](repeating: 0, count: blocks * channels)
        x.scalars.withUnsafeBufferPointer { src in
            partial.withUnsafeMutableBufferPointer { part in
                guard let sp = src.baseAddress, let pp = part.baseAddress else { return }
                parallelFor(blocks) { b in
                    for i in b * block ..< min(n, (b + 1) * block) {
                        for c in 0..<channels {
                            let p = sp + (i * channels + c) * plane
                            var acc = 0.0
                            if let center {
                                let m = Double(center[c])
                                for k in 0..<plane {
                                    let d = Double(p[k]) - m
                                    acc += d * d
                                }
                            } else {
                                for k in 0..<plane { acc += Double(p[k]) }
                            }
                            pp[b * channels + c] += acc
                        }
                    }
                }
            }
        }
        var sums = [Double](repeating: 0, count: channels)
        for b in 0..<blocks {
            for c in 0..<channels { sums[c] += partial[b * channels + c] }
        }
        return sums
    }
}
