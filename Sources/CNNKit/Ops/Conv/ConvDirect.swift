// x: N×C×H×W, w: K×(C/groups)×R×S → N×K×P×Q, computed directly (no im2col matrix)
//
// Why: im2col copies every input value R·S/stride² times and the GEMM then packs that copy once more;
// for strided and small-channel convolutions the copies cost as much as the arithmetic. Here the input
// is copied once into a zero-padded, phase-split layout, and the kernel set's register block reads
// it in place.
//
// The layout: split the padded input into stride phases, phase (a, b) holding padded rows a, a+sh, …
// and columns b, b+sw, …, each phase a plane of Hph×Wph (Hph = ⌈Hp/sh⌉, Wph = ⌈Wp/sw⌉). Kernel tap
// (r, s) of output (p, q) reads padded (p·sh + r·dh, q·sw + s·dw) = phase ((r·dh) mod sh, (s·dw) mod sw)
// at (p + ⌊r·dh/sh⌋, q + ⌊s·dw/sw⌋). Numbering outputs on the flat grid f = p·Wph + q (q < Wph,
// of which q < Q are real), each tap becomes ONE constant offset into that channel's phase plane,
// the same for every output: y[k, f] = Σ_t w[k, t] · buf[off(t) + f]. So 16 consecutive outputs are
// one unaligned vector load per tap, whatever the stride, dilation or padding. The columns
// Q ≤ q < Wph are computed and thrown away (Wph - Q ≤ ⌈(R-1)·dw/sw⌉ + 1 of every Wph).
//
// At stride 1 across, a row of the plane needs only the input row and max(left, right) zeros: the
// right padding of one row is the left padding of the next, so Wph = W + max(left, right) (not
// W + left + right) and fewer columns are thrown away.
//
// The shifted layout (`ConvAlgorithm.directShifted`) throws nothing away: per input channel, row phase
// a and kernel column s, one Hph×Q plane holding, in row i, the Q input values output columns read
// at that s: plane[i, q] = padded[a + i·sh, q·sw + s·dw]. Tap (r, s) of output (p, q) is then at
// (p + ⌊r·dh/sh⌋, q) of plane (c, (r·dh) mod sh, s): one constant offset on the flat grid
// f = p·Q + q, which is y's own layout, so whole register blocks store straight into y. The price:
// S copies of each input row (im2col makes R·S), small next to K·R·S multiply-adds per value.
//
// Register block (the active kernel set's, `blockK` filters × `blockF` flat outputs): per tap, a few
// vector loads of consecutive flat outputs and one broadcast per filter feed blockK · blockF / width
// multiply-adds. AVX-512: 8 × 48; AVX2: 6 × 16 (CNNKernels, KernelSet.convRows/convColumns).


/// The phase-split layout and tap offsets of one direct convolution, per group.
struct DirectConvLayout {
    let geometry: ConvGeometry
    /// Phase plane sizes.
    let hph: Int, wph: Int
    /// The phases taps use (others are never read, so never built), as (row phase, column phase).
    let rowPhases: [Int], colPhases: [Int]
    /// Floats per input channel in the buffer: every used phase's Hph×Wph plane.
    let channelStride: Int
    /// Offsets into one group's buffer of each tap t = (c·R + r)·S + s, relative to flat output 0.
    let offsets: [Int]
    /// Flat outputs rounded up to whole register blocks.
    let flatCount: Int
    /// Floats in the whole per-image buffer, with slack so the padded last block reads inside it.
    let bufferCount: Int

    /// Whether the buffer holds the shifted planes (see the file's header) rather than the phase planes.
    let shifted: Bool
    /// The kernel set's register block: filters × flat outputs.
    let blockK: Int, blockF: Int

