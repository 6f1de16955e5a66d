// The AVX-512 kernels (32 vector registers of 16 floats), built with -target-cpu skylake-avx512: CNNKit
// calls them only when the CPU reports AVX-512 F, CD, BW, DQ and VL and the OS saves their registers.
import CNNKernels

#if arch(x86_64)
/// 8 rows × 3 vectors: 24 accumulators, 3 operand loads, broadcasts folded into the multiply-adds.
enum AVX512: KernelISA {
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

public let avx512Kernels: KernelSet? = makeKernelSet(name: "avx512", conv: AVX512.self, gemm: AVX512.self)
#else
public let avx512Kernels: KernelSet? = nil
#endif
