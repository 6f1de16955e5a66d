@testable import CNNKit
import Testing
import CNNTestSupport

@Suite struct BasicsMatMulTests {
    @Test func literalProducts() throws {
        let a = lit([2, 3], [1, 2, 3, 4, 5, 6]), b = lit([3, 2], [7, 8, 9, 10, 11, 12])
        #expect(try Tensor.matmul(a, b) == lit([2, 2], [58, 64, 139, 154]))
        #expect(try Tensor.matmul(lit([3], [1, 2, 3]), lit([3], [4, 5, 6])) == Tensor(32))       // dot → rank 0
        #expect(try Tensor.matmul(lit([3], [1, 0, -1]), b) == lit([2], [-4, -4]))                  // row vector
        #expect(try Tensor.matmul(a, lit([3], [1, 0, -1])) == lit([2], [-2, -2]))                  // column vector
        #expect(try Tensor.matmul(try Tensor.eye(2), a) == a)
        // k = 0 gives zeros, m or n = 0 gives an empty result.
        #expect(try Tensor.matmul(Tensor.zeros([2, 0]), Tensor.zeros([0, 3])) == Tensor.zeros([2, 3]))
        #expect(try Tensor.matmul(Tensor.zeros([0, 4]), Tensor.zeros([4, 3])).shape == [0, 3])
    }

    @Test func batchedLiterals() throws {
        let a = lit([2, 1, 2], [1, 2, 3, 4])                 // two 1×2 matrices
        let b = lit([2, 2], [1, 0, 0, 2])                    // shared right-hand side
        #expect(try Tensor.matmul(a, b) == lit([2, 1, 2], [1, 4, 3, 8]))
        let c = lit([2, 2, 1], [1, 1, 2, 2])                 // two 2×1 matrices
        #expect(try Tensor.matmul(lit([2], [1, 1]), c) == lit([2, 1], [2, 4]))
    }

    @Test func alignmentErrors() {
        expectOpError("matmul", "shapes 2×3 and 4×5 do not align (3 vs 4)") {
            try Tensor.matmul(Tensor.zeros([2, 3]), Tensor.zeros([4, 5]))
        }
        expectOpError("matmul", "3", "4", "do not align (3 vs 4)") { try Tensor.matmul(Tensor.zeros([3]), Tensor.zeros([4])) }
        expectOpError("matmul", "[]", "at least one axis") { try Tensor.matmul(Tensor(1), Tensor.zeros([2])) }
        expectOpError("matmul", "2×2×3", "3×3×4", "batch axes 2 and 3") {
            try Tensor.matmul(Tensor.zeros([2, 2, 3]), Tensor.zeros([3, 3, 4]))
        }
    }

    @Test func sweepAgainstReference() throws {
        var rng = TestRNG(61)
        for trial in 0..<80 {
            let m = rng.int(1, 6), k = rng.int(1, 6), n = rng.int(1, 6)
            let (ba, bb) = BasicsRef.broadcastPair(&rng, maxRank: 3, maxDim: 3)
            // Some trials use 1-D operands (no batch), the rest matrices with broadcast batch axes.
            let aShape = trial % 7 == 0 ? [k] : ba + [m, k]
            let bShape = trial % 5 == 0 ? [k] : bb + [k, n]
            let a = rng.tensor(aShape), b = rng.tensor(bShape)
            guard aShape.count <= 2 || bShape.count <= 2 || BasicsRef.broadcastShape(ba, bb) != nil else { continue }
            expectClose(try Tensor.matmul(a, b), BasicsRef.matmul(a, b), rtol: 1e-4, atol: 1e-5, "\(aShape) @ \(bShape)")
        }
    }

    @Test func manyBatchesAndLargerMatrices() throws {
        var rng = TestRNG(62)
        // Many small products (parallel over batches), a broadcast left operand, and a product big
        // enough for OpenBLAS' own threading.
        let a = rng.tensor([64, 3, 4]), b = rng.tensor([64, 4, 5])
        expectClose(try Tensor.matmul(a, b), BasicsRef.matmul(a, b), rtol: 1e-4, atol: 1e-5)
        let shared = rng.tensor([3, 4])
        expectClose(try Tensor.matmul(shared, b), BasicsRef.matmul(shared, b), rtol: 1e-4, atol: 1e-5)
        let c = rng.tensor([2, 1, 40, 30]), d = rng.tensor([3, 30, 20])
        expectClose(try Tensor.matmul(c, d), BasicsRef.matmul(c, d), rtol: 1e-4, atol: 1e-5)
        let e = rng.tensor([70, 80]), f = rng.tensor([80, 90])
        expectClose(try Tensor.matmul(e, f), BasicsRef.matmul(e, f), rtol: 1e-4, atol: 1e-4)
    }
}
