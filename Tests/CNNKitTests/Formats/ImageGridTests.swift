@testable import CNNKit
import Testing

/// `ImageGrid`: which tensors become one picture and which a grid, the grid's geometry (checked against
/// the layout rules written out plainly here), where each tile's pixels land, and the scaling rules.
@Suite("Images: grids for save_image")
struct ImageGridTests {
    /// The documented geometry, written independently of `ImageGrid.layout`: 4-pixel padding, a 5-pixel
    /// label row (3×5 font, 1 column between glyphs) and a 2-pixel gap above each tile, tiles enlarged by
    /// floor(32 / longer side) when that is at least 2.
    static func expectedSize(tiles: Int, columns: Int, h: Int, w: Int, longestLabel: Int) -> (width: Int, height: Int) {
        let zoom = max(1, 32 / max(h, w))
        let cellW = max(w * zoom, longestLabel * 4 - 1)
        let cellH = 5 + 2 + h * zoom
        let rows = (tiles + columns - 1) / columns
        return (4 + columns * (cellW + 4), 4 + rows * (cellH + 4))
    }

    @Test("one tile is written as it is: H×W, 1×H×W, 3×H×W, 1×1×H×W, 1×3×H×W")
    func single() throws {
        for (shape, channels) in [([5, 7], 1), ([1, 5, 7], 1), ([3, 5, 7], 3), ([1, 1, 5, 7], 1), ([1, 3, 5, 7], 3)] {
            let layout = try ImageGrid.layout(shape)
            #expect(layout.isSingle, "\(shape)")
            #expect(layout.imageWidth == 7 && layout.imageHeight == 5, "\(shape)")
            #expect(layout.color == (channels == 3), "\(shape)")
        }
    }

