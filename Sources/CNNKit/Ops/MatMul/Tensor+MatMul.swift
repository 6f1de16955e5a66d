// Matrix product with NumPy `matmul` semantics.
// a: …×m×k, b: …×k×n → broadcast(…)×m×n; a 1-D a is 1×k and a 1-D b is k×1, the added axis removed.

extension Tensor {
    /// NumPy `matmul` (PyTorch `torch.matmul`, ONNX MatMul):
    /// - 1-D · 1-D: the dot product, a rank-0 tensor;
    /// - 2-D · 2-D: the matrix product (the engine's SGEMM);
    /// - a 1-D operand is promoted to a matrix (a row on the left, a column on the right) and the added
    ///   axis removed from the result;
    /// - ≥3-D: a stack of matrices; the leading (batch) axes broadcast like elementwise ops.
    /// Rank-0 operands are rejected (use `*`). Throws `matmul: shapes 2×3 and 4×5 do not align (3 vs 4)`.
    public static func matmul(_ a: Tensor, _ b: Tensor) throws -> Tensor {
        let shapes = "\(Shape.describe(a.shape)) and \(Shape.describe(b.shape))"
        guard a.rank >= 1, b.rank >= 1 else {
            throw OpError("matmul", "shapes \(shapes): both operands need at least one axis (use * for scalars)")
        }
        let aShape = a.rank == 1 ? [1, a.shape[0]] : a.shape
        let bShape = b.rank == 1 ? [b.shape[0], 1] : b.shape
        let m = aShape[aShape.count - 2], k = aShape[aShape.count - 1]
        let kb = bShape[bShape.count - 2], n = bShape[bShape.count - 1]
        guard k == kb else {
            throw OpError("matmul", "shapes \(shapes) do not align (\(k) vs \(kb))")
        }
        let aBatch = Array(aShape.dropLast(2)), bBatch = Array(bShape.dropLast(2))
        let batch: [Int]
        do {
            batch = try Shape.broadcast(aBatch, bBatch, op: "matmul")
        } catch {
            throw OpError("matmul", "shapes \(shapes): batch axes \(Shape.describe(aBatch)) and \(Shape.describe(bBatch)) cannot broadcast")
        }
        let total = try Shape.elementCount(batch + [m, n], op: "matmul")
        let limit = Int(Int32.max)
        guard m <= limit, n <= limit, k <= limit else {
            throw OpError("matmul", "shapes \(shapes): matrix sizes must be below 2^31")
        }
        var outShape = batch
        if a.rank > 1 { outShape.append(m) }
        if b.rank > 1 { outShape.append(n) }
        var values = [Float](repeating: 0, count: total)
        let batches = batch.reduce(1, *)
        guard total > 0, k > 0 else { return Tensor(unchecked: outShape, scalars: values) }

        let kernels = Kernels.active
        a.scalars.withUnsafeBufferPointer { ab in
            b.scalars.withUnsafeBufferPointer { bb in
                values.withUnsafeMutableBufferPointer { cb in
                    guard let pa = ab.baseAddress, let pb = bb.baseAddress, let pc = cb.baseAddress else { return }
                    let aMatrices = aBatch.reduce(1, *), bMatrices = bBatch.reduce(1, *)
                    if bMatrices == 1 && aMatrices == batches && batches * m <= limit {
                        // One shared right-hand matrix: the whole stack is one (batches·m)×k product.
                        sgemm(m: batches * m, n: n, k: k, a: pa, b: pb, c: pc, kernels: kernels)
                        return
                    }
                    // Matrix strides of each operand over the batch axes, 0 where it is broadcast.
                    let strideA = Shape.broadcastStrides(aBatch, to: batch)
                    let strideB = Shape.broadcastStrides(bBatch, to: batch)
                    func product(_ i: Int) {
                        var r = i, matA = 0, matB = 0
                        var axis = batch.count - 1
                        while axis >= 0 {
                            let j = r % batch[axis]
                            matA += j * strideA[axis]
                            matB += j * strideB[axis]
                            r /= batch[axis]
                            axis -= 1
                        }
                        sgemm(m: m, n: n, k: k, a: pa + matA * m * k, b: pb + matB * k * n, c: pc + i * m * n, kernels: kernels)
                    }
                    // sgemm runs products under 4 M multiply-adds on the calling thread, so small ones can go
                    // side by side on our own workers without oversubscribing.
                    if m * n * k <= 32 * 32 * 32 {
                        parallelFor(batches, minChunk: Swift.max(1, 32_768 / Swift.max(1, m * n * k))) { product($0) }
                    } else {
                        for i in 0..<batches { product(i) }
                    }
                }
            }
        }
        return Tensor(unchecked: outShape, scalars: values)
    }
}
