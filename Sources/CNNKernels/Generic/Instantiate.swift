// Compiled into CNNKernels, CNNKernelsAVX2 and CNNKernelsAVX512 (KernelISA.swift says why).
#if !CNNKERNELS_MODULE
import CNNKernels
#endif

extension KernelISA {
    /// Outputs per row of the register block.
    @inline(__always)
    static var columns: Int { vectors * V.scalarCount }
}

extension Epilogue {
    /// epilogue(v + bias) in registers. Only transparent (always inlined) vector operations: a standard
    /// library function that is not (`clamped`, say) is emitted as a specialisation shared by name
    /// between modules, and the linker may keep another instruction set's copy.
    @inline(__always)
    func apply<V: SIMD>(_ v: V, bias: Float) -> V where V.Scalar == Float {
        let x = v + bias
        switch activation {
        case .identity: return x
        case .relu: return x.replacing(with: 0, where: x .< 0)
        case .clamp(let lower, let upper):
            let low = x.replacing(with: lower, where: x .< lower)
            return low.replacing(with: upper, where: low .> upper)
        }
    }
}

/// The table of this module's kernels for `conv` (direct convolution) and `gemm`.
func makeKernelSet<C: KernelISA, G: KernelISA>(name: String, conv: C.Type, gemm: G.Type) -> KernelSet {
    KernelSet(
        name: name, vectorWidth: C.V.scalarCount,
        convRows: C.rows, convColumns: C.columns, gemmRows: G.rows, gemmColumns: G.columns,
        directBlock: { input, offsets, taps, w, tile, ld, accumulate in
            registerBlock(C.self, steps: taps, left: w, right: OffsetRows(input, offsets: offsets),
                          store: BlockStore(c: tile, ldc: ld, accumulate: accumulate))
        },
        gemmScratch: { m, n, k in packedGEMMScratch(G.self, m: m, n: n, k: k) },
        gemm: { problem, packA, packB in packedGEMM(G.self, problem, packA: packA, packB: packB) })
}