    init(_ g: ConvGeometry, shifted: Bool = false) {
        geometry = g
        self.shifted = shifted
        (blockK, blockF) = (g.blockK, g.blockF)
        let (sh, sw, dh, dw) = (g.stride.h, g.stride.w, g.dilation.h, g.dilation.w)
        rowPhases = Array(Set((0..<g.kernel.h).map { $0 * dh % sh })).sorted()
        if shifted {
            hph = (g.h + g.pad.top + g.pad.bottom + sh - 1) / sh
            wph = g.out.w
            colPhases = [0]
            let plane = hph * wph, (rk, sk) = (g.kernel.h, g.kernel.w)
            channelStride = rowPhases.count * sk * plane
            var offsets: [Int] = []
            offsets.reserveCapacity(g.colRows)
            for c in 0..<g.channelsPerGroup {
                for r in 0..<rk {
                    let a = rowPhases.firstIndex(of: r * dh % sh) ?? 0
                    for s in 0..<sk {
                        offsets.append(c * channelStride + (a * sk + s) * plane + (r * dh / sh) * wph)
                    }
                }
            }
            self.offsets = offsets
        } else {
            let hp = g.h + g.pad.top + g.pad.bottom
            hph = (hp + sh - 1) / sh
            wph = Self.phaseWidth(g)
            colPhases = Array(Set((0..<g.kernel.w).map { $0 * dw % sw })).sorted()
            let plane = hph * wph
            channelStride = rowPhases.count * colPhases.count * plane
            var offsets: [Int] = []
            offsets.reserveCapacity(g.colRows)
            for c in 0..<g.channelsPerGroup {
                for r in 0..<g.kernel.h {
                    for s in 0..<g.kernel.w {
                        let a = rowPhases.firstIndex(of: r * dh % sh) ?? 0
                        let b = colPhases.firstIndex(of: s * dw % sw) ?? 0
                        offsets.append(c * channelStride + (a * colPhases.count + b) * plane + (r * dh / sh) * wph + s * dw / sw)
                    }
                }
            }
            self.offsets = offsets
        }
        flatCount = Self.flatCount(g, pitch: wph)
        // The last group's highest tap offset plus the last padded block stays inside the buffer.
        let maxOffset = offsets.max() ?? 0
        bufferCount = max(g.c * channelStride, (g.groups - 1) * g.channelsPerGroup * channelStride + maxOffset + flatCount)
    }

    /// Wph of the phase layout: ⌈(W + left + right) / sw⌉, or W + max(left, right) at stride 1, where
    /// each row's right padding is the next row's left padding. A tap reading past the end of row i
    /// reads row i+1's first min(left, right) columns, its left padding, or (past the last row) the next
    /// plane's first row, which is padding too, or the buffer's zeroed slack.
    static func phaseWidth(_ g: ConvGeometry) -> Int {
        let (left, right) = (g.pad.left, g.pad.right)
        // At least Q: a 1×1 kernel in padding reads no neighbour, and its outputs span W + left + right.
        if g.stride.w == 1 { return max(g.out.w, g.w + max(left, right)) }
        return (g.w + left + right + g.stride.w - 1) / g.stride.w
    }

    /// Flat outputs of one image, P rows of `pitch`, rounded up to whole register blocks.
    static func flatCount(_ g: ConvGeometry, pitch: Int) -> Int {
        (g.out.h * pitch + g.blockF - 1) / g.blockF * g.blockF
    }

    /// Fills channels `channels` of one image's buffer from its C×H×W input: padding zeros, phases split.
    func fill(_ buffer: UnsafeMutablePointer<Float>, from x: UnsafePointer<Float>, channels: Range<Int>) {
        let g = geometry
        if shifted {
            fillShifted(buffer, from: x, channels: channels, rows: 0..<hph)
            return
        }
        let sh = g.stride.h, plane = hph * wph
        let split = RowPhases(width: g.w, left: g.pad.left, stride: g.stride.w, length: wph)
        for c in channels {
            let src = x + c * g.h * g.w
            for (ai, a) in rowPhases.enumerated() {
                for (bi, b) in colPhases.enumerated() {
                    let dst = buffer + c * channelStride + (ai * colPhases.count + bi) * plane
                    for i in 0..<hph {
                        let row = dst + i * wph
                        let iy = i * sh + a - g.pad.top
                        guard iy >= 0 && iy < g.h else {
                            row.update(repeating: 0, count: wph)
                            continue
                        }
                        split.phase(b, of: src + iy * g.w, into: row)
                    }
                }
            }
        }
    }

