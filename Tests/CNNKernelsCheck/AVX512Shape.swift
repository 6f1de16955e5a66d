// The AVX-512 set's register block and blocking (8 rows × 3 vectors of 16 floats, kc 128, mc 192,
// nc 3072, as CNNKernelsAVX512 declares them), instantiated in AVX2 instructions: the tests run it
// wherever AVX2 runs, so a machine without AVX-512 still checks, through the same generic code, every
// layout and part block the AVX-512 kernels produce. Its own type, so its specialisations never share
// a symbol with the real AVX-512 ones.
import CNNKernels

enum AVX512ShapeOnAVX2: KernelISA {
    typealias V = SIMD16<Float>
    static var rows: Int { 8 }
    static var vectors: Int { 3 }
    static var kc: Int { 128 }
    static var mc: Int { 192 }
    static var nc: Int { 3072 }

    @inline(__always)
    static func multiplyAdd(_ acc: inout V, _ a: Float, _ b: V) { acc.addProduct(a, b) }

    @inline(__always)
    static func multiplyAdd(_ acc: inout V, _ a: V, _ b: V) { acc.addProduct(a, b) }
}

/// Built on first use: only call it where AVX2 runs (this module is compiled for it on x86-64).
public let avx512ShapeKernels = makeKernelSet(name: "avx512-shape", conv: AVX512ShapeOnAVX2.self,
                                                      gemm: AVX512ShapeOnAVX2.self)
