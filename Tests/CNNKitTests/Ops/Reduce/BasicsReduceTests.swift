@testable import CNNKit
import Testing
import CNNTestSupport

@Suite struct BasicsReduceTests {
    let x = lit([2, 3], [1, 2, 3, 4, 5, 6])

    @Test func literalReductions() throws {
        #expect(try x.sum() == Tensor(21))
        #expect(try x.sum(axes: [0]) == lit([3], [5, 7, 9]))
        #expect(try x.sum(axes: [1], keepdims: true) == lit([2, 1], [6, 15]))
        #expect(try x.sum(axes: [-1]) == lit([2], [6, 15]))
        #expect(try x.sum(keepdims: true) == lit([1, 1], [21]))
        #expect(try x.mean() == Tensor(3.5))
        #expect(try x.mean(axes: [0]) == lit([3], [2.5, 3.5, 4.5]))
        #expect(try x.max() == Tensor(6))
        #expect(try x.max(axes: [1]) == lit([2], [3, 6]))
        #expect(try x.min(axes: [0]) == lit([3], [1, 2, 3]))
        #expect(try x.min(axes: [0, 1], keepdims: true) == lit([1, 1], [1]))
        // Population standard deviation (ddof = 0): std([1, 2, 3]) = sqrt(2/3).
        expectClose(try x.std(axes: [1]), lit([2], [Float((2.0 / 3).squareRoot()), Float((2.0 / 3).squareRoot())]))
        expectClose(try lit([4], [2, 4, 4, 6]).std(), Tensor(Float(2.0.squareRoot())))
        // Empty axes list reduces nothing (NumPy axis=()).
        #expect(try x.sum(axes: []) == x)
    }

    @Test func argmaxLiterals() throws {
        let t = lit([2, 3], [1, 7, 7, 9, 2, 9])
        #expect(try t.argmax() == Tensor(3))                       // flattened; ties give the first
        #expect(try t.argmax(axis: 1) == lit([2], [1, 0]))
        #expect(try t.argmax(axis: 0) == lit([3], [1, 0, 1]))
        #expect(try t.argmax(axis: -1, keepdims: true) == lit([2, 1], [1, 0]))
        #expect(try t.argmax(keepdims: true) == lit([1, 1], [3]))
        #expect(try lit([3], [1, .nan, 5]).argmax() == Tensor(1))  // NaN counts as largest (NumPy)
    }

    @Test func nanPropagatesThroughMaxAndMin() throws {
        let t = lit([2, 2], [.nan, 1, 2, .nan])
        let mx = try t.max(axes: [0]), mn = try t.min(axes: [1])
        #expect(mx.scalars.allSatisfy { $0.isNaN })
        #expect(mn.scalars.allSatisfy { $0.isNaN })
    }

    @Test func emptyReductions() throws {
        let e = try Tensor.zeros([0, 3])
        #expect(try e.sum(axes: [0]) == lit([3], [0, 0, 0]))
        #expect(try e.sum() == Tensor(0))
        #expect(try e.mean(axes: [0]).scalars.allSatisfy { $0.isNaN })  // NaN like NumPy
        #expect(try e.std().scalars.allSatisfy { $0.isNaN })
        #expect(try e.max(axes: [1]) == lit([0], []))                 // nothing empty is reduced
        expectOpError("max", "cannot reduce an empty axis", "0×3") { try e.max(axes: [0]) }
        expectOpError("min", "cannot reduce an empty axis") { try e.min() }
        expectOpError("argmax", "cannot reduce an empty axis") { try e.argmax() }
        expectOpError("argmax", "cannot reduce an empty axis") { try e.argmax(axis: 0) }
        // Interleaved reduced axes around a kept one, with an empty reduced axis.
        let f = try Tensor.ones([0, 2, 3])
        #expect(try f.sum(axes: [0, 2]) == lit([2], [0, 0]))
    }

    @Test func axisErrors() {
        expectOpError("sum", "axis 2", "rank 2", "2×3") { try x.sum(axes: [2]) }
        expectOpError("mean", "axis -3", "rank 2") { try x.mean(axes: [-3]) }
        expectOpError("max", "axis -1", "more than once") { try x.max(axes: [1, -1]) }
        expectOpError("std", "axis 0", "more than once") { try x.std(axes: [0, 0]) }
        expectOpError("argmax", "axis 5", "rank 2") { try x.argmax(axis: 5) }
        expectOpError("sum", "axis 1", "rank 0") { try Tensor(3).sum(axes: [1]) }
    }

