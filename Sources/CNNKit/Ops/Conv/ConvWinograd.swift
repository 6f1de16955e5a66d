// x: N×C×H×W, w: K×C×3×3 → N×K×P×Q at stride 1, dilation 1, one group: Winograd F(2×2, 3×3)
//
// Why: a 3×3 convolution spends 36 multiply-adds per (filter, channel) on each 2×2 block of outputs;
// Winograd's minimal filtering spends 16. Each 2×2 output tile comes from the 4×4 input tile d
// around it as Y = Aᵀ [Σ_c U_kc ⊙ V_c] A, with U = G g Gᵀ (the 3×3 filter g transformed once per call)
// and V = Bᵀ d B: for each of the 16 positions ξ of the 4×4 transform, Σ_c is a K×C by C×T matrix
// product over the tiles, which the direct convolution's register kernel runs (channels as taps).
// The transforms are adds and halvings only, so the rounding error stays that of a sum of a few
// hundred products (the tests hold it to the same tolerance as the other kernels).
//
// Work is split into chunks of tiles (one register block's columns) taken in row-major tile order across
// tile rows, one at a time by whichever worker asks next; a chunk's input rows are split into even
// and odd columns with their padding first, so that 16 tiles' column j of d is one vector load.
//
//     G = [1 0 0; ½ ½ ½; ½ -½ ½; 0 0 1]   Bᵀ = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]
//     Aᵀ = [1 1 1 0; 0 1 -1 -1]

extension ConvGeometry {
    /// 3×3, stride 1, dilation 1, one group, and enough channels and filters that the transforms
    /// cost little next to the products they save.
    var isWinogradShape: Bool {
        kernel == Size2(3) && stride == Size2(1) && dilation == Size2(1) && groups == 1
    }

    func winogradPath(x: UnsafePointer<Float>, w: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                      y: UnsafeMutablePointer<Float>) {
        let plan = WinogradPlan(self)
        let u = plan.transformWeights(w)
        let chunks = (plan.tiles + plan.chunk - 1) / plan.chunk
        let imageIn = c * h * self.w, imageOut = k * out.h * out.w
        u.withUnsafeBufferPointer { ub in
            guard let up = ub.baseAddress else { return }
            ImageSchedule(images: n).forEachImage(scratch: { _ in WinogradScratch(plan) },
                                                  release: { $0.deallocate() }) { image, scratch, _, spread in
                let (xi, yi) = (x + image * imageIn, y + image * imageOut)
                guard spread else {
                    // A whole image on this worker: its rows, V and M stay in its own cache.
                    plan.splitRows(x: xi, channels: 0..<c, into: scratch.rows)
                    for chunk in 0..<chunks { plan.run(chunk, rows: scratch.rows, u: up, bias: bias, y: yi, scratch: scratch) }
                    return
                }
                // The rows split over channels, then the chunks claimed by the workers.
                parallelFor(c, minChunk: Swift.max(1, 8192 / Swift.max(1, plan.rowFloats))) { ch in
                    plan.splitRows(x: xi, channels: ch..<(ch + 1), into: scratch.rows)
                }
                let items = WorkCounter(chunks)
                parallelFor(Swift.min(Engine.threads, chunks)) { _ in
                    let own = WinogradScratch(plan, rows: false)
                    defer { own.deallocate() }
                    while let chunk = items.claim() {
                        plan.run(chunk, rows: scratch.rows, u: up, bias: bias, y: yi, scratch: own)
                    }
                }
            }
        }
    }
}

/// The sizes of one Winograd convolution and its four steps on a chunk of tiles.
struct WinogradPlan {
    let g: ConvGeometry
    /// Tile rows and columns (⌈P/2⌉, ⌈Q/2⌉) and their product.
    let tileRows: Int, tileCols: Int, tiles: Int
    /// Floats per even or odd half of a padded input row: 16-tile vector loads stay inside.
    let phaseLength: Int
    /// Padded input rows the tiles read (4 for the first tile row, 2 more for each next one), and the
    /// floats of one channel's split rows.
    let paddedRows: Int, rowFloats: Int
    /// Floats between channels (and ξ planes) in V and M: a chunk plus the slack a 16-tile group may
    /// write or read past its last tile.
    let pitch: Int
    /// Filters rounded up to whole register blocks, of `blockK`.
    let kBlocks: Int
    /// Tiles per chunk (the register block's columns) and filters per register block.
    let chunk: Int, blockK: Int

