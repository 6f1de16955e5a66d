@testable import CNNKit
import Testing
import CNNTestSupport

@Suite struct BasicsShapeTests {
    let x = lit([2, 3], [1, 2, 3, 4, 5, 6])

    @Test func reshapeLiterals() throws {
        #expect(try x.reshape([3, 2]) == lit([3, 2], [1, 2, 3, 4, 5, 6]))
        #expect(try x.reshape([-1]) == lit([6], [1, 2, 3, 4, 5, 6]))
        #expect(try x.reshape([1, -1, 2]).shape == [1, 3, 2])
        #expect(try Tensor(5).reshape([1, 1]) == lit([1, 1], [5]))
        #expect(try Tensor.zeros([0, 4]).reshape([4, 0]).shape == [4, 0])
        expectOpError("reshape", "0×4", "2×0×-1", "ambiguous") { try Tensor.zeros([0, 4]).reshape([2, 0, -1]) }
        expectOpError("reshape", "2×3", "6 elements", "4×2", "8 elements") { try x.reshape([4, 2]) }
        expectOpError("reshape", "only one", "-1×-1") { try x.reshape([-1, -1]) }
        expectOpError("reshape", "2×3", "4×-1", "not a multiple of 4") { try x.reshape([4, -1]) }
        expectOpError("reshape", "2×3", "-2×-3", "negative") { try x.reshape([-2, -3]) }
        expectOpError("reshape", "ambiguous") { try Tensor.zeros([0, 4]).reshape([0, -1]) }
    }

    @Test func transposeAndPermuteLiterals() throws {
        #expect(x.transposed() == lit([3, 2], [1, 4, 2, 5, 3, 6]))
        #expect(Tensor(1).transposed() == Tensor(1))
        #expect(lit([3], [1, 2, 3]).transposed() == lit([3], [1, 2, 3]))
        let y = lit([1, 2, 3], [1, 2, 3, 4, 5, 6])
        #expect(try y.permute([2, 0, 1]) == lit([3, 1, 2], [1, 4, 2, 5, 3, 6]))
        #expect(try y.permute([-1, 0, -2]) == lit([3, 1, 2], [1, 4, 2, 5, 3, 6]))
        expectOpError("permute", "[0, 0, 1]", "1×2×3", "not a permutation") { try y.permute([0, 0, 1]) }
        expectOpError("permute", "[0, 1]", "rank 3") { try y.permute([0, 1]) }
        expectOpError("permute", "[0, 1, 3]") { try y.permute([0, 1, 3]) }
    }

    @Test func permuteSweepAgainstReference() throws {
        var rng = TestRNG(41)
        for _ in 0..<80 {
            let t = BasicsRef.randomTensor(&rng, maxRank: 5, maxDim: 5)
            let p = BasicsRef.permutation(&rng, t.rank)
            #expect(try t.permute(p) == BasicsRef.permute(t, p), "\(t.shape) \(p)")
            #expect(t.transposed() == BasicsRef.permute(t, Array((0..<t.rank).reversed())))
        }
    }

    @Test func blockedTransposeOfLargeMatrices() throws {
        // Sizes that are not multiples of the 32×32 tile, batched and not, past the parallel threshold.
        var rng = TestRNG(42)
        for shape in [[67, 45], [3, 130, 97], [1, 300, 257]] {
            let t = rng.tensor(shape)
            let p = Array(0..<(shape.count - 2)) + [shape.count - 1, shape.count - 2]
            #expect(try t.permute(p) == BasicsRef.permute(t, p), "\(shape)")
        }
        let t4 = rng.tensor([2, 33, 3, 40])
        #expect(try t4.permute([0, 2, 3, 1]) == BasicsRef.permute(t4, [0, 2, 3, 1]))
        #expect(t4.transposed() == BasicsRef.permute(t4, [3, 2, 1, 0]))
    }

