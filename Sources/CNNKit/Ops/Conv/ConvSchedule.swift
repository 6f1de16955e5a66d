// How a convolution's images are spread over the workers: one policy for every kernel (direct,
// Winograd, im2col + GEMM, and the backward passes), so that a kernel is a plan plus what it does to
// one image.
//
// With enough images (a multiple of the workers, or at least four per worker) each worker takes whole
// images with its own scratch: an image's buffers stay in that core's cache and nothing waits on a
// barrier, and the GEMMs inside run single-threaded. Otherwise the images run one after another, and
// the kernel spreads each image's work (filters, rows, chunks, channels) over the workers itself.

struct ImageSchedule {
    /// How whole images are handed out.
    enum Order {
        /// One at a time to whichever worker asks next, so a core slowed by other load takes fewer:
        /// for kernels whose images write disjoint outputs.
        case claimed
        /// Fixed contiguous ranges: for kernels that add into per-worker partial sums, so that the sums
        /// (and the results) do not depend on timing.
        case fixed
    }

    let images: Int
    let workers: Int

    init(images: Int, threads: Int = Engine.threads) {
        self.images = images
        workers = Swift.max(1, threads)
    }

    /// Whether each worker takes whole images.
    var wholeImages: Bool { workers > 1 && (images % workers == 0 || images >= 4 * workers) }

    /// How many scratches `forEachImage` makes: per-worker partial sums are sized by it.
    var scratchCount: Int { wholeImages ? workers : 1 }

    /// Calls `body(image, scratch, worker, spread)` for every image. Whole images: on every worker, with
    /// `scratch(worker)` made once per worker (and `release`d after), `spread` false. Otherwise in order
    /// on the calling thread with `scratch(0)`, `spread` true when there are workers to spread over.
    func forEachImage<Scratch>(_ order: Order = .claimed, scratch: (Int) -> Scratch, release: (Scratch) -> Void,
                               _ body: (_ image: Int, _ scratch: Scratch, _ worker: Int, _ spread: Bool) -> Void) {
        guard wholeImages else {
            let shared = scratch(0)
            defer { release(shared) }
            for image in 0..<images { body(image, shared, 0, workers > 1) }
            return
        }
        let (count, workers) = (images, self.workers)
        let queue = WorkCounter(count)
        withSingleThreadedBLAS {
            parallelFor(workers) { worker in
                let mine = scratch(worker)
                defer { release(mine) }
                switch order {
                case .claimed:
                    while let image = queue.claim() { body(image, mine, worker, false) }
                case .fixed:
                    for image in (count * worker / workers)..<(count * (worker + 1) / workers) { body(image, mine, worker, false) }
                }
            }
        }
    }
}

/// A Float buffer of `count` values, zeroed: one worker's scratch.
func zeroedScratch(_ count: Int) -> UnsafeMutablePointer<Float> {
    let p = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(1, count))
    p.initialize(repeating: 0, count: Swift.max(1, count))
    return p
}