    @Test("grids: N rows of C grey channels, or a near-square of items / channels", arguments: [
        ([4, 6, 5, 5], false, 6, "n0 c0", "n3 c5"),
        ([1, 10, 8, 8], false, 4, "c0", "c9"),
        ([10, 1, 28, 28], false, 4, "n0", "n9"),
        ([16, 3, 7, 7], false, 4, "n0", "n15"),
        ([2, 3, 4, 9], true, 3, "n0 c0", "n1 c2"),
        ([3, 5, 6], true, 2, "c0", "c2"),
    ] as [([Int], Bool, Int, String, String)])
    func grid(shape: [Int], greyOnly: Bool, columns: Int, first: String, last: String) throws {
        let layout = try ImageGrid.layout(shape, rgb: !greyOnly)
        let dims = shape.count == 3 ? [1] + shape : shape
        let color = !greyOnly && dims[1] == 3
        let tiles = color ? dims[0] : dims[0] * dims[1]
        #expect(layout.labels.count == tiles)
        #expect(layout.labels.first == first && layout.labels.last == last)
        #expect(layout.columns == columns)
        #expect(layout.color == color)
        let longest = layout.labels.map(\.count).max() ?? 0
        let want = Self.expectedSize(tiles: tiles, columns: columns, h: dims[2], w: dims[3], longestLabel: longest)
        #expect(layout.imageWidth == want.width && layout.imageHeight == want.height,
                "\(shape): \(layout.imageWidth)×\(layout.imageHeight), expected \(want.width)×\(want.height)")
        let picture = try ImageGrid.render(Tensor(shape: shape, repeating: 0.5), rgb: !greyOnly)
        #expect(picture.width == want.width && picture.height == want.height && picture.channels == (color ? 3 : 1))
    }

    @Test("each tile's pixels land under its label, enlarged by nearest neighbour; the rest is background and ink")
    func pixels() throws {
        // 2 items × 1 channel of 2×3: zoom 10, tiles 30×20, near-square → 2 columns, 1 row.
        let values: [Float] = [0, 0.2, 0.4, 0.6, 0.8, 1, 1, 0.5, 0, 0, 0.5, 1]
        let x = try Tensor(shape: [2, 1, 2, 3], scalars: values)
        let picture = try ImageGrid.render(x, scale: .none)
        let layout = try ImageGrid.layout(x.shape)
        #expect(layout.zoom == 10 && layout.columns == 2 && layout.rows == 1)
        #expect(picture.width == 4 + 2 * (30 + 4) && picture.height == 4 + 5 + 2 + 20 + 4)
        var tilePixels = 0
        for k in 0..<2 {
            let left = 4 + k * 34, top = 4 + 5 + 2
            for yy in 0..<20 {
                for xx in 0..<30 {
                    let v = values[k * 6 + (yy / 10) * 3 + xx / 10]
                    #expect(picture.bytes[(top + yy) * picture.width + left + xx] == UInt8((v * 255).rounded()))
                    tilePixels += 1
                }
            }
            // The label row holds ink (220) and background (32) only, and some ink.
            let label = (4..<9).flatMap { y in (left..<(left + 7)).map { picture.bytes[y * picture.width + $0] } }
            #expect(label.contains(220) && label.allSatisfy { $0 == 220 || $0 == 32 })
        }
        #expect(tilePixels == 1200)
        // The border is background.
        #expect((0..<picture.width).allSatisfy { picture.bytes[$0] == 32 })
    }

    @Test("scale: auto keeps 0…1 values, otherwise scales each tile; shared, tile, none; constant and NaN")
    func scaling() throws {
        let inUnit = try Tensor(shape: [2, 2], scalars: [0, 0.25, 0.5, 1])
        #expect(try ImageGrid.render(inUnit).bytes == [0, 64, 128, 255])
        let wide = try Tensor(shape: [2, 2], scalars: [-2, 0, 2, 6])
        #expect(try ImageGrid.render(wide).bytes == [0, 64, 128, 255])
        #expect(try ImageGrid.render(wide, scale: .none).bytes == [0, 0, 255, 255])
        #expect(try ImageGrid.render(inUnit, scale: .tile).bytes == [0, 64, 128, 255])
        let odd = try Tensor(shape: [1, 2], scalars: [.nan, .infinity])
        #expect(try ImageGrid.render(odd, scale: .none).bytes == [0, 255])
        // Two 1×1 tiles: per-tile scaling makes each constant tile black; shared keeps them apart.
        let two = try Tensor(shape: [2, 1, 1, 1], scalars: [3, 5])
        func tileValue(_ p: PixelImage, _ k: Int) -> UInt8 {
            let layout = try? ImageGrid.layout([2, 1, 1, 1])
            let zoom = layout?.zoom ?? 1
            return p.bytes[(4 + 5 + 2 + zoom / 2) * p.width + 4 + k * ((layout?.cellWidth ?? 0) + 4) + zoom / 2]
        }
        let tiled = try ImageGrid.render(two, scale: .tile)
        #expect(tileValue(tiled, 0) == 0 && tileValue(tiled, 1) == 0)
        let shared = try ImageGrid.render(two, scale: .shared)
        #expect(tileValue(shared, 0) == 0 && tileValue(shared, 1) == 255)
        // An RGB tile scales its three channels together, keeping colours.
        let rgb = try Tensor(shape: [3, 1, 1], scalars: [4, 2, 0])
        #expect(try ImageGrid.render(rgb).bytes == [255, 128, 0])
    }

    @Test("bad shapes and oversized grids are save_image errors")
    func errors() throws {
        expectOpError("save_image", "expected an H×W, C×H×W or N×C×H×W tensor, got shape 5") { try ImageGrid.layout([5]) }
        expectOpError("save_image", "got shape 1×1×1×2×2") { try ImageGrid.layout([1, 1, 1, 2, 2]) }
        expectOpError("save_image", "empty tensor (shape 0×3×4×4)") { try ImageGrid.layout([0, 3, 4, 4]) }
        expectOpError("save_image", "more than this version writes", "x[0:8]") { try ImageGrid.layout([2, 1, 1, 20000]) }
        expectOpError("save_image", "at most 32768 pixels per side") { try ImageGrid.layout([1, 40000]) }
    }

    @Test("the font draws digits and label letters, and measures text")
    func font() {
        #expect(ImageFont.width(of: "n12 c3") == 23)
        #expect(ImageFont.width(of: "") == 0)
        for ch in "0123456789nck" {
            let on = (0..<5).flatMap { y in (0..<3).map { ImageFont.isOn(ch, x: $0, y: y) } }
            #expect(on.contains(true), "\(ch) has pixels")
        }
        #expect(!ImageFont.isOn("?", x: 1, y: 1))
        // "8" and "0" differ only in the middle row's centre.
        #expect(ImageFont.isOn("8", x: 1, y: 2) && !ImageFont.isOn("0", x: 1, y: 2))
    }
}