    /// `fill` for the shifted layout: plane (c, a, s) row i is padded row a + i·sh at columns
    /// q·sw + s·dw, q < Q. Strided rows are split into their column phases once (with the padding),
    /// then each plane row is one contiguous copy from its phase: a gather per plane would redo the
    /// split S times.
    private func fillShifted(_ buffer: UnsafeMutablePointer<Float>, from x: UnsafePointer<Float>, channels: Range<Int>,
                             rows: Range<Int>) {
        let g = geometry
        let (sh, sw, dw) = (g.stride.h, g.stride.w, g.dilation.w), q = wph, plane = hph * wph
        let phaseLength = (g.w + g.pad.left + g.pad.right + sw - 1) / sw
        let phases = UnsafeMutablePointer<Float>.allocate(capacity: sw * phaseLength)
        defer { phases.deallocate() }
        let split = RowPhases(width: g.w, left: g.pad.left, stride: sw, length: phaseLength)
        for c in channels {
            let src = x + c * g.h * g.w
            for (ai, a) in rowPhases.enumerated() {
                let planes = buffer + c * channelStride + ai * g.kernel.w * plane
                for i in rows {
                    let iy = i * sh + a - g.pad.top
                    guard iy >= 0 && iy < g.h else {
                        for s in 0..<g.kernel.w { (planes + s * plane + i * q).update(repeating: 0, count: q) }
                        continue
                    }
                    let line = src + iy * g.w
                    if sw == 1 {
                        for s in 0..<g.kernel.w {
                            // Output column j reads input column j + dx.
                            let row = planes + s * plane + i * q, dx = s * dw - g.pad.left
                            let inside = insideColumns(count: q, offset: dx, stride: 1, width: g.w)
                            let (jlo, jhi) = (inside.lowerBound, inside.upperBound)
                            if jlo > 0 { row.update(repeating: 0, count: jlo) }
                            copyRow(line + dx + jlo, to: row + jlo, count: jhi - jlo, adding: nil)
                            if jhi < q { (row + jhi).update(repeating: 0, count: q - jhi) }
                        }
                        continue
                    }
                    split.split(line, into: phases)
                    for s in 0..<g.kernel.w {
                        let phase = phases + (s * dw % sw) * phaseLength + s * dw / sw
                        copyRow(phase, to: planes + s * plane + i * q, count: q, adding: nil)
                    }
                }
            }
        }
    }

    /// Packs the weights of every group into blocks of blockK output channels: [group][kblock][tap][blockK],
    /// zero rows past K/groups.
    func packWeights(_ w: UnsafePointer<Float>) -> [Float] {
        let g = geometry
        let taps = g.colRows, kg = g.filtersPerGroup
        let blocks = (kg + blockK - 1) / blockK
        var packed = [Float](repeating: 0, count: g.groups * blocks * taps * blockK)
        packed.withUnsafeMutableBufferPointer { pb in
            guard let p = pb.baseAddress else { return }
            for grp in 0..<g.groups {
                for k in 0..<kg {
                    let src = w + (grp * kg + k) * taps
                    let dst = p + ((grp * blocks + k / blockK) * taps) * blockK + k % blockK
                    for t in 0..<taps { dst[t * blockK] = src[t] }
                }
            }
        }
        return packed
    }

    /// Taps per pass of the register kernel: whole channels, about 192 taps (≈ 24 KiB of input rows).
    var tapChunk: Int {
        let perChannel = max(1, geometry.kernel.h * geometry.kernel.w)
        return max(1, 192 / perChannel) * perChannel
    }

    /// Output rows of one image's flat scratch: every group's filters, padded to whole blocks of blockK.
    var scratchRows: Int { geometry.groups * kBlocks * blockK }
    var kBlocks: Int { (geometry.filtersPerGroup + blockK - 1) / blockK }

    /// Computes flat blocks `blocks` (each `blockF` outputs) of every output channel of one
    /// image into `scratch` (scratchRows rows of `ld` floats holding the flat grid from block
    /// `baseBlock` on, thrown-away columns included). Register results go straight to memory;
    /// `compact` later keeps the real columns.
    func compute(buffer: UnsafePointer<Float>, packed: UnsafePointer<Float>, offsets: UnsafePointer<Int>,
                 blocks: Range<Int>, filterBlocks: Range<Int>, scratch: UnsafeMutablePointer<Float>, ld: Int,
                 baseBlock: Int) {
        let g = geometry
        let taps = g.colRows
        for group in 0..<g.groups {
            let base = buffer + group * g.channelsPerGroup * channelStride
            for fb in blocks {
                let f0 = fb * blockF
                // Taps in chunks of whole channels, so that the input one chunk reads stays in L1 while
                // every block of filters passes over it (GEMM's k-blocking); later chunks accumulate.
                var t0 = 0
                while t0 < taps {
                    let t1 = min(taps, t0 + tapChunk)
                    for kb in filterBlocks {
                        let block = group * kBlocks + kb
                        g.kernels.directBlock(base + f0, offsets + t0, t1 - t0, packed + (block * taps + t0) * blockK,
                                              scratch + block * blockK * ld + (fb - baseBlock) * blockF, ld, t0 > 0)
                    }
                    t0 = t1
                }
            }
        }
    }

