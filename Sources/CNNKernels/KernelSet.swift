/// The kernels of one instruction set, as the engine calls them: each function was compiled in the
/// module built for that set, so calling it runs that set's instructions. Only call a set's functions
/// on a CPU that runs it (CNNKit's `Kernels.available`).
public struct KernelSet: Sendable, CustomStringConvertible {
    /// "avx512", "avx2" or "baseline": what `CNNS_ISA` selects and `--version` prints.
    public let name: String
    /// Floats per vector register.
    public let vectorWidth: Int
    /// The direct convolution's register block: filters × flat outputs.
    public let convRows: Int, convColumns: Int
    /// The GEMM's register block: rows of A × columns of B.
    public let gemmRows: Int, gemmColumns: Int

    /// tile[r · ld + 0..<convColumns] (+)= Σ_{t < taps} w[t · convRows + r] · input[offsets[t] + 0..<convColumns]
    /// for r < convRows: one register block of the direct convolution (and of Winograd's products).
    /// Reads `input` up to `max(offsets) + convColumns`.
    public let directBlock: @Sendable (_ input: UnsafePointer<Float>, _ offsets: UnsafePointer<Int>, _ taps: Int,
                                       _ w: UnsafePointer<Float>, _ tile: UnsafeMutablePointer<Float>, _ ld: Int,
                                       _ accumulate: Bool) -> Void
    /// Floats of the two packing buffers `gemm` needs for m, n, k.
    public let gemmScratch: @Sendable (_ m: Int, _ n: Int, _ k: Int) -> (a: Int, b: Int)
    /// One GEMM on the calling thread, with packing buffers of `gemmScratch` floats.
    public let gemm: @Sendable (_ problem: GEMMProblem, _ packA: UnsafeMutablePointer<Float>,
                                _ packB: UnsafeMutablePointer<Float>) -> Void

    public var description: String { name }

    public init(name: String, vectorWidth: Int, convRows: Int, convColumns: Int, gemmRows: Int, gemmColumns: Int,
                directBlock: @escaping @Sendable (UnsafePointer<Float>, UnsafePointer<Int>, Int, UnsafePointer<Float>,
                                                  UnsafeMutablePointer<Float>, Int, Bool) -> Void,
                gemmScratch: @escaping @Sendable (Int, Int, Int) -> (a: Int, b: Int),
                gemm: @escaping @Sendable (GEMMProblem, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> Void) {
        (self.name, self.vectorWidth) = (name, vectorWidth)
        (self.convRows, self.convColumns, self.gemmRows, self.gemmColumns) = (convRows, convColumns, gemmRows, gemmColumns)
        (self.directBlock, self.gemmScratch, self.gemm) = (directBlock, gemmScratch, gemm)
    }
}
