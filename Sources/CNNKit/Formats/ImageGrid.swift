/// How `ImageGrid` maps tensor values to 0…255.
public enum ImageScale: String, CaseIterable, Sendable {
    /// Values already within 0…1 are written as they are; otherwise like `.tile`.
    case auto
    /// Each tile from its own minimum (black) to maximum (white): feature maps and filters.
    case tile
    /// One minimum and maximum over the whole tensor, so tiles compare with each other.
    case shared
    /// Values clipped to 0…1.
    case none
}

/// Turns a tensor into an 8-bit picture: one image saved directly, or a labelled grid of tiles.
///
/// Shapes: H×W, C×H×W (taken as one item) or N×C×H×W. With `rgb` (the default) an item of 3 channels is
/// one colour tile; otherwise every channel of every item is a grey tile. A single tile (H×W, 1×H×W,
/// 3×H×W, 1×1×H×W, 1×3×H×W) is saved as it is: no labels, no border, no enlargement. Several tiles are laid
/// out with 4 pixels between them on a dark background, each under a label (`n2 c5`: item 2, channel 5;
/// just `c5` for one item, `n2` for one channel or colour), small tiles enlarged by an integer factor
/// (nearest neighbour) to about 32 pixels. N items of C grey channels form N rows of C tiles; anything
/// else is a near-square grid in order. In tile scaling a constant tile is black, as in torchvision's
/// `make_grid(normalize=True)`; NaN is black and ±∞ clip to white/black.
public enum ImageGrid {
    static let padding = 4
    static let labelGap = 2
    /// Small tiles are enlarged until their longer side reaches this.
    static let targetTile = 32
    static let background: UInt8 = 32
    static let ink: UInt8 = 220
    /// The largest picture written, in bytes (about 1 GiB).
    static let maxBytes = 1 << 30

    /// Where everything goes; computed before any pixel is drawn.
    public struct Layout: Equatable, Sendable {
        public var items: Int, channels: Int, height: Int, width: Int
        /// Tiles are RGB (one per item) rather than grey (one per channel).
        public var color: Bool
        public var labels: [String]
        public var rows: Int, columns: Int
        public var zoom: Int
        public var fontScale: Int
        public var cellWidth: Int, cellHeight: Int
        /// The picture's size in pixels.
        public var imageWidth: Int, imageHeight: Int
        public var isSingle: Bool { labels.count == 1 }

        /// Top-left corner of tile `k`'s label; the tile starts `labelHeight + labelGap` below it.
        func cellOrigin(_ k: Int) -> (x: Int, y: Int) {
            (padding + (k % columns) * (cellWidth + padding), padding + (k / columns) * (cellHeight + padding))
        }
        var labelHeight: Int { ImageFont.glyphHeight * fontScale }
    }

    public static func layout(_ shape: [Int], rgb: Bool = true) throws -> Layout {
        let dims: [Int]
        switch shape.count {
        case 2: dims = [1, 1] + shape
        case 3: dims = [1] + shape
        case 4: dims = shape
        default:
            throw OpError("save_image", "expected an H×W, C×H×W or N×C×H×W tensor, got shape \(Shape.describe(shape))")
        }
        let (n, c, h, w) = (dims[0], dims[1], dims[2], dims[3])
        guard n > 0, c > 0, h > 0, w > 0 else {
            throw OpError("save_image", "cannot save an empty tensor (shape \(Shape.describe(shape)))")
        }
        guard h <= ImageFile.maxSide, w <= ImageFile.maxSide else {
            throw OpError("save_image", "each image is at most \(ImageFile.maxSide) pixels per side, got \(h)×\(w)")
        }
        let color = rgb && c == 3
        let perItem = color ? 1 : c
        let (tiles, overflow) = n.multipliedReportingOverflow(by: perItem)
        guard !overflow, tiles <= 1 << 20 else {
            throw OpError("save_image", "\(n)×\(c) would be too many tiles; save fewer items, e.g. x[0:64]")
        }
        var labels: [String] = []
        labels.reserveCapacity(tiles)
        for i in 0..<n {
            for j in 0..<perItem {
                labels.append(perItem == 1 ? "n\(i)" : n == 1 ? "c\(j)" : "n\(i) c\(j)")
            }
        }
        if tiles == 1 {
            return Layout(items: n, channels: c, height: h, width: w, color: color, labels: labels,
                          rows: 1, columns: 1, zoom: 1, fontScale: 1, cellWidth: w, cellHeight: h,
                          imageWidth: w, imageHeight: h)
        }
        var columns = n > 1 && perItem > 1 ? perItem : 1
        if columns == 1 { while columns * columns < tiles { columns += 1 } }
        let rows = (tiles + columns - 1) / columns
        let zoom = max(1, targetTile / max(h, w))
        let tileWidth = w * zoom, tileHeight = h * zoom
        let fontScale = tileWidth >= 96 ? 2 : 1
        let labelWidth = labels.map { ImageFont.width(of: $0, scale: fontScale) }.max() ?? 0
        let cellWidth = max(tileWidth, labelWidth)
        let cellHeight = ImageFont.glyphHeight * fontScale + labelGap + tileHeight
        let imageWidth = padding + columns * (cellWidth + padding)
        let imageHeight = padding + rows * (cellHeight + padding)
        let channels = color ? 3 : 1
        guard imageWidth <= ImageFile.maxSide, imageHeight <= ImageFile.maxSide,
              imageWidth * imageHeight * channels <= maxBytes else {
            throw OpError("save_image", "a grid of \(rows)×\(columns) tiles of \(tileHeight)×\(tileWidth) would be \(imageWidth)×\(imageHeight) pixels, more than this version writes (\(ImageFile.maxSide) per side, \(maxBytes) bytes); save fewer items, e.g. x[0:8]")
        }
        return Layout(items: n, channels: c, height: h, width: w, color: color, labels: labels,
                      rows: rows, columns: columns, zoom: zoom, fontScale: fontScale,
                      cellWidth: cellWidth, cellHeight: cellHeight, imageWidth: imageWidth, imageHeight: imageHeight)
    }