    init(_ g: ConvGeometry) {
        self.g = g
        tileRows = (g.out.h + 1) / 2
        tileCols = (g.out.w + 1) / 2
        tiles = tileRows * tileCols
        // A group may start at any column (chunks start mid-row) and loads 16 tiles from column + 1.
        phaseLength = tileCols + 17
        paddedRows = 2 * tileRows + 2
        rowFloats = paddedRows * 2 * phaseLength
        (chunk, blockK) = (g.blockF, g.blockK)
        pitch = chunk + 16
        kBlocks = (g.k + blockK - 1) / blockK
    }

    /// U = G g Gᵀ for every filter and channel, packed for the register kernel: [ξ][k block][c][blockK].
    func transformWeights(_ w: UnsafePointer<Float>) -> [Float] {
        let (kc, cc) = (g.k, g.c)
        var u = [Float](repeating: 0, count: 16 * kBlocks * cc * blockK)
        u.withUnsafeMutableBufferPointer { ub in
            guard let up = ub.baseAddress else { return }
            for k in 0..<kc {
                for c in 0..<cc {
                    let f = w + (k * cc + c) * 9
                    let dst = up + (k / blockK * cc + c) * blockK + k % blockK
                    let xiStride = kBlocks * cc * blockK
                    // Row i of G g (a combination of the filter's rows), then that row times Gᵀ.
                    for i in 0..<4 {
                        let (a, b, d): (Float, Float, Float)
                        switch i {
                        case 0: (a, b, d) = (f[0], f[1], f[2])
                        case 3: (a, b, d) = (f[6], f[7], f[8])
                        default:
                            let sign: Float = i == 1 ? 1 : -1
                            (a, b, d) = (0.5 * (f[0] + sign * f[3] + f[6]), 0.5 * (f[1] + sign * f[4] + f[7]),
                                         0.5 * (f[2] + sign * f[5] + f[8]))
                        }
                        dst[(i * 4) * xiStride] = a
                        dst[(i * 4 + 1) * xiStride] = 0.5 * (a + b + d)
                        dst[(i * 4 + 2) * xiStride] = 0.5 * (a - b + d)
                        dst[(i * 4 + 3) * xiStride] = d
                    }
                }
            }
        }
        return u
    }

    /// Chunk `index` (tiles chunk·index ..< chunk·(index + 1), row-major over the tile grid) of one image
    /// whose rows `splitRows` wrote; y is K×P×Q.
    func run(_ index: Int, rows: UnsafePointer<Float>, u: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
             y: UnsafeMutablePointer<Float>, scratch: WinogradScratch) {
        let first = index * chunk
        let tiles = first..<Swift.min(self.tiles, first + chunk)
        transformInput(tiles, rows: rows, into: scratch.v)
        multiply(u: u, v: scratch.v, m: scratch.m, offsets: scratch.offsets)
        transformOutput(tiles, m: scratch.m, bias: bias, y: y)
    }

    /// The padded input rows of channels `channels` (x is C×H×W), each split into its even and odd
    /// columns (padded column 2j + b is input column 2j + b - left), zeros in the padding.
    func splitRows(x: UnsafePointer<Float>, channels: Range<Int>, into rows: UnsafeMutablePointer<Float>) {
        let (h, w, top) = (g.h, g.w, g.pad.top)
        let split = RowPhases(width: w, left: g.pad.left, stride: 2, length: phaseLength)
        for c in channels {
            let src = x + c * h * w
            for r in 0..<paddedRows {
                let iy = r - top
                let dst = rows + c * rowFloats + r * 2 * phaseLength
                guard iy >= 0 && iy < h else {
                    dst.update(repeating: 0, count: 2 * phaseLength)
                    continue
                }
                split.split(src + iy * w, into: dst)
            }
        }
    }

