import CNNKit
@testable import CNNScript
import Testing
import CNNTestSupport

/// `show(x)`: exact text of small maps in each mode, and the rules behind them (scale, downsampling,
/// layout, colours) checked against plain references on random inputs.
@Suite struct RenderHeatMapTests {
    func arange(_ shape: [Int], _ f: (Int) -> Float = { Float($0) }) throws -> Tensor {
        try Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map(f))
    }
    let plain = Presentation()
    let esc = "\u{1B}"

    @Test func gradientUsesTheWholeRamp() throws {
        #expect(HeatMap.render(try arange([2, 5]), presentation: plain) == """
            tensor 2×5 f32  min 0  max 9
            +----------+
            |  ..::--==|
            |++**##%%@@|
            +----------+
            """)
    }

    @Test func vectorIsOneRow() throws {
        #expect(HeatMap.render(try arange([10]), presentation: plain) == """
            tensor 10 f32  min 0  max 9
            +--------------------+
            |  ..::--==++**##%%@@|
            +--------------------+
            """)
    }

    @Test func constantMapsSitMidScale() throws {
        #expect(HeatMap.render(try Tensor(shape: [2, 3], repeating: 0), presentation: plain) == """
            tensor 2×3 f32  min 0  max 0 (constant)
            +------+
            |++++++|
            |++++++|
            +------+
            """)
        #expect(HeatMap.render(Tensor(5), presentation: plain) == "tensor scalar f32  min 5  max 5 (constant)\n+--+\n|++|\n+--+")
        let negative = HeatMap.render(try Tensor(shape: [2, 2], repeating: -3),
                                      presentation: Presentation(color: true, unicode: true, trueColor: true))
        #expect(negative.contains("\(esc)[38;2;33;102;172m"))   // all blue: signed data, at the far end
    }

    @Test func gridWrapsAtWidth40() throws {
        #expect(HeatMap.render(try arange([4, 3, 6]), presentation: Presentation(width: 40)) == """
            tensor 4×3×6 f32  min 0  max 71  one scale for 4 channels
            c0              c1
            +------------+  +------------+
            |            |  |::::::::----|
            |    ........|  |----------==|
            |......::::::|  |============|
            +------------+  +------------+
            c2              c3
            +------------+  +------------+
            |++++++++++++|  |######%%%%%%|
            |++**********|  |%%%%%%%%@@@@|
            |****########|  |@@@@@@@@@@@@|
            +------------+  +------------+
            """)
    }

    @Test func gridSitsSideBySideAtWidth80() throws {
        #expect(HeatMap.render(try arange([4, 3, 6]), presentation: Presentation(width: 80)) == """
            tensor 4×3×6 f32  min 0  max 71  one scale for 4 channels
            c0              c1              c2              c3
            +------------+  +------------+  +------------+  +------------+
            |            |  |::::::::----|  |++++++++++++|  |######%%%%%%|
            |    ........|  |----------==|  |++**********|  |%%%%%%%%@@@@|
            |......::::::|  |============|  |****########|  |@@@@@@@@@@@@|
            +------------+  +------------+  +------------+  +------------+
            """)
    }

    @Test func batchOfChannelsIsLabelledNC() throws {
        #expect(HeatMap.render(try arange([2, 2, 3, 3]), presentation: plain) == """
            tensor 2×2×3×3 f32  min 0  max 35  one scale for 4 maps
            n0 c0     n0 c1     n1 c0     n1 c1
            +------+  +------+  +------+  +------+
            |      |  |::::--|  |++++++|  |##%%%%|
            |  ....|  |----==|  |******|  |%%%%@@|
            |..::::|  |======|  |**####|  |@@@@@@|
            +------+  +------+  +------+  +------+
            """)
    }

    @Test func unicodeWithoutColourUsesShades() throws {
        #expect(HeatMap.render(try arange([2, 5]), presentation: Presentation(unicode: true)) == """
            tensor 2×5 f32  min 0  max 9
            ┌──────────┐
            │    ░░░░▒▒│
            │▒▒▓▓▓▓████│
            └──────────┘
            """)
    }

    @Test func nanCellsAndInfinities() throws {
        #expect(HeatMap.render(try arange([2, 3]) { $0 == 1 ? .nan : Float($0) }, presentation: plain) == """
            tensor 2×3 f32  min 0  max 5  ?=nan
            +------+
            |  ??==|
            |**%%@@|
            +------+
            """)
        // ±inf clamp to the ends of a scale spanning the finite values 0…3.
        #expect(HeatMap.render(try arange([2, 3]) { [Float.infinity, 1, 2, 3, -.infinity, 0][$0] }, presentation: plain) == """
            tensor 2×3 f32  min -inf  max inf
            +------+
            |@@--**|
            |@@    |
            +------+
            """)
        #expect(HeatMap.render(try Tensor(shape: [1, 2], repeating: .nan), presentation: plain) ==
                "tensor 1×2 f32  all nan  ?=nan\n+----+\n|????|\n+----+")
        let colour = HeatMap.render(try arange([2, 2]) { $0 == 0 ? .nan : Float($0) },
                                    presentation: Presentation(color: true, unicode: true, trueColor: false))
        #expect(colour.contains("\(esc)[38;5;201m") && colour.contains("magenta=nan"))
    }

    @Test func halfBlocksIn256Colours() throws {
        // Grey ramp 232…255 for non-negative data; the odd last row has no lower pixel, so only a foreground.
        #expect(HeatMap.render(try arange([3, 2]), presentation: Presentation(color: true, unicode: true, trueColor: false)) == """
            tensor 3×2 f32  min 0  max 5
            \(esc)[38;5;232m\(esc)[48;5;241m▀\(esc)[38;5;237m\(esc)[48;5;246m▀\(esc)[0m
            \(esc)[38;5;250m▀\(esc)[38;5;255m▀\(esc)[0m
            """)
    }

    @Test func divergingTrueColour() throws {
        // -2…3 scaled symmetrically by 3: -2 → 2/3 of the way to blue, 0 → white, 3 → full red.
        #expect(HeatMap.render(try arange([3, 2]) { Float($0) - 2 },
                               presentation: Presentation(color: true, unicode: true, trueColor: true)) == """
            tensor 3×2 f32  min -2  max 3  blue<0<red
            \(esc)[38;2;104;150;197m\(esc)[48;2;247;247;247m▀\(esc)[38;2;176;199;222m\(esc)[48;2;224;173;179m▀\(esc)[0m
            \(esc)[38;2;201;98;111m▀\(esc)[38;2;178;24;43m▀\(esc)[0m
            """)
    }

    @Test func colourWithoutUnicodeUsesBackgroundSpaces() throws {
        #expect(HeatMap.render(try arange([2, 2]), presentation: Presentation(color: true, trueColor: false)) == """
            tensor 2×2 f32  min 0  max 3
            \(esc)[48;5;232m  \(esc)[48;5;240m  \(esc)[0m
            \(esc)[48;5;247m  \(esc)[48;5;255m  \(esc)[0m
            """)
    }

    @Test func colourLinesAlwaysEndWithAReset() throws {
        var rng = TestRNG(3)
        for trial in 0..<40 {
            let shape = [rng.int(1, 3), rng.int(1, 9), rng.int(1, 30)]
            let t = try arange(shape) { _ in rng.float(trial % 2 == 0 ? -1 : 0, 1) }
            let p = Presentation(color: true, unicode: trial % 4 < 2, width: rng.int(16, 100), trueColor: trial % 3 == 0)
            let text = HeatMap.render(t, presentation: p)
            #expect(text.contains("\(esc)[") && text.contains(trial % 3 == 0 ? ";2;" : ";5;"))
            for line in text.split(separator: "\n").dropFirst() where line.contains(esc) {
                #expect(line.hasSuffix("\(esc)[0m"), "\(line)")
                // Nothing coloured after the last reset, and every tile in a row is closed before the gap.
                #expect(!line.contains("\(esc)[0m  \(esc)[0m"))
            }
        }
    }

    @Test func signedDataIsCentredOnZero() throws {
        let t = try arange([1, 3]) { [-10, 0, 1][$0] }
        let text = HeatMap.render(t, presentation: Presentation(color: true, trueColor: false))
        #expect(text.contains("\(esc)[48;5;231m"))   // 0 → white (the cube's 255,255,255)
        #expect(text.contains("\(esc)[48;5;\(RGB.blue.cubeIndex)m"))
        #expect(text.contains("blue<0<red"))
        let greys = HeatMap.render(try arange([4, 4]), presentation: Presentation(color: true, trueColor: false))
        for code in greys.split(separator: "m").compactMap({ $0.components(separatedBy: "[48;5;").last.flatMap { Int($0) } }) {
            #expect((232...255).contains(code))
        }
    }

    @Test func manyChannelsAreCapped() throws {
        let text = HeatMap.render(try arange([70, 2, 2]), presentation: plain)
        let lines = text.split(separator: "\n")
        #expect(lines[0] == "tensor 70×2×2 f32  min 0  max 279  one scale, showing 64 of 70 channels")
        #expect(text.contains("c63") && !text.contains("c64"))
    }

    @Test func emptyAndInconsistentTensors() throws {
        #expect(HeatMap.render(try Tensor(shape: [0, 4], scalars: []), presentation: plain) ==
                "tensor 0×4 f32  (empty: nothing to show)")
        var t = try arange([2, 2])
        t.scalars = [1]
        #expect(HeatMap.render(t, presentation: plain) == "tensor 2×2 f32\n<1 values do not fill shape 2×2>")
        // A width the terminal could not report (0) still draws.
        #expect(HeatMap.render(try arange([3, 3]), presentation: Presentation(width: 0)).contains("|  ..::|"))
    }

    @Test func largeMapsAreAveragedDownToFit() throws {
        let text = HeatMap.render(try arange([100, 100]) { Float($0 % 100) }, presentation: plain)
        let lines = text.split(separator: "\n")
        #expect(lines[0] == "tensor 100×100 f32  min 0  max 99  3×3 mean per cell")
        #expect(lines.count == 1 + 34 + 2)
        #expect(lines[1] == "+" + String(repeating: "-", count: 68) + "+")
        #expect(lines[2] == "|      ........::::::------========++++++******########%%%%%%@@@@@@@@|")
    }

    /// The ramp character of every cell, against a plain restatement: index ⌊10·(v−min)/(max−min)⌋, capped at 9.
    @Test func rampMatchesReference() throws {
        var rng = TestRNG(5)
        let ramp = Array(" .:-=+*#%@")
        for _ in 0..<60 {
            let h = rng.int(1, 12), w = rng.int(1, 30)
            let t = try arange([h, w]) { _ in rng.float(-50, 50) }
            let lo = Double(t.scalars.min() ?? 0), hi = Double(t.scalars.max() ?? 0)
            let lines = HeatMap.render(t, presentation: plain).split(separator: "\n")
            try #require(lines.count == h + 3)
            for y in 0..<h {
                let body = Array(lines[2 + y].dropFirst().dropLast())
                for x in 0..<w {
                    let v = Double(t.scalars[y * w + x])
                    let k = hi > lo ? min(9, Int((v - lo) / (hi - lo) * 10)) : 4
                    #expect(body[2 * x] == ramp[k] && body[2 * x + 1] == ramp[k], "cell \(y),\(x) = \(v)")
                }
            }
        }
    }

    /// Area averaging against a naive loop, NaN skipped, partial edge blocks included.
    @Test func downsampleMatchesReference() {
        var rng = TestRNG(9)
        for _ in 0..<60 {
            let h = rng.int(1, 20), w = rng.int(1, 20), f = rng.int(1, 6)
            let map: [Float] = (0..<h * w).map { _ in rng.int(0, 9) == 0 ? .nan : rng.float(-5, 5) }
            let got = map.withUnsafeBufferPointer { downsample($0, h: h, w: w, factor: f) }
            let oh = (h + f - 1) / f, ow = (w + f - 1) / f
            #expect(got.count == oh * ow)
            for i in 0..<oh {
                for j in 0..<ow {
                    var cells: [Double] = []
                    for y in 0..<h where y / f == i {
                        for x in 0..<w where x / f == j && !map[y * w + x].isNaN { cells.append(Double(map[y * w + x])) }
                    }
                    let g = got[i * ow + j]
                    if cells.isEmpty {
                        #expect(g.isNaN)
                    } else {
                        let mean = cells.reduce(0, +) / Double(cells.count)
                        #expect(abs(Double(g) - mean) <= 1e-5, "block \(i),\(j)")
                    }
                }
            }
        }
    }

    /// The characters a terminal shows: SGR sequences `ESC [ … m` removed.
    static func withoutEscapes(_ line: Substring) -> String {
        var out = ""
        var inEscape = false
        for c in line {
            if c == "\u{1B}" { inEscape = true; continue }
            if inEscape { if c == "m" { inEscape = false }; continue }
            out.append(c)
        }
        return out
    }

    /// Every picture line fits the width, in every mode, for random shapes and widths.
    @Test func picturesFitTheWidth() throws {
        var rng = TestRNG(13)
        let modes = [Presentation(), Presentation(unicode: true), Presentation(color: true, unicode: true),
                     Presentation(color: true)]
        for trial in 0..<80 {
            let rank = rng.int(1, 4)
            let shape = (0..<rank).map { d in rank - d <= 2 ? rng.int(1, 90) : rng.int(1, 5) }
            let t = try arange(shape) { _ in rng.float(-1, 1) }
            var p = modes[trial % 4]
            p.width = rng.int(16, 120)
            let text = HeatMap.render(t, presentation: p)
            for line in text.split(separator: "\n").dropFirst() {
                let visible = Self.withoutEscapes(line)
                #expect(visible.count <= p.width, "\(shape) width \(p.width): \(visible)")
            }
        }
    }
}