    /// The picture of `x` (see the type's documentation for the layout and `ImageScale` for values).
    public static func render(_ x: Tensor, scale: ImageScale = .auto, rgb: Bool = true) throws -> PixelImage {
        let layout = try layout(x.shape, rgb: rgb)
        let (h, w) = (layout.height, layout.width)
        let plane = h * w
        let tilePlanes = layout.color ? 3 : 1
        let tileValues = plane * tilePlanes
        let outChannels = layout.color ? 3 : 1
        let (width, height) = (layout.imageWidth, layout.imageHeight)
        var canvas = [UInt8](repeating: layout.isSingle ? 0 : background, count: width * height * outChannels)

        let shared = finiteRange(x.scalars[...])
        let mode: ImageScale = scale == .auto ? (shared.lo >= 0 && shared.hi <= 1 ? .none : .tile) : scale
        x.scalars.withUnsafeBufferPointer { src in
            for k in 0..<layout.labels.count {
                // Tile k covers planes k·tilePlanes ..< (k+1)·tilePlanes of the N·C planes.
                let start = k * tileValues
                let range: (lo: Float, hi: Float)
                switch mode {
                case .tile: range = finiteRange(x.scalars[start..<(start + tileValues)])
                case .shared: range = shared
                default: range = (0, 1)
                }
                let span = range.hi - range.lo
                let origin = layout.isSingle ? (x: 0, y: 0) : layout.cellOrigin(k)
                let top = layout.isSingle ? 0 : origin.y + layout.labelHeight + labelGap
                if !layout.isSingle {
                    ImageFont.draw(layout.labels[k], x: origin.x, y: origin.y, scale: layout.fontScale, value: ink,
                                   into: &canvas, width: width, height: height, channels: outChannels)
                }
                for yy in 0..<(h * layout.zoom) {
                    let sy = yy / layout.zoom
                    for xx in 0..<(w * layout.zoom) {
                        let sx = xx / layout.zoom
                        let base = ((top + yy) * width + origin.x + xx) * outChannels
                        for c in 0..<outChannels {
                            let v = src[start + c * plane + sy * w + sx]
                            let unit: Float = mode == .none ? v : (span > 0 ? (v - range.lo) / span : 0)
                            canvas[base + c] = quantize(unit)
                        }
                    }
                }
            }
        }
        return try PixelImage(width: width, height: height, channels: outChannels, bytes: canvas)
    }

    /// 0…1 → 0…255, rounding to nearest; outside values clip, NaN is 0.
    static func quantize(_ v: Float) -> UInt8 {
        guard v == v else { return 0 }
        return UInt8(min(max(v, 0), 1) * 255 + 0.5)
    }

    /// Minimum and maximum of the finite values; (0, 0) when there are none.
    static func finiteRange(_ values: ArraySlice<Float>) -> (lo: Float, hi: Float) {
        var lo = Float.infinity, hi = -Float.infinity
        for v in values where v.isFinite {
            lo = min(lo, v)
            hi = max(hi, v)
        }
        return lo <= hi ? (lo, hi) : (0, 0)
    }
}