    @Test func squeezeAndUnsqueeze() throws {
        let t = try Tensor.zeros([1, 3, 1, 2])
        #expect(try t.squeeze().shape == [3, 2])
        #expect(try t.squeeze(axis: 0).shape == [3, 1, 2])
        #expect(try t.squeeze(axis: -2).shape == [1, 3, 2])
        expectOpError("squeeze", "axis 1", "size 3", "1×3×1×2") { try t.squeeze(axis: 1) }
        expectOpError("squeeze", "axis 4", "rank 4") { try t.squeeze(axis: 4) }
        expectOpError("squeeze", "axis 0", "rank 0") { try Tensor(1).squeeze(axis: 0) }
        #expect(try Tensor(1).squeeze() == Tensor(1))
        #expect(try x.unsqueeze(axis: 0).shape == [1, 2, 3])
        #expect(try x.unsqueeze(axis: 2).shape == [2, 3, 1])
        #expect(try x.unsqueeze(axis: -1).shape == [2, 3, 1])
        #expect(try x.unsqueeze(axis: -3).shape == [1, 2, 3])
        #expect(try Tensor(1).unsqueeze(axis: 0) == lit([1], [1]))
        #expect(try x.unsqueeze(axis: 1).scalars == x.scalars)
        expectOpError("unsqueeze", "axis 3", "rank 2", "-3…2") { try x.unsqueeze(axis: 3) }
        expectOpError("unsqueeze", "axis -4") { try x.unsqueeze(axis: -4) }
    }

    @Test func concatLiteralsAndErrors() throws {
        let a = lit([2, 2], [1, 2, 3, 4]), b = lit([2, 1], [5, 6])
        #expect(try Tensor.concat([a, b], axis: 1) == lit([2, 3], [1, 2, 5, 3, 4, 6]))
        #expect(try Tensor.concat([a, lit([1, 2], [7, 8])]) == lit([3, 2], [1, 2, 3, 4, 7, 8]))
        #expect(try Tensor.concat([a, lit([0, 2], [])], axis: 0) == a)
        #expect(try Tensor.concat([a], axis: -1) == a)
        expectOpError("concat", "2×1", "2×2", "axis 0") { try Tensor.concat([a, b], axis: 0) }
        expectOpError("concat", "rank 3", "rank 2") { try Tensor.concat([a, Tensor.zeros([1, 2, 2])]) }
        expectOpError("concat", "at least one") { try Tensor.concat([]) }
        expectOpError("concat", "rank-0") { try Tensor.concat([Tensor(1), Tensor(2)]) }
        expectOpError("concat", "axis 2", "rank 2") { try Tensor.concat([a, a], axis: 2) }
    }

    @Test func concatSweepAgainstReference() throws {
        var rng = TestRNG(43)
        for _ in 0..<60 {
            var shape = BasicsRef.shape(&rng)
            if shape.isEmpty { shape = [rng.int(1, 3)] }
            let axis = rng.int(0, shape.count - 1)
            let parts: [Tensor] = (0..<rng.int(1, 4)).map { _ in
                var s = shape
                s[axis] = rng.int(0, 3)
                return rng.tensor(s)
            }
            let written = rng.bool() ? axis - shape.count : axis
            #expect(try Tensor.concat(parts, axis: written) == BasicsRef.concat(parts, axis: axis), "\(parts.map(\.shape)) axis \(axis)")
        }
    }

