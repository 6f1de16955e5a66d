import Foundation

/// Line charts in the terminal for `plot`: y-axis labels, x ticks, a legend, several series.
///
/// With Unicode each cell is a braille character (U+2800 block) holding 2×4 dots, so a line is drawn
/// at four times the rows and twice the columns; in plain mode each cell is one point, drawn with the
/// series' marker (`*`, `+`, `o`, `x`, `#`, `@`). With colour each series has its own ANSI colour (a
/// cell two series share takes the later one's). Values that are not finite leave a gap in the line.
enum Plot {
    struct Series {
        var label: String
        var values: [Double]
    }

    static let markers: [Character] = ["*", "+", "o", "x", "#", "@"]
    /// Blue, yellow, green, red, magenta, cyan: distinct on dark and light terminals alike.
    static let colors = ["\u{1B}[34m", "\u{1B}[33m", "\u{1B}[32m", "\u{1B}[31m", "\u{1B}[35m", "\u{1B}[36m"]
    static let reset = "\u{1B}[0m"

    /// One chart. `xStart` is the x of each series' first value (0 for a tensor's index, 1 for epochs);
    /// `height` the rows of the drawing area; the width follows `presentation.width`. `legend` shows
    /// the labels under the chart; `minLabelWidth` lines up the axes of charts shown one above another.
    static func render(_ series: [Series], title: String = "", xStart: Int = 0,
                       height: Int = 10, legend: Bool = true, minLabelWidth: Int = 0, presentation: Presentation) -> String {
        let unicode = presentation.unicode, color = presentation.color
        let finite = series.flatMap { $0.values.filter(\.isFinite) }
        let count = series.map(\.values.count).max() ?? 0
        guard let low = finite.min(), let high = finite.max(), count > 0 else {
            return title.isEmpty ? "(nothing to plot: no finite values)" : "\(title): (nothing to plot: no finite values)"
        }
        var lo = low, hi = high
        if lo == hi {
            let pad = lo == 0 ? 1 : abs(lo) / 2
            lo -= pad; hi += pad
        }
        let rows = max(2, height)
        let labelRows = axisLabelRows(rows)
        let decimals = labelDecimals(lo: lo, hi: hi)
        func label(_ r: Int) -> String { format(hi - Double(r) / Double(rows - 1) * (hi - lo), decimals: decimals) }
        let yLabels = (0..<rows).map { labelRows.contains($0) ? label($0) : "" }
        let labelWidth = max(minLabelWidth, yLabels.map(\.count).max() ?? 0)
        let columns = min(120, max(10, presentation.width - labelWidth - 2))

        // The dot grid: braille cells hold 2×4 dots; a plain cell one.
        let (sx, sy) = unicode ? (2, 4) : (1, 1)
        let dotW = columns * sx, dotH = rows * sy
        var bits = [[UInt8]](repeating: [UInt8](repeating: 0, count: columns), count: rows)
        var owner = [[Int]](repeating: [Int](repeating: -1, count: columns), count: rows)
        func dotX(_ i: Int) -> Int { count == 1 ? 0 : Int((Double(i) * Double(dotW - 1) / Double(count - 1)).rounded()) }
        func dotY(_ v: Double) -> Int { Int(((hi - v) / (hi - lo) * Double(dotH - 1)).rounded()) }
        let brailleBit: [[UInt8]] = [[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]]
        func set(_ x: Int, _ y: Int, _ s: Int) {
            guard x >= 0, x < dotW, y >= 0, y < dotH else { return }
            let r = y / sy, c = x / sx
            if unicode { bits[r][c] |= brailleBit[y % 4][x % 2] }
            owner[r][c] = s
        }
        for (s, line) in series.enumerated() {
            var previous: (Int, Int)?
            for (i, v) in line.values.enumerated() {
                guard v.isFinite else { previous = nil; continue }
                let point = (dotX(i), dotY(v))
                if let p = previous { drawLine(from: p, to: point) { set($0, $1, s) } } else { set(point.0, point.1, s) }
                previous = point
            }
        }

        func paint(_ text: String, _ s: Int) -> String {
            color && s >= 0 ? colors[s % colors.count] + text + reset : text
        }
        func pad(_ s: String, _ w: Int) -> String { String(repeating: " ", count: max(0, w - s.count)) + s }
        var lines: [String] = []
        if !title.isEmpty { lines.append(String(repeating: " ", count: labelWidth + 2) + title) }
        for r in 0..<rows {
            var text = pad(yLabels[r], labelWidth) + " " + (labelRows.contains(r) ? (unicode ? "┤" : "+") : (unicode ? "│" : "|"))
            var run = "", runOwner = -2
            for c in 0..<columns {
                let ch: Character
                if owner[r][c] < 0 { ch = " " } else if unicode {
                    ch = Character(Unicode.Scalar(0x2800 + UInt32(bits[r][c])) ?? " ")
                } else {
                    ch = markers[owner[r][c] % markers.count]
                }
                let o = owner[r][c] < 0 ? -1 : owner[r][c]
                if o != runOwner { text += paint(run, runOwner); run = ""; runOwner = o }
                run.append(ch)
            }
            text += paint(run, runOwner)
            while text.hasSuffix(" ") { text.removeLast() }
            lines.append(text)
        }

        // The x axis: ticks at round steps of the index, labels under them.
        let ticks = xTicks(count: count, start: xStart)
        var axis = Array(repeating: unicode ? "─" : "-", count: columns)
        var tickLine = Array(repeating: " ", count: columns + 8)
        var nextFree = 0
        for t in ticks {
            let c = dotX(t - xStart) / sx
            guard c < columns else { continue }
            axis[c] = unicode ? "┬" : "+"
            let text = String(t)
            let begin = min(c, columns - text.count)
            guard begin >= nextFree, begin >= 0 else { continue }
            for (k, ch) in text.enumerated() { tickLine[begin + k] = String(ch) }
            nextFree = begin + text.count + 1
        }
        lines.append(String(repeating: " ", count: labelWidth + 1) + (unicode ? "└" : "+") + axis.joined())
        var tickText = tickLine.joined()
        while tickText.hasSuffix(" ") { tickText.removeLast() }
        lines.append(String(repeating: " ", count: labelWidth + 2) + tickText)

        if legend {
            let keys = series.enumerated().map { s, line -> String in
                let mark = unicode ? "──" : String(repeating: markers[s % markers.count], count: 2)
                return paint(mark, s) + " " + line.label
            }
            lines.append(String(repeating: " ", count: labelWidth + 2) + keys.joined(separator: "   "))
        }
        return lines.joined(separator: "\n")
    }

