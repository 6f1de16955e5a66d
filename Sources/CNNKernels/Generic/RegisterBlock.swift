import CCPU
#if !CNNKERNELS_MODULE
import CNNKernels
#endif

// Compiled into CNNKernels, CNNKernelsAVX2 and CNNKernelsAVX512 (KernelISA.swift says why).
//
// The register block every product runs on: rows × (vectors · width) outputs held in registers while
// each step broadcasts `rows` values of the left operand and loads `vectors` vectors of the right one,
// `rows · vectors` multiply-adds per step. The GEMM feeds it packed panels; the direct convolution
// feeds it one constant offset per tap into its input layout (ConvDirect.swift), so the same code
// serves both.

/// Where step t of a register block reads its right-hand values: one row of `columns` floats.
protocol TapRows {
    func row(_ t: Int) -> UnsafeRawPointer
}

/// Rows at a constant stride: a packed GEMM panel.
struct StridedRows: TapRows {
    let base: UnsafeRawPointer
    let stride: Int

        init(_ base: UnsafeRawPointer, strideBytes: Int) {
        (self.base, self.stride) = (base, strideBytes)
    }

    @inline(__always)
    func row(_ t: Int) -> UnsafeRawPointer { base + t * stride }
}

/// Rows at a per-tap offset (in floats): the direct convolution's taps.
struct OffsetRows: TapRows {
    let base: UnsafeRawPointer
    let offsets: UnsafePointer<Int>

        init(_ base: UnsafePointer<Float>, offsets: UnsafePointer<Int>) {
        (self.base, self.offsets) = (UnsafeRawPointer(base), offsets)
    }

    @inline(__always)
    func row(_ t: Int) -> UnsafeRawPointer { base + offsets[t] * MemoryLayout<Float>.stride }
}

/// How a register block leaves its outputs.
struct BlockStore {
    /// Row r of the block goes to `c + r · ldc`, `columns` floats.
    var c: UnsafeMutablePointer<Float>
    var ldc: Int
    /// Add the block to what `c` holds instead of overwriting it.
    var accumulate: Bool
    /// Apply the epilogue (this is the last contribution to these outputs), with `bias[r]` for row r.
    var finish: Bool
    var bias: UnsafePointer<Float>?
    var epilogue: Epilogue

        init(c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool, finish: Bool = false,
                bias: UnsafePointer<Float>? = nil, epilogue: Epilogue = .none) {
        (self.c, self.ldc, self.accumulate, self.finish, self.bias, self.epilogue) = (c, ldc, accumulate, finish, bias, epilogue)
    }
}

