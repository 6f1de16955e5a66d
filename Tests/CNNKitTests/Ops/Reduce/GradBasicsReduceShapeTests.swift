@testable import CNNKit
import Testing
import CNNTestSupport

// Gradients of reductions and shape ops against finite differences (gradCheck's default tolerance:
// ≤ 2e-3 + 2e-2·|numeric|, eps 1e-2), on random shapes, axes (negative too) and keepdims.

@Suite struct GradBasicsReduceShapeTests {
    @Test func sumMeanStd() throws {
        var rng = TestRNG(21)
        for trial in 0..<12 {
            let shape = rng.basicsShape(rank: 1, 4, maxSize: 3)
            let x = rng.tensor(shape)
            let axes: [Int]? = rng.int(0, 3) == 0 ? nil : rng.basicsAxes(rank: shape.count)
            let keep = rng.bool()
            let note = Comment(rawValue: "trial \(trial): \(shape) axes \(String(describing: axes)) keepdims \(keep)")
            try gradCheck([x], note) { try $0[0].sum(axes: axes, keepdims: keep) }
            try gradCheck([x], note) { try $0[0].mean(axes: axes, keepdims: keep) }
            // σ needs two or more distinct values per lane to be differentiable; distinct() gives that.
            if x.count / Swift.max(1, (try x.sum(axes: axes)).count) > 1 {
                try gradCheck([rng.basicsDistinct(shape).mapScalars { $0 * 3 }], note) { try $0[0].std(axes: axes, keepdims: keep) }
            }
        }
        // σ = 0: gradient taken as 0 (PyTorch gives NaN).
        #expect(try basicsGradient(of: Tensor([2, 2, 2])) { try $0.std() }.scalars == [0, 0, 0])
    }

    @Test func maxMinGoToTheExtremes() throws {
        var rng = TestRNG(22)
        for trial in 0..<12 {
            let shape = rng.basicsShape(rank: 1, 4, maxSize: 3)
            let x = rng.basicsDistinct(shape)
            let axes: [Int]? = rng.int(0, 3) == 0 ? nil : rng.basicsAxes(rank: shape.count)
            let keep = rng.bool()
            let note = Comment(rawValue: "trial \(trial): \(shape) axes \(String(describing: axes)) keepdims \(keep)")
            try gradCheck([x], note) { try $0[0].max(axes: axes, keepdims: keep) }
            try gradCheck([x], note) { try $0[0].min(axes: axes, keepdims: keep) }
        }
        // Ties share evenly, as PyTorch's amax.
        let x = try Tensor(shape: [2, 3], scalars: [1, 5, 5, 2, 0, 1])
        #expect(try basicsGradient(of: x) { try $0.max(axes: [1]) }.scalars == [0, 0.5, 0.5, 1, 0, 0])
        #expect(try basicsGradient(of: x) { try $0.max() }.scalars == [0, 0.5, 0.5, 0, 0, 0])
        #expect(try basicsGradient(of: x) { try $0.min(axes: [-1], keepdims: true) }.scalars == [1, 0, 0, 0, 1, 0])
    }

    @Test func literalSumOfSquares() throws {
        // d/dx sum(x²) = 2x, d/dx mean(x) = 1/n.
        let x = try Tensor(shape: [2, 2], scalars: [1, -2, 3, 0.5])
        #expect(try basicsGradient(of: x) { try ($0 * $0).sum() }.scalars == [2, -4, 6, 1])
        #expect(try basicsGradient(of: x) { try $0.mean() }.scalars == [0.25, 0.25, 0.25, 0.25])
    }

    @Test func reshapesAndPermutations() throws {
        var rng = TestRNG(23)
        for trial in 0..<8 {
            let shape = rng.basicsShape(rank: 1, 4)
            let x = rng.tensor(shape)
            let n = x.count
            let note = Comment(rawValue: "trial \(trial): \(shape)")
            try gradCheck([x], note) { try $0[0].reshape([-1]) }
            try gradCheck([x], note) { try $0[0].reshape([1, n, 1]) }
            try gradCheck([x], note) { try $0[0].transposed() }
            var perm = Array(0..<shape.count)
            for i in stride(from: perm.count - 1, to: 0, by: -1) { perm.swapAt(i, rng.int(0, i)) }
            let axes = perm.map { rng.bool() ? $0 : $0 - shape.count }
            try gradCheck([x], note) { try $0[0].permute(axes) }
            try gradCheck([x], note) { try $0[0].unsqueeze(axis: rng.int(-shape.count - 1, shape.count)) }
            try gradCheck([x], note) { try $0[0].squeeze() }
            try gradCheck([x], note) { try $0[0].unsqueeze(axis: 1).squeeze(axis: 1) }
            for axis in [0, 1, -1, shape.count] {
                try gradCheck([x], note) { try $0[0].flatten(axis: axis) }
            }
        }
    }