    /// Copies output rows `rows` of every filter from the scratch (rows of `ld` floats starting at flat
    /// position `baseFlat`) to y (K×P×Q), adding the bias: flat f = p·Wph + q is real where q < Q.
    func compact(scratch: UnsafePointer<Float>, ld: Int, baseFlat: Int, bias: UnsafePointer<Float>?,
                 rows: Range<Int>, filterBlocks: Range<Int>, y: UnsafeMutablePointer<Float>) {
        let g = geometry
        let (p, q, kg) = (g.out.h, g.out.w, g.filtersPerGroup)
        for k in 0..<g.k where filterBlocks.contains(k % kg / blockK) {
            let src = scratch + ((k / kg) * kBlocks * blockK + k % kg) * ld - baseFlat
            let dst = y + k * p * q
            let b = bias?[k] ?? 0
            if wph == q {
                // Nothing thrown away: the rows are contiguous in both.
                copyRow(src + rows.lowerBound * q, to: dst + rows.lowerBound * q, count: rows.count * q, adding: bias == nil ? nil : b)
                continue
            }
            for i in rows {
                copyRow(src + i * wph, to: dst + i * q, count: q, adding: bias == nil ? nil : b)
            }
        }
    }

    /// Whether whole images can skip the scratch: the shifted layout's flat grid is y's own, and whole
    /// blocks of blockK filters leave no padded filter row to land in y.
    var writesInPlace: Bool {
        shifted && geometry.filtersPerGroup % blockK == 0
    }

    /// One whole image into y (K×P·Q) for `writesInPlace` layouts: the register blocks store straight into
    /// y; a last part-block goes through `scratch` (scratchRows × blockF floats at least). With `fill`, the
    /// buffer is filled from that image band by band just ahead of the blocks that read it: the shifted
    /// planes (S copies of the input) can outgrow L2, and a band written just before it is read is
    /// still there.
    func computeInPlace(filterBlocks: Range<Int>, buffer: UnsafePointer<Float>,
                        fill: (x: UnsafePointer<Float>, buffer: UnsafeMutablePointer<Float>)? = nil,
                        packed: UnsafePointer<Float>, offsets: UnsafePointer<Int>, bias: UnsafePointer<Float>?,
                        scratch: UnsafeMutablePointer<Float>, y: UnsafeMutablePointer<Float>) {
        let g = geometry, cols = g.colCols
        let whole = cols / blockF, rest = cols % blockF
        let total = whole + (rest > 0 ? 1 : 0)
        // About 256 KiB of planes per band; below an output row, its taps read `halo` more plane rows.
        let floatsPerRow = Swift.max(1, g.c * rowPhases.count * g.kernel.w * wph)
        let bandBlocks = fill == nil ? total : Swift.max(1, 65_536 / floatsPerRow * wph / blockF)
        let halo = (g.kernel.h - 1) * g.dilation.h / g.stride.h
        var filledRows = 0, b0 = 0
        while b0 < total {
            let b1 = Swift.min(total, b0 + bandBlocks)
            if let fill {
                // The last band fills every row: its part-block may read past the last output row.
                let needed = b1 == total ? hph : Swift.min(hph, (b1 * blockF - 1) / wph + halo + 1)
                if needed > filledRows {
                    fillShifted(fill.buffer, from: fill.x, channels: 0..<g.c, rows: filledRows..<needed)
                    filledRows = needed
                }
            }
            compute(buffer: buffer, packed: packed, offsets: offsets, blocks: b0..<Swift.min(b1, whole),
                    filterBlocks: filterBlocks, scratch: y, ld: cols, baseBlock: 0)
            if b1 > whole {
                compute(buffer: buffer, packed: packed, offsets: offsets, blocks: whole..<(whole + 1),
                        filterBlocks: filterBlocks, scratch: scratch, ld: blockF, baseBlock: whole)
            }
            b0 = b1
        }
        for group in 0..<g.groups {
            let first = group * g.filtersPerGroup
            for k in (first + filterBlocks.lowerBound * blockK)..<(first + filterBlocks.upperBound * blockK) {
                let row = y + k * cols
                if rest > 0 {
                    // With whole blocks of filters, scratch row k holds filter k.
                    copyRow(scratch + k * blockF, to: row + whole * blockF, count: rest, adding: nil)
                }
                if let bias { addBias(row, bias + k, rows: 1, cols: cols) }
            }
        }
    }

