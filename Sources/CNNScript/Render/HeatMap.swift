import CNNKit
import Foundation

/// `show(x)`: a tensor as a picture in the terminal, for headless servers (torchshow#31).
///
/// What is drawn:
/// - rank 0 → one cell, rank 1 → one row, rank 2 → an H×W map;
/// - rank 3 (C×H×W) → one tile per channel labelled `c0`, `c1`, …; rank 4 (N×C×H×W) → tiles labelled
///   `n0 c1`; higher ranks → tiles labelled with their leading indices `[0,1,2]`. Tiles sit side by side
///   as far as `presentation.width` allows, then wrap to further rows; at most `maxMaps` are drawn.
///   All tiles share one scale (the header says so), so channels can be compared by eye.
/// - A header: `tensor SHAPE f32  min A  max B`, plus notes on the scale, downsampling and NaN.
///
/// How it is drawn, by what the host allows:
/// - plain (no colour, no Unicode): the ASCII ramp ` .:-=+*#%@` from min to max, two characters per
///   cell (terminal cells are about twice as tall as wide, so this keeps the picture square), inside an
///   ASCII frame so that the blank low end stays visible;
/// - Unicode without colour: the shade ramp ` ░▒▓█`, two characters per cell, in a box frame;
/// - colour with Unicode: upper half blocks `▀` (foreground = upper pixel, background = lower pixel), so
///   one character is one pixel wide and two tall; colour without Unicode: two background-coloured
///   spaces per pixel. Non-negative data use a grey ramp (xterm 232…255); data with negative values
///   use a diverging blue–white–red map centred on 0 (symmetric, so equal magnitudes get equal
///   strength). 24-bit colour is used when the host says the terminal has it
///   (`Presentation.trueColor`), xterm 256 colours otherwise. Colours are reset at the end of every tile and every line.
/// Maps larger than the width allows are shrunk by area averaging over f×f blocks (one factor for both
/// axes, so the aspect is kept); the height is limited the same way as the width. With several tiles the
/// factor may grow further (down to tiles of 8 cells) so that about √T tiles fit on a row. Constant maps
/// sit in the middle of the scale; NaN cells show as `?` (magenta in colour); ±inf clamp to the ends of
/// a scale that spans the finite values. The result has no trailing newline.
public enum HeatMap {
    /// The most maps (channels) drawn for one tensor; the header says when more were left out.
    public static let maxMaps = 64

    /// `show(x)`: shaded cells for a 2-D map, a labelled grid of channels for 3-D/4-D, with the value range.
    public static func render(_ t: Tensor, presentation: Presentation) -> String {
        let header = TensorFormatter.header(t)
        guard let count = try? Shape.elementCount(t.shape, op: "show"), count == t.scalars.count else {
            return header + "\n<\(t.scalars.count) values do not fill shape \(Shape.describe(t.shape))>"
        }
        if count == 0 { return header + "  (empty: nothing to show)" }
        let style = Style(presentation)
        return t.scalars.withUnsafeBufferPointer { buffer in
            Picture(shape: t.shape, values: buffer, style: style, width: presentation.width).render(header: header)
        }
    }

}

/// The drawing mode chosen from the host's `Presentation`.
struct Style {
    enum Kind { case ascii, shades, halfBlocks, colorSpaces }
    let kind: Kind
    let trueColor: Bool

    init(_ p: Presentation) {
        switch (p.color, p.unicode) {
        case (false, false): kind = .ascii
        case (false, true): kind = .shades
        case (true, true): kind = .halfBlocks
        case (true, false): kind = .colorSpaces
        }
        trueColor = p.trueColor
    }

    var isColor: Bool { kind == .halfBlocks || kind == .colorSpaces }
    /// Characters per cell across.
    var cellColumns: Int { kind == .halfBlocks ? 1 : 2 }
    /// Pixels stacked in one character line.
    var pixelsPerLine: Int { kind == .halfBlocks ? 2 : 1 }
    /// Characters taken by a frame on each side (frames only without colour, where the low end is blank).
    var frame: Int { isColor ? 0 : 1 }

    var ramp: [Character] {
        kind == .shades ? [" ", "░", "▒", "▓", "█"] : [" ", ".", ":", "-", "=", "+", "*", "#", "%", "@"]
    }
}