    @Test func concatAndStack() throws {
        var rng = TestRNG(24)
        for trial in 0..<8 {
            let shape = rng.basicsShape(rank: 1, 3)
            let axis = rng.int(-shape.count, shape.count - 1)
            let a = axis < 0 ? axis + shape.count : axis
            let pieces = (0..<rng.int(1, 3)).map { _ -> Tensor in
                var s = shape
                s[a] = rng.int(1, 3)
                return rng.tensor(s)
            }
            try gradCheck(pieces, "concat trial \(trial) axis \(axis)") { try Variable.concat($0, axis: axis) }
            let same = (0..<rng.int(1, 3)).map { _ in rng.tensor(shape) }
            let newAxis = rng.int(-shape.count - 1, shape.count)
            try gradCheck(same, "stack trial \(trial) axis \(newAxis)") { try Variable.stack($0, axis: newAxis) }
        }
        // Only the pieces that need a gradient get one.
        let a = Variable(Tensor([1, 2]), requiresGrad: true), b = Variable(Tensor([3]))
        try Autograd.backward(try Variable.concat([a, b]).sum())
        #expect(a.grad?.scalars == [1, 1] && b.grad == nil)
    }

    @Test func padEveryForm() throws {
        var rng = TestRNG(25)
        for trial in 0..<6 {
            let shape = rng.basicsShape(rank: 2, 4, maxSize: 3)
            let x = rng.tensor(shape)
            let forms: [[Int]] = [
                [rng.int(0, 2)],
                [rng.int(0, 2), rng.int(0, 2)],
                (0..<4).map { _ in rng.int(0, 2) },
                (0..<(2 * shape.count)).map { _ in rng.int(0, 2) },
            ]
            for pads in forms {
                try gradCheck([x], "trial \(trial) \(shape) pads \(pads)") { try $0[0].pad(pads, value: 0.5) }
            }
        }
        try gradCheck([rng.tensor([3])]) { try $0[0].pad([2, 1]) }
        try gradCheck([rng.tensor([])]) { try $0[0].pad([]) }
    }

    @Test func indexEveryForm() throws {
        var rng = TestRNG(28)
        let whole = IndexItem.slice(start: nil, end: nil, step: nil)
        for trial in 0..<10 {
            let shape = rng.basicsShape(rank: 1, 3, maxSize: 5)
            let x = rng.tensor(shape)
            var items: [IndexItem] = []
            for size in shape.prefix(rng.int(0, shape.count)) {
                switch rng.int(0, 5) {
                case 0: items.append(.index(rng.int(0, size - 1)))
                case 1: items.append(.index(-rng.int(1, size)))
                case 2: items.append(whole)
                case 3: items.append(.slice(start: rng.int(-size, size), end: rng.int(-size, size + 1), step: nil))
                case 4: items.append(.slice(start: nil, end: nil, step: rng.int(2, 3)))
                default: items.append(.slice(start: rng.bool() ? nil : rng.int(-size, size - 1),
                                             end: rng.bool() ? nil : rng.int(-size - 1, size - 1),
                                             step: -rng.int(1, 2)))
                }
            }
            try gradCheck([x], "trial \(trial) \(shape) \(items)") { try $0[0].index(items) }
        }
        // Scattered into zeros: x[1, ::2] of a 2×3.
        let g = try basicsGradient(of: try Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])) {
            try $0.index([.index(1), .slice(start: nil, end: nil, step: 2)])
        }
        #expect(g.scalars == [0, 0, 0, 1, 0, 1])
        // An empty selection gives an all-zero gradient.
        #expect(try basicsGradient(of: Tensor([1, 2, 3])) { try $0.index([.slice(start: 2, end: 1, step: nil)]) }.scalars == [0, 0, 0])
    }
}