    @Test func stackLiteralsAndErrors() throws {
        let a = lit([2], [1, 2]), b = lit([2], [3, 4])
        #expect(try Tensor.stack([a, b]) == lit([2, 2], [1, 2, 3, 4]))
        #expect(try Tensor.stack([a, b], axis: 1) == lit([2, 2], [1, 3, 2, 4]))
        #expect(try Tensor.stack([a, b], axis: -1) == lit([2, 2], [1, 3, 2, 4]))
        #expect(try Tensor.stack([Tensor(1), Tensor(2)]) == lit([2], [1, 2]))
        expectOpError("stack", "tensor 1", "3", "2", "same shape") { try Tensor.stack([a, lit([3], [1, 2, 3])]) }
        expectOpError("stack", "axis 2", "-2…1") { try Tensor.stack([a, b], axis: 2) }
        expectOpError("stack", "at least one") { try Tensor.stack([]) }
        var rng = TestRNG(44)
        for _ in 0..<30 {
            let shape = BasicsRef.shape(&rng, maxRank: 3)
            let parts = (0..<rng.int(1, 3)).map { _ in rng.tensor(shape) }
            let axis = rng.int(0, shape.count)
            let want = BasicsRef.concat(parts.map { $0.reshaped(unchecked: Tensor.inserting(1, at: axis, into: $0.shape)) }, axis: axis)
            #expect(try Tensor.stack(parts, axis: axis) == want)
        }
    }

    @Test func padLiterals() throws {
        let m = lit([2, 2], [1, 2, 3, 4])
        #expect(try m.pad([1]) == lit([4, 4], [0, 0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0, 0, 0, 0]))
        #expect(try m.pad([0, 1], value: 9) == lit([2, 4], [9, 1, 2, 9, 9, 3, 4, 9]))
        // [top, left, bottom, right]
        #expect(try m.pad([1, 0, 0, 2]) == lit([3, 4], [0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0]))
        // Rank 1: ONNX [begin, end], or one value for both ends.
        #expect(try lit([2], [1, 2]).pad([1, 2]) == lit([5], [0, 1, 2, 0, 0]))
        #expect(try lit([2], [1, 2]).pad([1], value: -1) == lit([4], [-1, 1, 2, -1]))
        // ONNX-style on a rank-3 tensor pads the channel axis too.
        #expect(try lit([1, 1, 1], [5]).pad([1, 0, 0, 0, 0, 1]) == lit([2, 1, 2], [0, 0, 5, 0]))
        #expect(try Tensor(3).pad([]) == Tensor(3))
        #expect(try Tensor.zeros([2, 0]).pad([1], value: 2) == Tensor.full([4, 2], value: 2))
        expectOpError("pad", "-1") { try m.pad([-1]) }
        expectOpError("pad", "3 pad values", "2×2") { try m.pad([1, 1, 1]) }
        expectOpError("pad", "4 pad values", "3") { try lit([3], [1, 2, 3]).pad([1, 1, 1, 1]) }
        expectOpError("pad", "1 pad values", "[]") { try Tensor(1).pad([1]) }
        expectOpError("pad", "too many") { try m.pad([1 << 30]) }
    }

    @Test func padSweepAgainstReference() throws {
        var rng = TestRNG(45)
        for _ in 0..<60 {
            let t = BasicsRef.randomTensor(&rng, maxRank: 4)
            let value = Float(rng.int(-3, 3))
            var begin = [Int](repeating: 0, count: t.rank), end = begin
            let pads: [Int]
            if t.rank >= 2 && rng.bool() {
                let form = [1, 2, 4][rng.int(0, 2)]
                pads = (0..<form).map { _ in rng.int(0, 2) }
                let (h, w) = (t.rank - 2, t.rank - 1)
                switch form {
                case 1: (begin[h], begin[w], end[h], end[w]) = (pads[0], pads[0], pads[0], pads[0])
                case 2: (begin[h], begin[w], end[h], end[w]) = (pads[0], pads[1], pads[0], pads[1])
                default: (begin[h], begin[w], end[h], end[w]) = (pads[0], pads[1], pads[2], pads[3])
                }
            } else {
                pads = (0..<(2 * t.rank)).map { _ in rng.int(0, 2) }
                for k in 0..<t.rank { begin[k] = pads[k]; end[k] = pads[k + t.rank] }
            }
            #expect(try t.pad(pads, value: value) == BasicsRef.pad(t, begin: begin, end: end, value: value),
                    "\(t.shape) pads \(pads)")
        }
    }
}
