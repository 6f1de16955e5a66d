@testable import CNNKit
import Testing

@Suite struct BasicsRandomTests {
    @Test func sameSeedSameSequence() {
        var a = RandomSource(seed: 42), b = RandomSource(seed: 42), c = RandomSource(seed: 43)
        let xa = (0..<100).map { _ in a.nextUInt64() }
        let xb = (0..<100).map { _ in b.nextUInt64() }
        let xc = (0..<100).map { _ in c.nextUInt64() }
        #expect(xa == xb)
        #expect(xa != xc)
        #expect(Set(xa).count == 100)
    }

    @Test func seededTensorsReproduce() {
        // rand and randn consume draws in order: a fresh source reproduces a tensor exactly.
        var g1 = RandomSource(seed: 7), g2 = RandomSource(seed: 7)
        let t1 = try? Tensor.randn([3, 5], using: &g1)
        let t2 = try? Tensor.randn([3, 5], using: &g2)
        #expect(t1 != nil && t1 == t2)
        let u1 = try? Tensor.rand([4, 4], using: &g1)
        let u2 = try? Tensor.rand([4, 4], using: &g2)
        #expect(u1 != nil && u1 == u2)
    }

    @Test func splitMixSeeding() {
        // The first word of state equals SplitMix64(seed 0)'s first output, so the first xoshiro256**
        // output is rotl(s1 * 5, 7) * 9 of the second SplitMix64 output. Recompute it independently.
        var x: UInt64 = 0
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let s0 = splitMix()
        #expect(s0 == 0xE220_A839_7B1D_CDAF)
        let s1 = splitMix()
        let m = s1 &* 5
        let expected = ((m << 7) | (m >> 57)) &* 9
        var r = RandomSource(seed: 0)
        #expect(r.nextUInt64() == expected)
    }

    @Test func uniformFloatsStatistics() {
        var r = RandomSource(seed: 1)
        let n = 10_000
        var sum = 0.0, sumSq = 0.0, lo: Float = 1, hi: Float = 0
        for _ in 0..<n {
            let v = r.nextFloat()
            #expect(v >= 0 && v < 1)
            // 24 random bits: every value is a multiple of 2^-24.
            #expect((v * 16_777_216).rounded() == v * 16_777_216)
            sum += Double(v); sumSq += Double(v) * Double(v)
            lo = min(lo, v); hi = max(hi, v)
        }
        let mean = sum / Double(n), variance = sumSq / Double(n) - mean * mean
        #expect(abs(mean - 0.5) < 0.02)
        #expect(abs(variance - 1.0 / 12) < 0.01)
        #expect(lo < 0.01 && hi > 0.99)
    }

    @Test func normalStatistics() throws {
        var r = RandomSource(seed: 2)
        let t = try Tensor.randn([10_000], using: &r)
        let mean = t.scalars.reduce(0.0) { $0 + Double($1) } / 10_000
        let variance = t.scalars.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / 10_000
        #expect(abs(mean) < 0.05)
        #expect(abs(variance - 1) < 0.06)
        #expect(t.scalars.allSatisfy { $0.isFinite })
        // About 68 % within one standard deviation, 95 % within two.
        let within1 = Double(t.scalars.filter { abs($0) < 1 }.count) / 10_000
        let within2 = Double(t.scalars.filter { abs($0) < 2 }.count) / 10_000
        #expect(abs(within1 - 0.6827) < 0.02)
        #expect(abs(within2 - 0.9545) < 0.01)
    }

    @Test func randTensorStatistics() throws {
        var r = RandomSource(seed: 3)
        let t = try Tensor.rand([100, 100], using: &r)
        #expect(t.shape == [100, 100])
        let mean = t.scalars.reduce(0.0) { $0 + Double($1) } / 10_000
        #expect(abs(mean - 0.5) < 0.02)
        #expect(t.scalars.allSatisfy { $0 >= 0 && $0 < 1 })
    }

    @Test func nextIntIsInRangeAndCoversIt() {
        var r = RandomSource(seed: 5)
        var seen = [Int](repeating: 0, count: 7)
        for _ in 0..<7_000 {
            let v = r.nextInt(below: 7)
            #expect(v >= 0 && v < 7)
            if v >= 0 && v < 7 { seen[v] += 1 }
        }
        #expect(seen.allSatisfy { $0 > 850 && $0 < 1150 })
        #expect(r.nextInt(below: 1) == 0)
        #expect(r.nextInt(below: 0) == 0)
        var a = [1, 2, 3, 4, 5, 6, 7, 8]
        a.shuffle(using: &r)
        #expect(a.sorted() == [1, 2, 3, 4, 5, 6, 7, 8])
    }

    @Test func randomCreationValidatesShape() {
        var r = RandomSource(seed: 0)
        expectOpError("rand", "-2", "negative") { try Tensor.rand([3, -2], using: &r) }
        expectOpError("randn", "too many") { try Tensor.randn([1 << 20, 1 << 20], using: &r) }
    }
}