    /// V[ξ][c][t - first] = (Bᵀ d B)[ξ] for the chunk's tiles, 16 tiles of a tile row per vector.
    private func transformInput(_ tiles: Range<Int>, rows: UnsafePointer<Float>, into v: UnsafeMutablePointer<Float>) {
        typealias V = SIMD16<Float>
        let plane = g.c * pitch
        for c in 0..<g.c {
            let channelRows = rows + c * rowFloats
            forEachGroup(tiles) { tileRow, col, t, _ in
                // Row i of d: padded row 2·tileRow + i; column j: even[col], odd[col], even[col+1], odd[col+1].
                let base = channelRows + 2 * tileRow * 2 * phaseLength + col
                func load(_ i: Int, _ j: Int) -> V {
                    UnsafeRawPointer(base + i * 2 * phaseLength + (j & 1) * phaseLength + (j >> 1)).loadUnaligned(as: V.self)
                }
                // Bᵀ d, one row of four columns at a time, then times B.
                let out = v + c * pitch + t
                func store(_ i: Int, _ r0: V, _ r1: V, _ r2: V, _ r3: V) {
                    let p = UnsafeMutableRawPointer(out)
                    let stride = plane * MemoryLayout<Float>.stride
                    p.storeBytes(of: r0 - r2, toByteOffset: (i * 4) * stride, as: V.self)
                    p.storeBytes(of: r1 + r2, toByteOffset: (i * 4 + 1) * stride, as: V.self)
                    p.storeBytes(of: r2 - r1, toByteOffset: (i * 4 + 2) * stride, as: V.self)
                    p.storeBytes(of: r1 - r3, toByteOffset: (i * 4 + 3) * stride, as: V.self)
                }
                let d0 = (load(0, 0), load(0, 1), load(0, 2), load(0, 3))
                let d1 = (load(1, 0), load(1, 1), load(1, 2), load(1, 3))
                let d2 = (load(2, 0), load(2, 1), load(2, 2), load(2, 3))
                let d3 = (load(3, 0), load(3, 1), load(3, 2), load(3, 3))
                store(0, d0.0 - d2.0, d0.1 - d2.1, d0.2 - d2.2, d0.3 - d2.3)
                store(1, d1.0 + d2.0, d1.1 + d2.1, d1.2 + d2.2, d1.3 + d2.3)
                store(2, d2.0 - d1.0, d2.1 - d1.1, d2.2 - d1.2, d2.3 - d1.3)
                store(3, d1.0 - d3.0, d1.1 - d3.1, d1.2 - d3.2, d1.3 - d3.3)
            }
        }
    }

    /// M[ξ] = U[ξ] · V[ξ]: for each ξ a (K×C)·(C×chunk) product by the direct kernel, channels as taps.
    private func multiply(u: UnsafePointer<Float>, v: UnsafePointer<Float>,
                          m: UnsafeMutablePointer<Float>, offsets: UnsafePointer<Int>) {
        let cc = g.c
        for xi in 0..<16 {
            let input = v + xi * cc * pitch
            for kb in 0..<kBlocks {
                g.kernels.directBlock(input, offsets, cc, u + (xi * kBlocks + kb) * cc * blockK,
                                      m + (xi * kBlocks + kb) * blockK * pitch, pitch, false)
            }
        }
    }

