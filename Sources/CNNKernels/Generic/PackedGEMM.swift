// Compiled into CNNKernels, CNNKernelsAVX2 and CNNKernelsAVX512 (KernelISA.swift says why).
//
// C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C, row-major, on one thread, as BLIS and OpenBLAS
// block it: B is packed kc rows × nc columns at a time into panels of `columns` (read from L3 and L2),
// A kc columns × mc rows at a time into panels of `rows` (whose kc × rows floats stay in L1 while
// the panels of B stream past them), and each pair of panels is one register block. The epilogue
// (bias per row, activation) is applied in registers by the last block of the depth.

#if !CNNKERNELS_MODULE
import CNNKernels
#endif

/// Floats of the two packing buffers `packedGEMM` needs for a product of these sizes.
func packedGEMMScratch<I: KernelISA>(_: I.Type, m: Int, n: Int, k: Int) -> (a: Int, b: Int) {
    let depth = Swift.max(1, Swift.min(I.kc, k))
    let rows = (Swift.min(I.mc, m) + I.rows - 1) / I.rows * I.rows
    let cols = (Swift.min(I.nc, n) + I.columns - 1) / I.columns * I.columns
    return (Swift.max(1, rows * depth), Swift.max(1, depth * cols))
}

/// The product on this thread. `packA` and `packB` hold at least `packedGEMMScratch` floats.
func packedGEMM<I: KernelISA>(_ isa: I.Type, _ p: GEMMProblem, packA: UnsafeMutablePointer<Float>,
                                     packB: UnsafeMutablePointer<Float>) {
    guard p.m > 0, p.n > 0 else { return }
    if p.beta != 0 && p.beta != 1 {
        for i in 0..<p.m {
            let row = p.c + i * p.ldc
            for j in 0..<p.n { row[j] *= p.beta }
        }
    }
    guard p.k > 0 else {
        finishWithoutProduct(p)
        return
    }
    if prefersDotProducts(isa, p) {
        dotProducts(isa, p)
        return
    }
    let (mr, nr) = (I.rows, I.columns)
    withUnsafeTemporaryAllocation(of: Float.self, capacity: 8 * 48 + 8) { scratch in
        guard let edge = scratch.baseAddress else { return }
        let edgeBias = edge + 8 * 48
        var jc = 0
        while jc < p.n {
            let nb = Swift.min(I.nc, p.n - jc)
            var pc = 0
            while pc < p.k {
                let kb = Swift.min(I.kc, p.k - pc)
                packPanelsB(isa, p, columns: jc..<(jc + nb), depth: pc..<(pc + kb), into: packB)
                let accumulate = pc > 0 || p.beta != 0
                let finish = pc + kb == p.k
                var ic = 0
                while ic < p.m {
                    let mb = Swift.min(I.mc, p.m - ic)
                    packPanelsA(isa, p, rows: ic..<(ic + mb), depth: pc..<(pc + kb), into: packA)
                    var ir = 0
                    while ir < mb {
                        let rows = Swift.min(mr, mb - ir)
                        let left = packA + ir * kb
                        let bias = p.bias.map { $0 + ic + ir }
                        var jr = 0
                        while jr < nb {
                            let cols = Swift.min(nr, nb - jr)
                            let right = StridedRows(UnsafeRawPointer(packB + jr * kb), strideBytes: nr * MemoryLayout<Float>.stride)
                            let c = p.c + (ic + ir) * p.ldc + jc + jr
                            if rows == mr && cols == nr {
                                registerBlock(isa, steps: kb, left: left, right: right,
                                              store: BlockStore(c: c, ldc: p.ldc, accumulate: accumulate, finish: finish,
                                                                bias: bias, epilogue: p.epilogue))
                            } else {
                                // A part block: computed whole into `edge`, its real rows and columns copied.
                                if accumulate {
                                    for r in 0..<rows { (edge + r * nr).update(from: c + r * p.ldc, count: cols) }
                                }
                                if let bias {
                                    edgeBias.update(repeating: 0, count: 8)
                                    edgeBias.update(from: bias, count: rows)
                                }
                                registerBlock(isa, steps: kb, left: left, right: right,
                                              store: BlockStore(c: edge, ldc: nr, accumulate: accumulate, finish: finish,
                                                                bias: bias == nil ? nil : UnsafePointer(edgeBias),
                                                                epilogue: p.epilogue))
                                for r in 0..<rows { (c + r * p.ldc).update(from: edge + r * nr, count: cols) }
                            }
                            jr += nr
                        }
                        ir += mr
                    }
                    ic += mb
                }
                pc += kb
            }
            jc += nb
        }
    }
}

