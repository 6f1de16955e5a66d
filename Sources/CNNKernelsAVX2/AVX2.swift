// The AVX2 + FMA kernels (16 vector registers of 8 floats), built with -target-cpu haswell: CNNKit
// calls them only when the CPU reports AVX2, FMA, and the other extensions that target implies.
import CNNKernels

#if arch(x86_64)
/// 6 rows × 2 vectors: 12 accumulators, 2 operand loads and a broadcast in the 16 registers.
enum AVX2: KernelISA {
    typealias V = SIMD8<Float>
    static var rows: Int { 6 }
    static var vectors: Int { 2 }
    static var kc: Int { 256 }
    static var mc: Int { 144 }
    static var nc: Int { 3072 }

    @inline(__always)
    static func multiplyAdd(_ acc: inout V, _ a: Float, _ b: V) { acc.addProduct(a, b) }

    @inline(__always)
    static func multiplyAdd(_ acc: inout V, _ a: V, _ b: V) { acc.addProduct(a, b) }
}

public let avx2Kernels: KernelSet? = makeKernelSet(name: "avx2", conv: AVX2.self, gemm: AVX2.self)
#else
public let avx2Kernels: KernelSet? = nil
#endif
