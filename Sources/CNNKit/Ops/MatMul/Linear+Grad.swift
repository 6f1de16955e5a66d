// dY: …×out, x: …×in, w: out×in → dX: …×in, dW: out×in, dB: out
//
// With the leading axes of x flattened into `rows`: dX = dY·W (rows×out · out×in), dW = dYᵀ·X (the sum
// over every leading position in one GEMM), dB = the column sums of dY.

extension Variable {
    /// Differentiable fully connected layer: the value of `Tensor.linear` (`x · wᵀ + bias`, same shapes
    /// and errors) with gradients for the input, the weight and the bias.
    public static func linear(_ x: Variable, _ w: Variable, bias: Variable? = nil) throws -> Variable {
        let y = try Tensor.linear(x.value, w.value, bias: bias?.value)
        let parents = bias.map { [x, w, $0] } ?? [x, w]
        guard Autograd.needsGraph(parents) else { return Variable(y) }
        let xv = x.value, wv = w.value
        let needX = x.requiresGrad, needW = w.requiresGrad
        return Autograd.record(y, parents: parents) { gy in
            let kernels = Kernels.active
            let inFeatures = wv.shape[1], outFeatures = wv.shape[0]
            let rows = outFeatures == 0 ? 0 : gy.count / outFeatures
            var dx = [Float](repeating: 0, count: needX ? xv.count : 0)
            var dw = [Float](repeating: 0, count: needW ? wv.count : 0)
            gy.scalars.withUnsafeBufferPointer { gb in
                guard let g = gb.baseAddress, rows > 0, inFeatures > 0, outFeatures > 0 else { return }
                if needX {
                    wv.scalars.withUnsafeBufferPointer { wb in
                        dx.withUnsafeMutableBufferPointer { db in
                            guard let wp = wb.baseAddress, let d = db.baseAddress else { return }
                            sgemm(m: rows, n: inFeatures, k: outFeatures, a: g, b: wp, c: d, kernels: kernels)
                        }
                    }
                }
                if needW {
                    xv.scalars.withUnsafeBufferPointer { xb in
                        dw.withUnsafeMutableBufferPointer { db in
                            guard let xp = xb.baseAddress, let d = db.baseAddress else { return }
                            sgemm(transA: true, m: outFeatures, n: inFeatures, k: rows, a: g, b: xp, c: d, kernels: kernels)
                        }
                    }
                }
            }
            var out: [Tensor?] = [needX ? Tensor(unchecked: xv.shape, scalars: dx) : nil,
                                  needW ? Tensor(unchecked: wv.shape, scalars: dw) : nil]
            if let bias {
                out.append(bias.requiresGrad ? Tensor(unchecked: bias.shape, scalars: columnSums(gy.scalars, columns: outFeatures)) : nil)
            }
            return out
        }
    }
}

/// The sums of each of `columns` columns of a row-major matrix (`values.count / columns` rows),
/// accumulated in Double.
func columnSums(_ values: [Float], columns: Int) -> [Float] {
    guard columns > 0 else { return [] }
    var sums = [Double](repeating: 0, count: columns)
    let rows = values.count / columns
    values.withUnsafeBufferPointer { v in
        guard let p = v.baseAddress else { return }
        for r in 0..<rows {
            let row = p + r * columns
            for j in 0..<columns { sums[j] += Double(row[j]) }
        }
    }
    return sums.map { Float($0) }
}
