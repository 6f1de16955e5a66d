// Gradient of matmul (Tensor+MatMul.swift). a: …×m×k, b: …×k×n, y: broadcast(…)×m×n.
// ∂a = ∂y · bᵀ and ∂b = aᵀ · ∂y per matrix, both through SGEMM with transpose flags (no transposed
// copies), summed over the batch axes along which the operand was broadcast. A 1-D operand is a 1×k
// row (left) or k×1 column (right), as in the forward pass.

extension Tensor {
    /// The two gradients of `matmul(a, b)` given the gradient `g` of its result (nil where not `needed`).
    static func matmulBackward(_ g: Tensor, _ a: Tensor, _ b: Tensor, needA: Bool, needB: Bool)
        -> (a: Tensor?, b: Tensor?) {
        let aShape = a.rank == 1 ? [1, a.shape[0]] : a.shape
        let bShape = b.rank == 1 ? [b.shape[0], 1] : b.shape
        let m = aShape[aShape.count - 2], k = aShape[aShape.count - 1], n = bShape[bShape.count - 1]
        let aBatch = Array(aShape.dropLast(2)), bBatch = Array(bShape.dropLast(2))
        // The forward pass validated that these broadcast.
        let batch = (try? Shape.broadcast(aBatch, bBatch, op: "matmul")) ?? aBatch
        let batches = batch.reduce(1, *)
        let aMatrices = aBatch.reduce(1, *), bMatrices = bBatch.reduce(1, *)
        var ga = needA ? [Float](repeating: 0, count: a.count) : []
        var gb = needB ? [Float](repeating: 0, count: b.count) : []
        let result = { (needA ? Tensor(unchecked: a.shape, scalars: ga) : nil,
                        needB ? Tensor(unchecked: b.shape, scalars: gb) : nil) }
        guard m > 0, n > 0, k > 0, batches > 0 else { return result() }

        let strideA = Shape.broadcastStrides(aBatch, to: batch)
        let strideB = Shape.broadcastStrides(bBatch, to: batch)
        func matrices(_ i: Int) -> (a: Int, b: Int) {
            var r = i, matA = 0, matB = 0
            var axis = batch.count - 1
            while axis >= 0 {
                let j = r % batch[axis]
                matA += j * strideA[axis]
                matB += j * strideB[axis]
                r /= batch[axis]
                axis -= 1
            }
            return (matA, matB)
        }
        let limit = Int(Int32.max)
        /// Runs `product(i)` for every batch. Products that each write their own matrix and are small
        /// enough for sgemm to run on the calling thread go side by side on our workers (as in the
        /// forward pass); products accumulating into a shared matrix run in order.
        func forBatches(ownOutput: Bool, _ product: (Int) -> Void) {
            if ownOutput && m * n * k <= 32 * 32 * 32 {
                parallelFor(batches, minChunk: Swift.max(1, 32_768 / Swift.max(1, m * n * k))) { product($0) }
            } else {
                for i in 0..<batches { product(i) }
            }
        }
        let kernels = Kernels.active
        g.scalars.withUnsafeBufferPointer { gbuf in
            a.scalars.withUnsafeBufferPointer { abuf in
                b.scalars.withUnsafeBufferPointer { bbuf in
                    guard let pg = gbuf.baseAddress, let pa = abuf.baseAddress, let pb = bbuf.baseAddress else { return }
                    if needA {
                        ga.withUnsafeMutableBufferPointer { out in
                            guard let da = out.baseAddress else { return }
                            if bMatrices == 1 && aMatrices == batches && batches * m <= limit {
                                // Shared right matrix (a linear layer): one (batches·m)×n · (k×n)ᵀ product.
                                sgemm(transB: true, m: batches * m, n: k, k: n, a: pg, b: pb, c: da, kernels: kernels)
                                return
                            }
                            // Matrices of a that were broadcast collect several products: accumulate.
                            forBatches(ownOutput: aMatrices == batches) { i in
                                let (matA, matB) = matrices(i)
                                sgemm(transB: true, m: m, n: k, k: n, a: pg + i * m * n, b: pb + matB * k * n,
                                      beta: aMatrices == batches ? 0 : 1, c: da + matA * m * k, kernels: kernels)
                            }
                        }
                    }
                    if needB {
                        gb.withUnsafeMutableBufferPointer { out in
                            guard let db = out.baseAddress else { return }
                            if bMatrices == 1 && aMatrices == batches && batches * m <= limit {
                                // The whole stack of a as one (batches·m)×k matrix: aᵀ·g sums over the batch.
                                sgemm(transA: true, m: k, n: n, k: batches * m, a: pa, b: pg, c: db, kernels: kernels)
                                return
                            }
                            forBatches(ownOutput: bMatrices == batches) { i in
                                let (matA, matB) = matrices(i)
                                sgemm(transA: true, m: k, n: n, k: m, a: pa + matA * m * k, b: pg + i * m * n,
                                      beta: bMatrices == batches ? 0 : 1, c: db + matB * k * n, kernels: kernels)
                            }
                        }
                    }
                }
            }
        }
        return result()
    }
}

extension Variable {
    /// Differentiable NumPy `matmul` (all cases of `Tensor.matmul`: 1-D, 2-D, batched with broadcast
    /// leading axes). The gradients are SGEMM products with the other operand, transposed in place.
    public static func matmul(_ a: Variable, _ b: Variable) throws -> Variable {
        let x = a.value, w = b.value
        let y = try Tensor.matmul(x, w)
        guard Autograd.needsGraph(a, b) else { return Variable(y) }
        let needA = a.requiresGrad, needB = b.requiresGrad
        return Autograd.record(y, parents: [a, b]) { g in
            let (ga, gb) = Tensor.matmulBackward(g, x, w, needA: needA, needB: needB)
            return [ga, gb]
        }
    }
}
