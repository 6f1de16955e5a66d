#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Keeps freed memory in the process for reuse.
///
/// A training step allocates the same large buffers every time (activations, im2col matrices,
/// gradients). With glibc's defaults many of them are mmap-ed and unmapped per step, or trimmed off
/// the heap top, and the next step faults every page back in zeroed: measured at about a third of a
/// LeNet-5 step (batch 64) on this machine. Raising the mmap threshold to glibc's maximum (32 MiB) and
/// the trim threshold to 512 MiB keeps those pages mapped, much as PyTorch's caching keeps its blocks.
/// Process-wide and idempotent; a no-op where `mallopt` is not found (not glibc).
public enum AllocatorTuning {
    private static let done = Atomic<Bool>(false)

    public static func retainFreedMemory() {
        guard !done.exchange(true, ordering: .relaxed) else { return }
        #if canImport(Glibc)
        // Looked up at run time: Swift's Glibc module does not export malloc.h.
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        let trimThreshold: Int32 = -1, mmapThreshold: Int32 = -3  // M_TRIM_THRESHOLD, M_MMAP_THRESHOLD
        _ = mallopt(mmapThreshold, 32 << 20)
        _ = mallopt(trimThreshold, 512 << 20)
        #endif
    }
}