/// Whether C is better computed one dot product at a time: A's rows and op(B)'s columns both run along
/// the depth (A as stored, B transposed), and C is so small (a few register blocks, as in a weight
/// gradient of a narrow layer) that packing the long depth of A and B would cost more than the product.
@inline(__always)
func prefersDotProducts<I: KernelISA>(_: I.Type, _ p: GEMMProblem) -> Bool {
    !p.transA && p.transB && p.m * p.n <= 2 * I.rows * I.columns && p.k >= 4 * I.V.scalarCount
}

/// C[i, j] = alpha · Σ_t A[i, t] · B[j, t] (+ C, then the epilogue), a vector dot product each: both
/// operands are read where they lie, along their rows.
func dotProducts<I: KernelISA>(_: I.Type, _ p: GEMMProblem) {
    typealias V = I.V
    let width = V.scalarCount, k = p.k
    let lanesBuffer = UnsafeMutableRawPointer.allocate(byteCount: MemoryLayout<V>.stride, alignment: MemoryLayout<V>.alignment)
    defer { lanesBuffer.deallocate() }
    for i in 0..<p.m {
        let a = UnsafeRawPointer(p.a + i * p.lda)
        let crow = p.c + i * p.ldc
        for j in 0..<p.n {
            let b = UnsafeRawPointer(p.b + j * p.ldb)
            // Four accumulators: the multiply-adds of one are not waiting for the previous one.
            var s0 = V(), s1 = V(), s2 = V(), s3 = V()
            let vb = MemoryLayout<V>.stride
            var t = 0
            while t + 4 * width <= k {
                let o = t * MemoryLayout<Float>.stride
                I.multiplyAdd(&s0, a.loadUnaligned(fromByteOffset: o, as: V.self), b.loadUnaligned(fromByteOffset: o, as: V.self))
                I.multiplyAdd(&s1, a.loadUnaligned(fromByteOffset: o + vb, as: V.self), b.loadUnaligned(fromByteOffset: o + vb, as: V.self))
                I.multiplyAdd(&s2, a.loadUnaligned(fromByteOffset: o + 2 * vb, as: V.self),
                              b.loadUnaligned(fromByteOffset: o + 2 * vb, as: V.self))
                I.multiplyAdd(&s3, a.loadUnaligned(fromByteOffset: o + 3 * vb, as: V.self),
                              b.loadUnaligned(fromByteOffset: o + 3 * vb, as: V.self))
                t += 4 * width
            }
            while t + width <= k {
                let o = t * MemoryLayout<Float>.stride
                I.multiplyAdd(&s0, a.loadUnaligned(fromByteOffset: o, as: V.self), b.loadUnaligned(fromByteOffset: o, as: V.self))
                t += width
            }
            var sum = lanes(s0 + s1 + (s2 + s3), through: lanesBuffer)
            while t < k {
                sum += a.load(fromByteOffset: t * MemoryLayout<Float>.stride, as: Float.self)
                    * b.load(fromByteOffset: t * MemoryLayout<Float>.stride, as: Float.self)
                t += 1
            }
            var v = p.alpha * sum
            if p.beta != 0 { v += crow[j] }
            crow[j] = p.hasEpilogue ? p.epilogue.apply(v, bias: p.bias?[i] ?? 0) : v
        }
    }
}

/// The sum of a vector's lanes, through memory: `SIMD.sum()` is not transparent (KernelISA.swift says
/// why that matters).
@inline(__always)
func lanes<V: SIMD>(_ v: V, through buffer: UnsafeMutableRawPointer) -> Float where V.Scalar == Float {
    buffer.storeBytes(of: v, as: V.self)
    let floats = buffer.assumingMemoryBound(to: Float.self)
    var sum: Float = 0
    for l in 0..<V.scalarCount { sum += floats[l] }
    return sum
}

