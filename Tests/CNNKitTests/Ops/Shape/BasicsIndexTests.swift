@testable import CNNKit
import Testing
import CNNTestSupport

@Suite struct BasicsIndexTests {
    static func s(_ start: Int? = nil, _ end: Int? = nil, _ step: Int? = nil) -> IndexItem {
        .slice(start: start, end: end, step: step)
    }

    let x = lit([3, 4], [0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23])

    @Test func integerIndices() throws {
        #expect(try x.index([.index(1)]) == lit([4], [10, 11, 12, 13]))
        #expect(try x.index([.index(-1), .index(-2)]) == Tensor(22))
        #expect(try x.index([.index(0), .index(3)]) == Tensor(3))
        #expect(try x.index([]) == x)
        #expect(try Tensor(7).index([]) == Tensor(7))
        expectOpError("index", "index 5 is out of range for axis 0 of size 3") { try x.index([.index(5)]) }
        expectOpError("index", "index -5 is out of range for axis 1 of size 4") { try x.index([.index(0), .index(-5)]) }
        expectOpError("index", "3 indices", "rank 2", "3×4") { try x.index([.index(0), .index(0), .index(0)]) }
        expectOpError("index", "1 indices", "rank 0") { try Tensor(1).index([.index(0)]) }
    }

    @Test func slicesFollowPython() throws {
        // Expected values are what Python gives for list(range(n))[start:end:step].
        let r = lit([6], [0, 1, 2, 3, 4, 5])
        #expect(try r.index([Self.s(1, 3)]).scalars == [1, 2])
        #expect(try r.index([Self.s(nil, nil, 2)]).scalars == [0, 2, 4])
        #expect(try r.index([Self.s(nil, nil, -1)]).scalars == [5, 4, 3, 2, 1, 0])
        #expect(try r.index([Self.s(-2)]).scalars == [4, 5])
        #expect(try r.index([Self.s(nil, -2)]).scalars == [0, 1, 2, 3])
        #expect(try r.index([Self.s(4, 1, -1)]).scalars == [4, 3, 2])
        #expect(try r.index([Self.s(-1, -4, -2)]).scalars == [5, 3])
        #expect(try r.index([Self.s(10, 20)]).scalars == [])
        #expect(try r.index([Self.s(-100, 100)]).scalars == [0, 1, 2, 3, 4, 5])
        #expect(try r.index([Self.s(100, nil, -2)]).scalars == [5, 3, 1])
        #expect(try r.index([Self.s(nil, -100, -1)]).scalars == [5, 4, 3, 2, 1, 0])
        #expect(try r.index([Self.s(3, 3)]).shape == [0])
        #expect(try r.index([Self.s(nil, nil, Int.max)]).scalars == [0])
        #expect(try r.index([Self.s(nil, nil, Int.min)]).scalars == [5])
        #expect(try r.index([Self.s(Int.min, Int.max)]).scalars == [0, 1, 2, 3, 4, 5])
        expectOpError("index", "step", "zero", "axis 0") { try r.index([Self.s(nil, nil, 0)]) }
    }

    @Test func mixedItems() throws {
        #expect(try x.index([Self.s(), .index(1)]) == lit([3], [1, 11, 21]))
        #expect(try x.index([Self.s(0, 2), Self.s(1, 3)]) == lit([2, 2], [1, 2, 11, 12]))
        #expect(try x.index([.index(2), Self.s(nil, nil, -2)]) == lit([2], [23, 21]))
        #expect(try x.index([Self.s(nil, nil, -1)]) == lit([3, 4], [20, 21, 22, 23, 10, 11, 12, 13, 0, 1, 2, 3]))
    }

    @Test func sweepAgainstReference() throws {
        var rng = TestRNG(51)
        for _ in 0..<150 {
            let t = BasicsRef.randomTensor(&rng, maxRank: 4, maxDim: 6)
            let n = rng.int(0, t.rank)
            var items: [IndexItem] = []
            for axis in 0..<n {
                let size = t.shape[axis]
                if rng.int(0, 3) == 0 {
                    items.append(.index(rng.int(-size, size - 1)))
                } else {
                    func bound() -> Int? { rng.int(0, 3) == 0 ? nil : rng.int(-size - 2, size + 2) }
                    let step: Int? = rng.bool() ? nil : [1, 2, 3, -1, -2, -3][rng.int(0, 5)]
                    items.append(.slice(start: bound(), end: bound(), step: step))
                }
            }
            #expect(try t.index(items) == BasicsRef.index(t, items), "\(t.shape) \(items)")
        }
    }

    @Test func largeSliceTakesParallelPath() throws {
        var rng = TestRNG(52)
        let t = rng.tensor([4, 120, 130])
        let items: [IndexItem] = [Self.s(nil, nil, -1), Self.s(1, nil, 2), Self.s(nil, nil, -3)]
        #expect(try t.index(items) == BasicsRef.index(t, items))
        let rows: [IndexItem] = [Self.s(), Self.s(5, 100)]
        #expect(try t.index(rows) == BasicsRef.index(t, rows))
    }
}