/// out[r, 0..<columns] (+)= Σ_{t < steps} left[t · rows + r] · right.row(t)[0..<columns], for r < rows.
/// Written out for up to 8 rows of up to 3 vectors; the conditions on `I.rows` and `I.vectors` are
/// constants in each instantiation, so only the registers the shape uses are ever touched.
@inline(__always)
func registerBlock<I: KernelISA, R: TapRows>(_: I.Type, steps: Int, left: UnsafePointer<Float>, right: R,
                                                    store: BlockStore) {
    typealias V = I.V
    let vb = MemoryLayout<V>.stride
    var c00 = V(), c01 = V(), c02 = V(), c10 = V(), c11 = V(), c12 = V()
    var c20 = V(), c21 = V(), c22 = V(), c30 = V(), c31 = V(), c32 = V()
    var c40 = V(), c41 = V(), c42 = V(), c50 = V(), c51 = V(), c52 = V()
    var c60 = V(), c61 = V(), c62 = V(), c70 = V(), c71 = V(), c72 = V()
    if store.accumulate {
        // The outputs are read only after the loop: ask for their lines now, so they arrive meanwhile.
        for r in 0..<I.rows {
            let line = store.c + r * store.ldc
            cnns_prefetch_write(line)
            if I.columns > 16 { cnns_prefetch_write(line + 16) }
            if I.columns > 32 { cnns_prefetch_write(line + 32) }
        }
    }

    @inline(__always)
    func step(_ a: UnsafePointer<Float>, _ b: UnsafeRawPointer) {
        let b0 = b.loadUnaligned(as: V.self)
        let b1 = I.vectors > 1 ? b.loadUnaligned(fromByteOffset: vb, as: V.self) : V()
        let b2 = I.vectors > 2 ? b.loadUnaligned(fromByteOffset: 2 * vb, as: V.self) : V()
        var s = a[0]
        I.multiplyAdd(&c00, s, b0); if I.vectors > 1 { I.multiplyAdd(&c01, s, b1) }; if I.vectors > 2 { I.multiplyAdd(&c02, s, b2) }
        if I.rows > 1 {
            s = a[1]
            I.multiplyAdd(&c10, s, b0); if I.vectors > 1 { I.multiplyAdd(&c11, s, b1) }; if I.vectors > 2 { I.multiplyAdd(&c12, s, b2) }
        }
        if I.rows > 2 {
            s = a[2]
            I.multiplyAdd(&c20, s, b0); if I.vectors > 1 { I.multiplyAdd(&c21, s, b1) }; if I.vectors > 2 { I.multiplyAdd(&c22, s, b2) }
        }
        if I.rows > 3 {
            s = a[3]
            I.multiplyAdd(&c30, s, b0); if I.vectors > 1 { I.multiplyAdd(&c31, s, b1) }; if I.vectors > 2 { I.multiplyAdd(&c32, s, b2) }
        }
        if I.rows > 4 {
            s = a[4]
            I.multiplyAdd(&c40, s, b0); if I.vectors > 1 { I.multiplyAdd(&c41, s, b1) }; if I.vectors > 2 { I.multiplyAdd(&c42, s, b2) }
        }
        if I.rows > 5 {
            s = a[5]
            I.multiplyAdd(&c50, s, b0); if I.vectors > 1 { I.multiplyAdd(&c51, s, b1) }; if I.vectors > 2 { I.multiplyAdd(&c52, s, b2) }
        }
        if I.rows > 6 {
            s = a[6]
            I.multiplyAdd(&c60, s, b0); if I.vectors > 1 { I.multiplyAdd(&c61, s, b1) }; if I.vectors > 2 { I.multiplyAdd(&c62, s, b2) }
        }
        if I.rows > 7 {
            s = a[7]
            I.multiplyAdd(&c70, s, b0); if I.vectors > 1 { I.multiplyAdd(&c71, s, b1) }; if I.vectors > 2 { I.multiplyAdd(&c72, s, b2) }
        }
    }

    // Four steps per trip: one loop branch per four broadcasts of each row.
    var a = left + 0
    var t = 0
    while t + 4 <= steps {
        step(a, right.row(t)); step(a + I.rows, right.row(t + 1))
        step(a + 2 * I.rows, right.row(t + 2)); step(a + 3 * I.rows, right.row(t + 3))
        a += 4 * I.rows
        t += 4
    }
    while t < steps {
        step(a, right.row(t))
        a += I.rows
        t += 1
    }

    @inline(__always)
    func put(_ r: Int, _ x0: V, _ x1: V, _ x2: V) {
        let p = UnsafeMutableRawPointer(store.c + r * store.ldc)
        var (y0, y1, y2) = (x0, x1, x2)
        if store.accumulate {
            y0 += p.loadUnaligned(as: V.self)
            if I.vectors > 1 { y1 += p.loadUnaligned(fromByteOffset: vb, as: V.self) }
            if I.vectors > 2 { y2 += p.loadUnaligned(fromByteOffset: 2 * vb, as: V.self) }
        }
        if store.finish && (store.bias != nil || !store.epilogue.isIdentity) {
            let b = store.bias?[r] ?? 0
            y0 = store.epilogue.apply(y0, bias: b)
            if I.vectors > 1 { y1 = store.epilogue.apply(y1, bias: b) }
            if I.vectors > 2 { y2 = store.epilogue.apply(y2, bias: b) }
        }
        p.storeBytes(of: y0, as: V.self)
        if I.vectors > 1 { p.storeBytes(of: y1, toByteOffset: vb, as: V.self) }
        if I.vectors > 2 { p.storeBytes(of: y2, toByteOffset: 2 * vb, as: V.self) }
    }
    put(0, c00, c01, c02)
    if I.rows > 1 { put(1, c10, c11, c12) }
    if I.rows > 2 { put(2, c20, c21, c22) }
    if I.rows > 3 { put(3, c30, c31, c32) }
    if I.rows > 4 { put(4, c40, c41, c42) }
    if I.rows > 5 { put(5, c50, c51, c52) }
    if I.rows > 6 { put(6, c60, c61, c62) }
    if I.rows > 7 { put(7, c70, c71, c72) }
}