/// k = 0: C is beta · C (already scaled, or zeroed here), then the epilogue.
func finishWithoutProduct(_ p: GEMMProblem) {
    for i in 0..<p.m {
        let row = p.c + i * p.ldc
        if p.beta == 0 { row.update(repeating: 0, count: p.n) }
        guard p.hasEpilogue else { continue }
        let b = p.bias?[i] ?? 0
        for j in 0..<p.n { row[j] = p.epilogue.apply(row[j], bias: b) }
    }
}

/// Rows `rows` × depth `depth` of op(A)·alpha as panels of `I.rows` rows: panel i holds, for each step
/// t, its rows' values one after another (zeros past the last row).
func packPanelsA<I: KernelISA>(_: I.Type, _ p: GEMMProblem, rows: Range<Int>, depth: Range<Int>,
                               into dst: UnsafeMutablePointer<Float>) {
    let mr = I.rows, kb = depth.count, alpha = p.alpha
    var panel = dst
    var i0 = rows.lowerBound
    while i0 < rows.upperBound {
        let h = Swift.min(mr, rows.upperBound - i0)
        // A part panel is zeroed whole first: a short zero run per step compiles to a memset call each.
        if h < mr { panel.update(repeating: 0, count: mr * kb) }
        if p.transA {
            // A is k×m: a step's rows are contiguous.
            for t in 0..<kb {
                let src = p.a + (depth.lowerBound + t) * p.lda + i0
                let d = panel + t * mr
                for r in 0..<h { d[r] = alpha * src[r] }
            }
        } else {
            // Step by step, the rows' values side by side: the writes stay sequential (the rows are
            // read as `h` streams), where a row at a time would scatter every write.
            let src = p.a + i0 * p.lda + depth.lowerBound
            for t in 0..<kb {
                let d = panel + t * mr
                for r in 0..<h { d[r] = alpha * src[r * p.lda + t] }
            }
        }
        panel += mr * kb
        i0 += mr
    }
}

/// Depth `depth` × columns `columns` of op(B) as panels of `I.columns` columns: panel j holds, for each
/// step t, its columns one after another (zeros past the last column).
func packPanelsB<I: KernelISA>(_: I.Type, _ p: GEMMProblem, columns: Range<Int>, depth: Range<Int>,
                               into dst: UnsafeMutablePointer<Float>) {
    typealias V = I.V
    let nr = I.columns, kb = depth.count, vb = MemoryLayout<V>.stride
    var panel = dst
    var j0 = columns.lowerBound
    while j0 < columns.upperBound {
        let w = Swift.min(nr, columns.upperBound - j0)
        if p.transB {
            // B is n×k: a column's steps are contiguous. A part panel is zeroed whole first.
            if w < nr { panel.update(repeating: 0, count: nr * kb) }
            for j in 0..<w {
                let src = p.b + (j0 + j) * p.ldb + depth.lowerBound
                for t in 0..<kb { panel[t * nr + j] = src[t] }
            }
        } else if w == nr {
            for t in 0..<kb {
                let src = UnsafeRawPointer(p.b + (depth.lowerBound + t) * p.ldb + j0)
                let d = UnsafeMutableRawPointer(panel + t * nr)
                d.storeBytes(of: src.loadUnaligned(as: V.self), as: V.self)
                if I.vectors > 1 { d.storeBytes(of: src.loadUnaligned(fromByteOffset: vb, as: V.self), toByteOffset: vb, as: V.self) }
                if I.vectors > 2 { d.storeBytes(of: src.loadUnaligned(fromByteOffset: 2 * vb, as: V.self), toByteOffset: 2 * vb, as: V.self) }
            }
        } else {
            panel.update(repeating: 0, count: nr * kb)
            for t in 0..<kb {
                let src = p.b + (depth.lowerBound + t) * p.ldb + j0
                let d = panel + t * nr
                for j in 0..<w { d[j] = src[j] }
            }
        }
        panel += nr * kb
        j0 += nr
    }
}