/// One `show` in progress: the maps, their common scale and the chosen layout.
private struct Picture {
    let shape: [Int]
    let values: UnsafeBufferPointer<Float>
    let style: Style
    let width: Int
    let stats: HeatStats
    let height: Int, mapWidth: Int, mapCount: Int

    /// Tiles in a row are separated by this many spaces.
    static let gap = 2
    /// Extra downsampling for a grid stops before tiles get smaller than this many cells.
    static let minTileCells = 8

    init(shape: [Int], values: UnsafeBufferPointer<Float>, style: Style, width: Int) {
        self.shape = shape
        self.values = values
        self.style = style
        // Terminals report 0 when they do not know; anything narrower than 16 cannot hold a picture, and
        // the upper bound keeps the layout arithmetic far from overflow.
        self.width = min(max(width, 16), 4096)
        self.stats = HeatStats(values)
        switch shape.count {
        case 0: (height, mapWidth) = (1, 1)
        case 1: (height, mapWidth) = (1, shape[0])
        default: (height, mapWidth) = (shape[shape.count - 2], shape[shape.count - 1])
        }
        mapCount = values.count / (height * mapWidth)
    }

    var isGrid: Bool { shape.count >= 3 }
    var shownMaps: Int { min(mapCount, HeatMap.maxMaps) }

    func label(_ m: Int) -> String {
        let lead = Array(shape.dropLast(2))
        var index = [Int](repeating: 0, count: lead.count)
        var r = m
        for k in stride(from: lead.count - 1, through: 0, by: -1) {
            index[k] = r % lead[k]
            r /= lead[k]
        }
        switch index.count {
        case 1: return "c\(index[0])"
        case 2: return "n\(index[0]) c\(index[1])"
        default: return "[" + index.map(String.init).joined(separator: ",") + "]"
        }
    }

    private static func ceilDiv(_ a: Int, _ b: Int) -> Int { (a + b - 1) / b }

    /// Characters across one tile's column: the tile and its frame, or its label if that is wider.
    func columnWidth(factor f: Int, labelWidth: Int) -> Int {
        max(Picture.ceilDiv(mapWidth, f) * style.cellColumns + 2 * style.frame, labelWidth)
    }

    func tilesPerRow(factor f: Int, labelWidth: Int) -> Int {
        max(1, (width + Picture.gap) / (columnWidth(factor: f, labelWidth: labelWidth) + Picture.gap))
    }

    /// The downsampling factor: the smallest that fits one map in the width (and as many pixel rows as
    /// cells across), grown for grids until about √T tiles share a row or tiles reach `minTileCells`.
    func factor(labelWidth: Int) -> Int {
        let across = max(1, (width - 2 * style.frame) / style.cellColumns)
        var f = max(1, Picture.ceilDiv(mapWidth, across), Picture.ceilDiv(height, across))
        guard isGrid else { return f }
        let target = min(shownMaps, Int(Double(shownMaps).squareRoot().rounded(.up)))
        while tilesPerRow(factor: f, labelWidth: labelWidth) < target,
              max(Picture.ceilDiv(height, f + 1), Picture.ceilDiv(mapWidth, f + 1)) >= Picture.minTileCells {
            f += 1
        }
        return f
    }

    func render(header: String) -> String {
        let labels = isGrid ? (0..<shownMaps).map(label) : []
        let labelWidth = labels.map(\.count).max() ?? 0
        let f = factor(labelWidth: labelWidth)
        let column = columnWidth(factor: f, labelWidth: labelWidth)
        let perRow = tilesPerRow(factor: f, labelWidth: labelWidth)

        var lines = [headerLine(header, factor: f)]
        let tiles = (0..<shownMaps).map { m in
            let start = m * height * mapWidth
            let map = UnsafeBufferPointer(rebasing: values[start..<start + height * mapWidth])
            return tile(downsample(map, h: height, w: mapWidth, factor: f),
                        h: Picture.ceilDiv(height, f), w: Picture.ceilDiv(mapWidth, f))
        }
        // Every column but the last is padded to the common width, so no line ends in blanks.
        let tileWidth = columnWidth(factor: f, labelWidth: 0)
        func join(_ cells: [(text: String, width: Int)]) -> String {
            var s = ""
            for (k, cell) in cells.enumerated() {
                s += cell.text
                if k < cells.count - 1 { s += String(repeating: " ", count: column - cell.width + Picture.gap) }
            }
            return s
        }
        for rowStart in stride(from: 0, to: tiles.count, by: perRow) {
            let row = rowStart..<min(rowStart + perRow, tiles.count)
            if isGrid {
                lines.append(join(row.map { (labels[$0], labels[$0].count) }))
            }
            for k in 0..<tiles[rowStart].count {
                lines.append(join(row.map { (tiles[$0][k], tileWidth) }))
            }
        }
        return lines.joined(separator: "\n")
    }