    /// Blocks computed between two compactions: about 128 KiB of scratch, so it is still in cache.
    var chunkBlocks: Int { max(1, 32_768 / (scratchRows * blockF)) }
    /// Floats per scratch row: a chunk plus the unfinished output row carried over from the last one.
    var scratchWidth: Int { (chunkBlocks + (wph + blockF - 1) / blockF + 1) * blockF }

    /// Output rows `rows` of one image for the filter blocks `filterBlocks` (of blockK, within each group):
    /// the flat blocks covering them, in chunks; after each chunk the finished rows are copied out and
    /// the unfinished one moves to the front of the scratch (scratchRows × scratchWidth floats; only
    /// the rows of `filterBlocks` are touched, so workers with disjoint filter blocks can share it).
    func computeRows(_ rows: Range<Int>, filterBlocks: Range<Int>, buffer: UnsafePointer<Float>,
                     packed: UnsafePointer<Float>, offsets: UnsafePointer<Int>, bias: UnsafePointer<Float>?,
                     scratch: UnsafeMutablePointer<Float>, y: UnsafeMutablePointer<Float>) {
        guard !rows.isEmpty else { return }
        if writesInPlace && rows == 0..<geometry.out.h {
            computeInPlace(filterBlocks: filterBlocks, buffer: buffer, packed: packed, offsets: offsets, bias: bias,
                           scratch: scratch, y: y)
            return
        }
        let q = geometry.out.w, ld = scratchWidth
        let endBlock = (rows.upperBound * wph + blockF - 1) / blockF
        var baseBlock = rows.lowerBound * wph / blockF
        var nextRow = rows.lowerBound
        var b = baseBlock
        while b < endBlock {
            let e = min(endBlock, b + chunkBlocks)
            compute(buffer: buffer, packed: packed, offsets: offsets, blocks: b..<e, filterBlocks: filterBlocks,
                    scratch: scratch, ld: ld, baseBlock: baseBlock)
            var done = nextRow
            while done < rows.upperBound && done * wph + q <= e * blockF { done += 1 }
            compact(scratch: scratch, ld: ld, baseFlat: baseBlock * blockF, bias: bias, rows: nextRow..<done,
                    filterBlocks: filterBlocks, y: y)
            nextRow = done
            b = e
            // Keep the blocks of the unfinished row: move them to the front.
            let keepFrom = max(baseBlock, min(e, nextRow * wph / blockF))
            if keepFrom > baseBlock && keepFrom < e {
                let count = (e - keepFrom) * blockF, shift = (keepFrom - baseBlock) * blockF
                for r in 0..<scratchRows where filterBlocks.contains(r % (kBlocks * blockK) / blockK) {
                    let row = scratch + r * ld
                    row.update(from: row + shift, count: count)
                }
            }
            baseBlock = keepFrom
        }
    }
}

/// One padded input row split into its column phases: phase b, column j holds padded column j·sw + b,
/// which is input column j·sw + b - left, or 0 in the padding. Which j fall inside the input is
/// worked out once (a division per row would cost more than the row's copy).
struct RowPhases {
    let stride: Int, left: Int, length: Int
    /// For each phase b, the j whose column is inside the input row.
    let inside: [Range<Int>]

    init(width: Int, left: Int, stride: Int, length: Int) {
        (self.stride, self.left, self.length) = (stride, left, length)
        inside = (0..<stride).map { b in insideColumns(count: length, offset: b - left, stride: stride, width: width) }
    }

    /// Writes the `stride` phases of the input row at `line`, `length` floats each, one after another.
    @inline(__always)
    func split(_ line: UnsafePointer<Float>, into phases: UnsafeMutablePointer<Float>) {
        for b in 0..<stride { phase(b, of: line, into: phases + b * length) }
    }

    /// Writes phase b of the input row at `line` (`length` floats) to `row`.
    @inline(__always)
    func phase(_ b: Int, of line: UnsafePointer<Float>, into row: UnsafeMutablePointer<Float>) {
        let dx = b - left
        let (jlo, jhi) = (inside[b].lowerBound, inside[b].upperBound)
        if jlo > 0 { row.update(repeating: 0, count: jlo) }
        switch stride {
        case 1: copyRow(line + dx + jlo, to: row + jlo, count: jhi - jlo, adding: nil)
        case 2: deinterleaveEven(line + dx, into: row, jlo..<jhi)
        default: for j in jlo..<jhi { row[j] = line[j * stride + dx] }
        }
        if jhi < length { (row + jhi).update(repeating: 0, count: length - jhi) }
    }
}

