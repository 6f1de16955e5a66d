@testable import CNNKit
import Testing
import CNNTestSupport

@Suite struct BasicsCreateTests {
    @Test func constantFills() throws {
        #expect(try Tensor.zeros([2, 3]) == lit([2, 3], [0, 0, 0, 0, 0, 0]))
        #expect(try Tensor.ones([3]) == lit([3], [1, 1, 1]))
        #expect(try Tensor.full([2, 1], value: 7.5) == lit([2, 1], [7.5, 7.5]))
        #expect(try Tensor.zeros([]) == lit([], [0]))
        #expect(try Tensor.ones([2, 0, 3]).count == 0)
        #expect(try Tensor.ones([2, 0, 3]).shape == [2, 0, 3])
    }

    @Test func constantFillErrorsNameTheOp() {
        expectOpError("zeros", "2×-1", "negative") { try Tensor.zeros([2, -1]) }
        expectOpError("ones", "-3") { try Tensor.ones([-3]) }
        expectOpError("full", "too many") { try Tensor.full([1 << 16, 1 << 16], value: 1) }
        expectOpError("eye", "negative") { try Tensor.eye(-1) }
        expectOpError("eye", "too many") { try Tensor.eye(1 << 20, 1 << 20) }
    }

    @Test func arangeFollowsNumPy() throws {
        #expect(try Tensor.arange(0, 5) == lit([5], [0, 1, 2, 3, 4]))
        #expect(try Tensor.arange(1, 2, step: 0.25) == lit([4], [1, 1.25, 1.5, 1.75]))
        #expect(try Tensor.arange(5, 0, step: -2) == lit([3], [5, 3, 1]))
        // ceil((end-start)/step): np.arange(0, 1, 0.3) has 4 values.
        #expect(try Tensor.arange(0, 1, step: 0.3).count == 4)
        // Empty when the step points away from end, or start == end.
        #expect(try Tensor.arange(0, 5, step: -1) == lit([0], []))
        #expect(try Tensor.arange(3, 3) == lit([0], []))
        #expect(try Tensor.arange(-2, 1).scalars == [-2, -1, 0])
    }

    @Test func arangeSweepAgainstCountFormula() throws {
        var rng = TestRNG(11)
        for _ in 0..<50 {
            let start = Float(rng.int(-20, 20)) / 4, end = Float(rng.int(-20, 20)) / 4
            var step = Float(rng.int(-8, 8)) / 4
            if step == 0 { step = 0.5 }
            let t = try Tensor.arange(start, end, step: step)
            let expected = max(0, Int((Double(end - start) / Double(step)).rounded(.up)))
            #expect(t.shape == [expected])
            for (i, v) in t.scalars.enumerated() {
                #expect(abs(v - (start + Float(i) * step)) < 1e-5)
                #expect(step > 0 ? v < end : v > end)
            }
        }
    }

    @Test func arangeErrors() {
        expectOpError("arange", "step", "0") { try Tensor.arange(0, 5, step: 0) }
        expectOpError("arange", "limit") { try Tensor.arange(0, 1e10, step: 1) }
        expectOpError("arange", "finite") { try Tensor.arange(0, .infinity) }
        expectOpError("arange", "step") { try Tensor.arange(0, 1, step: .nan) }
        // A tiny step pointing the wrong way is simply empty, not a crash.
        #expect((try? Tensor.arange(0, 1e30, step: -1e-30))?.count == 0)
    }

    @Test func linspaceFollowsNumPy() throws {
        #expect(try Tensor.linspace(0, 1, count: 5) == lit([5], [0, 0.25, 0.5, 0.75, 1]))
        #expect(try Tensor.linspace(2, 3, count: 1) == lit([1], [2]))
        #expect(try Tensor.linspace(2, 3, count: 0) == lit([0], []))
        #expect(try Tensor.linspace(1, -1, count: 3) == lit([3], [1, 0, -1]))
        let t = try Tensor.linspace(0, 0.7, count: 8)
        #expect(t.scalars.last == 0.7)  // the end is hit exactly
        for i in 0..<8 { #expect(abs(t.scalars[i] - Float(i) * 0.1) < 1e-6) }
        expectOpError("linspace", "count", "-1") { try Tensor.linspace(0, 1, count: -1) }
        expectOpError("linspace", "finite") { try Tensor.linspace(.nan, 1, count: 3) }
    }

    @Test func eyeMatrices() throws {
        #expect(try Tensor.eye(2) == lit([2, 2], [1, 0, 0, 1]))
        #expect(try Tensor.eye(2, 3) == lit([2, 3], [1, 0, 0, 0, 1, 0]))
        #expect(try Tensor.eye(3, 2) == lit([3, 2], [1, 0, 0, 1, 0, 0]))
        #expect(try Tensor.eye(0).shape == [0, 0])
    }
}