    /// Rows that carry a y label: the top, the bottom and about every third row between.
    static func axisLabelRows(_ rows: Int) -> Set<Int> {
        let gaps = max(1, Int((Double(rows - 1) / 3).rounded()))
        var labelled: Set<Int> = [0, rows - 1]
        for k in 1..<max(2, gaps) {
            labelled.insert(Int((Double(k) * Double(rows - 1) / Double(gaps)).rounded()))
        }
        return labelled
    }

    /// Enough decimals to tell the labels apart: two significant digits of the range.
    static func labelDecimals(lo: Double, hi: Double) -> Int {
        let span = hi - lo
        guard span > 0, span.isFinite else { return 2 }
        return min(8, max(0, 1 - Int(log10(span).rounded(.down))))
    }

    static func format(_ v: Double, decimals: Int) -> String {
        if abs(v) >= 1e7 { return String(format: "%.3g", v) }
        let text = String(format: "%.\(decimals)f", v)
        return text == "-" + String(format: "%.\(decimals)f", 0.0) ? String(format: "%.\(decimals)f", 0.0) : text
    }

    /// Tick positions in index units, a 1-2-5 step giving at most about six ticks.
    static func xTicks(count: Int, start: Int) -> [Int] {
        guard count > 1 else { return [start] }
        let span = count - 1
        var step = 1, magnitude = 1
        search: while true {
            for m in [1, 2, 5] where span / (m * magnitude) <= 5 {
                step = m * magnitude
                break search
            }
            magnitude *= 10
        }
        var ticks = [start]
        var t = (start / step + 1) * step
        while t <= start + span {
            if t - start >= (step + 1) / 2 { ticks.append(t) }
            t += step
        }
        return ticks
    }

    /// Bresenham's line on the dot grid, both ends included.
    static func drawLine(from a: (Int, Int), to b: (Int, Int), _ plot: (Int, Int) -> Void) {
        var (x, y) = a
        let dx = abs(b.0 - a.0), dy = -abs(b.1 - a.1)
        let stepX = a.0 < b.0 ? 1 : -1, stepY = a.1 < b.1 ? 1 : -1
        var err = dx + dy
        while true {
            plot(x, y)
            if x == b.0 && y == b.1 { return }
            let e2 = 2 * err
            if e2 >= dy { err += dy; x += stepX }
            if e2 <= dx { err += dx; y += stepY }
        }
    }
}