    func headerLine(_ header: String, factor f: Int) -> String {
        var s = header
        if stats.hasValues {
            s += "  min \(compactNumber(stats.min))  max \(compactNumber(stats.max))"
            if stats.isConstant && stats.min.isFinite && stats.max.isFinite { s += " (constant)" }
        } else {
            s += "  all nan"
        }
        if isGrid {
            let what = shape.count == 3 ? "channels" : "maps"
            s += mapCount > shownMaps
                ? "  one scale, showing \(shownMaps) of \(mapCount) \(what)"
                : "  one scale for \(mapCount) \(what)"
        }
        if f > 1 { s += "  \(f)×\(f) mean per cell" }
        if style.isColor && stats.isSigned { s += "  blue<0<red" }
        if stats.hasNaN { s += style.isColor ? "  magenta=nan" : "  ?=nan" }
        return s
    }

    /// The lines of one tile (`h×w` cells) with its frame, each `w·cellColumns + 2·frame` characters wide
    /// on screen (escape codes aside).
    func tile(_ cells: [Float], h: Int, w: Int) -> [String] {
        var lines: [String] = []
        let inner = w * style.cellColumns
        let unicode = style.kind == .shades
        if style.frame > 0 {
            let bar = String(repeating: unicode ? "─" : "-", count: inner)
            lines.append((unicode ? "┌" + bar + "┐" : "+" + bar + "+"))
        }
        for y in stride(from: 0, to: h, by: style.pixelsPerLine) {
            let row = Array(cells[y * w..<(y + 1) * w])
            let below = y + 1 < h && style.pixelsPerLine == 2 ? Array(cells[(y + 1) * w..<(y + 2) * w]) : nil
            let body = style.isColor ? colorLine(row, below: below) : rampLine(row)
            let side = unicode ? "│" : "|"
            lines.append(style.frame > 0 ? side + body + side : body)
        }
        if style.frame > 0 {
            let bar = String(repeating: unicode ? "─" : "-", count: inner)
            lines.append((unicode ? "└" + bar + "┘" : "+" + bar + "+"))
        }
        return lines
    }

    func rampLine(_ row: [Float]) -> String {
        let ramp = style.ramp
        var s = ""
        for v in row {
            let c: Character
            if let t = stats.unit(v) { c = ramp[min(ramp.count - 1, Int(t * Float(ramp.count)))] } else { c = "?" }
            s.append(c)
            s.append(c)
        }
        return s
    }

    func color(_ v: Float) -> ColorCode {
        let rgb: RGB
        if stats.isSigned {
            guard let s = stats.signedUnit(v) else { return code(.nan) }
            rgb = RGB.diverging(s)
        } else {
            guard let t = stats.unit(v) else { return code(.nan) }
            // xterm's own grey ramp has 24 finer steps than the colour cube's greys.
            if !style.trueColor { return .indexed(232 + Int((t * 23).rounded())) }
            rgb = RGB.grey(t)
        }
        return code(rgb)
    }

    private func code(_ c: RGB) -> ColorCode { style.trueColor ? .rgb(c) : .indexed(c.cubeIndex) }

    /// One line of coloured cells; escape codes are sent only when a colour changes, and the line ends
    /// with a reset so that nothing bleeds into the gap, the next tile or the prompt.
    func colorLine(_ row: [Float], below: [Float]?) -> String {
        var s = ""
        var fg: ColorCode? = nil, bg: ColorCode? = nil
        for (j, v) in row.enumerated() {
            switch style.kind {
            case .halfBlocks:
                let top = color(v)
                if fg != top { s += top.sgr(background: false); fg = top }
                if let below {
                    let bottom = color(below[j])
                    if bg != bottom { s += bottom.sgr(background: true); bg = bottom }
                } else if bg != nil {
                    s += "\u{1B}[49m"   // default background under the last, unpaired pixel row
                    bg = nil
                }
                s += "▀"
            default:
                let c = color(v)
                if bg != c { s += c.sgr(background: true); bg = c }
                s += "  "
            }
        }
        return s + "\u{1B}[0m"
    }
}