    /// y tiles = Aᵀ M A (+ bias), 16 tiles of a tile row at a time, the bottom row and right column
    /// dropped where P or Q is odd.
    private func transformOutput(_ tiles: Range<Int>, m: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                                 y: UnsafeMutablePointer<Float>) {
        typealias V = SIMD16<Float>
        let (p, q) = (g.out.h, g.out.w)
        let plane = kBlocks * blockK * pitch
        for k in 0..<g.k {
            let b = bias?[k] ?? 0
            let mk = m + k * pitch
            let yk = y + k * p * q
            forEachGroup(tiles) { tileRow, col, t, length in
                let src = UnsafeRawPointer(mk + t)
                let stride = plane * MemoryLayout<Float>.stride
                func at(_ xi: Int) -> V { src.loadUnaligned(fromByteOffset: xi * stride, as: V.self) }
                // Aᵀ M: two rows of four columns.
                var s0 = (V(), V(), V(), V()), s1 = (V(), V(), V(), V())
                s0.0 = at(0) + at(4) + at(8); s1.0 = at(4) - at(8) - at(12)
                s0.1 = at(1) + at(5) + at(9); s1.1 = at(5) - at(9) - at(13)
                s0.2 = at(2) + at(6) + at(10); s1.2 = at(6) - at(10) - at(14)
                s0.3 = at(3) + at(7) + at(11); s1.3 = at(7) - at(11) - at(15)
                // Only this group's tiles: those after it may belong to another worker's chunk.
                let count = Swift.min(2 * length, q - 2 * col)
                func emit(_ row: Int, _ s: (V, V, V, V)) {
                    guard row < p else { return }
                    var pair = SIMD32<Float>()
                    pair.evenHalf = s.0 + s.1 + s.2 + b
                    pair.oddHalf = s.1 - s.2 - s.3 + b
                    let dst = yk + row * q + 2 * col
                    if count == 32 {
                        UnsafeMutableRawPointer(dst).storeBytes(of: pair, as: SIMD32<Float>.self)
                    } else {
                        withUnsafeBytes(of: pair) { raw in
                            guard let first = raw.baseAddress?.assumingMemoryBound(to: Float.self) else { return }
                            copyRow(first, to: dst, count: count, adding: nil)
                        }
                    }
                }
                emit(2 * tileRow, s0)
                emit(2 * tileRow + 1, s1)
            }
        }
    }

    /// Calls `body(tileRow, firstColumn, index in chunk, length)` for each run of up to 16 tiles of one tile row
    /// in `tiles`, in order: a short run's vector also covers the tiles after it, which a later run
    /// (or the slack) rewrites.
    @inline(__always)
    private func forEachGroup(_ tiles: Range<Int>, _ body: (Int, Int, Int, Int) -> Void) {
        var t = tiles.lowerBound
        while t < tiles.upperBound {
            let tileRow = t / tileCols, col = t % tileCols
            let end = Swift.min(tiles.upperBound, (tileRow + 1) * tileCols, t + 16)
            body(tileRow, col, t - tiles.lowerBound, end - t)
            t = end
        }
    }
}

/// One worker's buffers for `WinogradPlan.run`.
final class WinogradScratch {
    let rows: UnsafeMutablePointer<Float>
    let v: UnsafeMutablePointer<Float>
    let m: UnsafeMutablePointer<Float>
    let offsets: UnsafeMutablePointer<Int>
    private let counts: (rows: Int, v: Int, m: Int)

    /// `rows: false` for workers that read a shared split of the rows.
    init(_ plan: WinogradPlan, rows withRows: Bool = true) {
        counts = (withRows ? plan.g.c * plan.rowFloats : 1, 16 * plan.g.c * plan.pitch,
                  16 * plan.kBlocks * plan.blockK * plan.pitch)
        rows = .allocate(capacity: counts.rows)
        v = .allocate(capacity: counts.v)
        m = .allocate(capacity: counts.m)
        rows.initialize(repeating: 0, count: counts.rows)
        v.initialize(repeating: 0, count: counts.v)
        m.initialize(repeating: 0, count: counts.m)
        offsets = .allocate(capacity: plan.g.c)
        for c in 0..<plan.g.c { offsets[c] = c * plan.pitch }
    }

    func deallocate() {
        rows.deallocate(); v.deallocate(); m.deallocate(); offsets.deallocate()
    }
}