    @Test func rankZeroReducesNothing() throws {
        let s = Tensor(4)
        #expect(try s.sum() == s)
        #expect(try s.mean(axes: [0]) == s)
        #expect(try s.max(axes: [-1], keepdims: true) == s)
        #expect(try s.std() == Tensor(0))
        #expect(try s.argmax() == Tensor(0))
    }

    @Test func sweepAgainstReference() throws {
        var rng = TestRNG(31)
        let kinds: [BasicsRef.Reduction] = [.sum, .mean, .max, .min, .std]
        for trial in 0..<150 {
            let shape = BasicsRef.shape(&rng)
            let x = rng.tensor(shape, -3, 3)
            // nil (all axes) sometimes; otherwise a random subset written with random signs and order.
            var axes: [Int]? = nil
            if trial % 4 != 0 && x.rank > 0 {
                let size = rng.int(1, x.rank)
                let subset = BasicsRef.permutation(&rng, x.rank).prefix(size)
                axes = subset.map { rng.bool() ? $0 - x.rank : $0 }
            }
            let keep = rng.bool()
            let normalized = axes.map { $0.map { $0 < 0 ? $0 + x.rank : $0 } } ?? Array(0..<x.rank)
            let kind = kinds[trial % kinds.count]
            let got: Tensor
            switch kind {
            case .sum: got = try x.sum(axes: axes, keepdims: keep)
            case .mean: got = try x.mean(axes: axes, keepdims: keep)
            case .max: got = try x.max(axes: axes, keepdims: keep)
            case .min: got = try x.min(axes: axes, keepdims: keep)
            case .std: got = try x.std(axes: axes, keepdims: keep)
            }
            let want = BasicsRef.reduce(x, axes: normalized, keepdims: keep, kind)
            expectClose(got, want, rtol: 1e-5, atol: 1e-5, "\(kind) \(shape) axes \(String(describing: axes)) keepdims \(keep)")
        }
    }

    @Test func argmaxSweepAgainstReference() throws {
        var rng = TestRNG(32)
        for _ in 0..<60 {
            let shape = BasicsRef.shape(&rng)
            guard !shape.isEmpty else { continue }
            // A coarse grid makes ties common, so "first wins" is exercised.
            let x = rng.tensor(shape, -2, 2).mapScalars { $0.rounded() }
            let axis = rng.int(-x.rank, x.rank - 1)
            let keep = rng.bool()
            let a = axis < 0 ? axis + x.rank : axis
            #expect(try x.argmax(axis: axis, keepdims: keep) == BasicsRef.argmax(x, axis: a, keepdims: keep),
                    "\(shape) axis \(axis)")
            let flat = try x.argmax()
            let flatWant = BasicsRef.argmax(x.reshaped(unchecked: [x.count]), axis: 0, keepdims: false)
            #expect(flat.shape == [] && flat.scalars == flatWant.scalars)
        }
    }

    @Test func largeReductionsMatchReference() throws {
        // Big enough for the parallel lane split (over 2^15 elements), in all three layouts.
        var rng = TestRNG(33)
        let x = rng.tensor([40, 30, 50])
        for axes in [[0], [1], [2], [0, 2], [0, 1, 2]] {
            expectClose(try x.sum(axes: axes), BasicsRef.reduce(x, axes: axes, keepdims: false, .sum), rtol: 1e-4, atol: 1e-4)
            expectClose(try x.max(axes: axes), BasicsRef.reduce(x, axes: axes, keepdims: false, .max), rtol: 0, atol: 0)
        }
        let big = rng.tensor([5000, 13])
        expectClose(try big.std(axes: [0]), BasicsRef.reduce(big, axes: [0], keepdims: false, .std), rtol: 1e-5, atol: 1e-6)
    }

    @Test func sumToShapeUndoesBroadcast() throws {
        var rng = TestRNG(34)
        let g = rng.tensor([2, 3, 4])
        expectClose(try g.sum(toShape: [3, 1]), try g.sum(axes: [0, 2], keepdims: true).reshape([3, 1]))
        expectClose(try g.sum(toShape: []), try g.sum())
        #expect(try g.sum(toShape: [2, 3, 4]) == g)
        expectOpError("sum", "2×3×4", "5") { try g.sum(toShape: [5]) }
    }
}
