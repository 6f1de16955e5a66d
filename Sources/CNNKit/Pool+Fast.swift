// x plane: H×W → P×Q, every window inside the input, unit dilation
//
// Fast pooling kernels for the common unpadded case. The 2×2 stride-2 kernels read two input rows 32
// floats at a time, reduce them vertically, then pair neighbours with `evenHalf`/`oddHalf`, which
// compiles to two AVX-512 permutes. Max keeps NaN like the general path.

extension Tensor {
    /// 2×2 stride-2 max pooling of one plane whose windows all lie inside it.
    static func maxPool2x2Plane(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ g: PoolGeometry) {
        let w = g.w, q = g.q
        let vectorQ = q / 16 * 16
        for op in 0..<g.p {
            let r0 = src + 2 * op * w, r1 = r0 + w
            let out = dst + op * q
            var oq = 0
            while oq < vectorQ {
                let a = UnsafeRawPointer(r0 + 2 * oq).loadUnaligned(as: SIMD32<Float>.self)
                let b = UnsafeRawPointer(r1 + 2 * oq).loadUnaligned(as: SIMD32<Float>.self)
                let v = nanMax(a, b)
                UnsafeMutableRawPointer(out + oq).storeBytes(of: nanMax(v.evenHalf, v.oddHalf), as: SIMD16<Float>.self)
                oq += 16
            }
            while oq < q {
                let x = 2 * oq
                out[oq] = scalarNanMax(scalarNanMax(r0[x], r0[x + 1]), scalarNanMax(r1[x], r1[x + 1]))
                oq += 1
            }
        }
    }

    /// 2×2 stride-2 average pooling of one plane whose windows all lie inside it.
    static func avgPool2x2Plane(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ g: PoolGeometry) {
        let w = g.w, q = g.q
        let vectorQ = q / 16 * 16
        for op in 0..<g.p {
            let r0 = src + 2 * op * w, r1 = r0 + w
            let out = dst + op * q
            var oq = 0
            while oq < vectorQ {
                let a = UnsafeRawPointer(r0 + 2 * oq).loadUnaligned(as: SIMD32<Float>.self)
                let b = UnsafeRawPointer(r1 + 2 * oq).loadUnaligned(as: SIMD32<Float>.self)
                let v = a + b
                UnsafeMutableRawPointer(out + oq).storeBytes(of: (v.evenHalf + v.oddHalf) * 0.25, as: SIMD16<Float>.self)
                oq += 16
            }
            while oq < q {
                let x = 2 * oq
                out[oq] = ((r0[x] + r0[x + 1]) + (r1[x] + r1[x + 1])) * 0.25
                oq += 1
            }
        }
    }

    /// Any kernel and stride, no padding or dilation: no bounds checks, one output row at a time.
    static func maxPoolInteriorPlane(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ g: PoolGeometry) {
        for op in 0..<g.p {
            let top = src + op * g.sh * g.w
            let out = dst + op * g.q
            for oq in 0..<g.q {
                var m = -Float.infinity
                var row = top + oq * g.sw
                for _ in 0..<g.kh {
                    for j in 0..<g.kw { m = scalarNanMax(m, row[j]) }
                    row += g.w
                }
                out[oq] = m
            }
        }
    }

    /// Any kernel and stride, no padding: every window is full, so the divisor is always R·S.
    static func avgPoolInteriorPlane(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ g: PoolGeometry) {
        let scale = 1 / Float(g.kh * g.kw)
        for op in 0..<g.p {
            let top = src + op * g.sh * g.w
            let out = dst + op * g.q
            for oq in 0..<g.q {
                var sum: Float = 0
                var row = top + oq * g.sw
                for _ in 0..<g.kh {
                    for j in 0..<g.kw { sum += row[j] }
                    row += g.w
                }
                out[oq] = sum * scale
            }
        }
    }
}

/// The larger of two lanes, or NaN when either is NaN (PyTorch's max-pool propagates NaN).
@inline(__always)
func nanMax<V: SIMD>(_ a: V, _ b: V) -> V where V.Scalar == Float {
    let m = pointwiseMax(a, b)
    // x + y is NaN when either is NaN (or ±inf meet, where the max is already NaN-free and we keep m).
    return m.replacing(with: a + b, where: (a .!= a) .| (b .!= b))
}

@inline(__always)
func scalarNanMax(_ a: Float, _ b: Float) -> Float {
    // `!(b <= a)` picks b when b is larger or NaN; a NaN in `a` stays because nothing compares above it.
    if a.isNaN { return a }
    return !(b <= a) ? b : a
}
