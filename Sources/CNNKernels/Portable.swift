// The baseline set: the architecture's own vectors with no extension, so it runs on every CPU of it.
// x86-64's baseline is SSE2 (4 floats, 16 registers, no fused multiply-add): 4 rows × 2 vectors keeps
// the accumulators, operands and products in registers. arm64's is Advanced SIMD with FMA and 32
// registers: 8 rows × 3 vectors.

enum Portable: KernelISA {
    typealias V = SIMD4<Float>
    #if arch(arm64)
    static var rows: Int { 8 }
    static var vectors: Int { 3 }
    #else
    static var rows: Int { 4 }
    static var vectors: Int { 2 }
    #endif
    static var kc: Int { 256 }
    static var mc: Int { 128 }
    static var nc: Int { 2048 }

    @inline(__always)
    static func multiplyAdd(_ acc: inout V, _ a: Float, _ b: V) {
        #if arch(arm64)
        acc.addProduct(a, b)
        #else
        acc += a * b
        #endif
    }

    @inline(__always)
    static func multiplyAdd(_ acc: inout V, _ a: V, _ b: V) {
        #if arch(arm64)
        acc.addProduct(a, b)
        #else
        acc += a * b
        #endif
    }
}

/// The baseline kernels, available on every CPU.
public let portableKernels = makeKernelSet(name: "baseline", conv: Portable.self, gemm: Portable.self)