extension ConvGeometry {
    /// The direct kernel over every image and group. Whole images per worker each fill their own buffer;
    /// otherwise, image by image, the fill is split over channels and the blocks over filters (or rows).
    func directPath(x: UnsafePointer<Float>, w: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                    y: UnsafeMutablePointer<Float>, shifted: Bool) {
        let layout = DirectConvLayout(self, shifted: shifted)
        let packed = layout.packWeights(w)
        let imageIn = c * h * self.w, imageOut = k * out.h * out.w
        let scratchCount = layout.scratchRows * layout.scratchWidth
        let filled = c * layout.channelStride
        let plane = layout.channelStride
        packed.withUnsafeBufferPointer { pb in
            layout.offsets.withUnsafeBufferPointer { ob in
                guard let wp = pb.baseAddress, let op = ob.baseAddress else { return }
                ImageSchedule(images: n).forEachImage(scratch: { _ in
                    // The buffer's tail past the channels is slack the last blocks read: zeros, once.
                    let buffer = UnsafeMutablePointer<Float>.allocate(capacity: layout.bufferCount)
                    (buffer + filled).initialize(repeating: 0, count: layout.bufferCount - filled)
                    return (buffer: buffer, scratch: UnsafeMutablePointer<Float>.allocate(capacity: scratchCount))
                }, release: { $0.buffer.deallocate(); $0.scratch.deallocate() }) { image, mine, _, spread in
                    let (xi, yi) = (x + image * imageIn, y + image * imageOut)
                    if !spread && layout.writesInPlace {
                        layout.computeInPlace(filterBlocks: 0..<layout.kBlocks, buffer: mine.buffer, fill: (xi, mine.buffer),
                                              packed: wp, offsets: op, bias: bias, scratch: mine.scratch, y: yi)
                        return
                    }
                    let inPlace = readsInPlace(image: image, layout: layout)
                    let source = inPlace ? xi : UnsafePointer(mine.buffer)
                    if !inPlace {
                        if spread {
                            parallelFor(c, minChunk: Swift.max(1, 32_768 / Swift.max(1, plane))) { ch in
                                layout.fill(mine.buffer, from: xi, channels: ch..<(ch + 1))
                            }
                        } else {
                            layout.fill(mine.buffer, from: xi, channels: 0..<c)
                        }
                    }
                    guard spread else {
                        layout.computeRows(0..<out.h, filterBlocks: 0..<layout.kBlocks, buffer: source, packed: wp,
                                           offsets: op, bias: bias, scratch: mine.scratch, y: yi)
                        return
                    }
                    let workers = Engine.threads
                    if layout.kBlocks >= workers {
                        // Split the filters: no work is repeated, and each worker streams only its share of
                        // the weights; the scratch rows of the workers are disjoint.
                        parallelFor(workers) { worker in
                            let kb = layout.kBlocks
                            layout.computeRows(0..<out.h, filterBlocks: (kb * worker / workers)..<(kb * (worker + 1) / workers),
                                               buffer: source, packed: wp, offsets: op, bias: bias,
                                               scratch: mine.scratch, y: yi)
                        }
                    } else {
                        // Split the rows, each worker with its own scratch: blocks on the border of two row
                        // ranges are computed by both and must not be written to the same memory.
                        parallelFor(workers) { worker in
                            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: scratchCount)
                            defer { scratch.deallocate() }
                            let rows = (out.h * worker / workers)..<(out.h * (worker + 1) / workers)
                            layout.computeRows(rows, filterBlocks: 0..<layout.kBlocks, buffer: source, packed: wp,
                                               offsets: op, bias: bias, scratch: scratch, y: yi)
                        }
                    }
                }
            }
        }
    }

    /// A 1×1, stride-1, unpadded convolution's buffer would be a plain copy of the image: read the input
    /// itself instead, unless the last block's over-read would run past the end of `x`.
    private func readsInPlace(image: Int, layout: DirectConvLayout) -> Bool {
        guard isPointwise, !layout.shifted else { return false }
        let overRead = layout.bufferCount - c * layout.channelStride
        return (n - 1 - image) * c * h * w >= overRead
    }
}
