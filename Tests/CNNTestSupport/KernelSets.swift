import CNNKernels
import CNNKernelsCheck
import CNNKit

/// Every kernel set this CPU can run, and the AVX-512 block shape in AVX2 instructions wherever AVX2
/// runs (Tests/CNNKernelsCheck says why): the tests check each fast path with each of them.
public let kernelSetsUnderTest: [KernelSet] = {
    var sets = Kernels.available
    #if arch(x86_64)
    if sets.contains(where: { $0.name == "avx2" }) { sets.append(avx512ShapeKernels) }
    #else
    sets.append(avx512ShapeKernels)
    #endif
    return sets
}()
