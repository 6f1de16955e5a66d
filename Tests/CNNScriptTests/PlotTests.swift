@testable import CNNScript
import CNNKit
import Testing

/// `plot`: snapshots in plain ASCII and in Unicode braille with colour, `plot(hist)`'s two panels,
/// gaps at non-finite values, the braille dot layout, and the argument errors.
@Suite struct PlotTests {
    static func output(_ source: String, _ presentation: Presentation = Presentation(width: 60)) -> RunResult {
        run(source, session: Session(presentation: presentation, output: { _ in }))
    }

    @Test func twoSeriesPlainSnapshot() {
        let r = Self.output("plot([1, 4, 9, 16, 25], [10, 8, 6, 4, 2], labels:[\"up\", \"down\"], height:5)")
        #expect(r.error == nil)
        #expect(r.output == """
        25 +                                                    ****
           |                                             *******
           |                                   **********
           |+++++++++++++++++++++++++++++++++++
         1 +*********************              +++++++++++++++++++++
           ++-------------+-------------+------------+-------------+
            0             1             2            3             4
            ** up   ++ down

        """)
    }

    @Test func gapAtNonFiniteValues() {
        let r = Self.output("plot([1, 2, 0/0, 4, 5], height:3)")
        #expect(r.error == nil)
        #expect(r.output == """
        5.0 +                                                *******
            |                                         *******
        1.0 +***************
            ++-------------+------------+-------------+------------+
             0             1            2             3            4

        """)
    }

    @Test func brailleColourSnapshot() {
        let r = Self.output("plot([0, 1, 0, 1], height:3, title:\"zigzag\")", Presentation(color: true, unicode: true, width: 60))
        #expect(r.error == nil)
        #expect(r.output == """
             zigzag
        1.0 ┤            \u{1B}[34m⢀⣀⠤⠤⠒⠊⠉⠒⠒⠤⢄⣀\u{1B}[0m                         \u{1B}[34m⣀⡠⠤⠔⠒⠉\u{1B}[0m
            │      \u{1B}[34m⣀⡠⠤⠒⠒⠉⠁\u{1B}[0m           \u{1B}[34m⠉⠉⠒⠢⠤⣀⣀\u{1B}[0m           \u{1B}[34m⢀⣀⠤⠔⠒⠊⠉\u{1B}[0m
        0.0 ┤\u{1B}[34m⣀⠤⠔⠒⠊⠉\u{1B}[0m                         \u{1B}[34m⠉⠑⠒⠤⠤⣀⡠⠤⠒⠒⠉⠁\u{1B}[0m
            └┬─────────────────┬─────────────────┬─────────────────┬
             0                 1                 2                 3

        """)
    }

    @Test func historyPanelsSnapshot() {
        var h = History()
        h.loss = [2.3, 1.2, 0.8, 0.6]; h.accuracy = [0.3, 0.6, 0.75, 0.8]
        h.valLoss = [2.0, 1.3, 1.0, 0.9]; h.valAccuracy = [0.35, 0.55, 0.7, 0.72]
        #expect(Builtins.plotHistory(h, height: 4, presentation: Presentation(width: 60)) == """
                loss by epoch
           2.3 +*****
               |+++++++++****
               |         +++++++++++++++++++++++++++++++++++++++++++
           0.6 +                          **************************
               ++----------------+----------------+----------------+
                1                2                3                4
                ** loss   ++ val_loss

                accuracy by epoch
          0.80 +                          *****************+++++++++
               |             *************+++++++++++++++++
               |     ****+++++++++++++++++
          0.30 ++++++++++
               ++----------------+----------------+----------------+
                1                2                3                4
                ** acc   ++ val_acc
        """)
    }

    /// `plot(hist)` through the language draws the same two panels; a history mixed with other series
    /// is refused, and so is one with no epochs.
    @Test func historyThroughTheLanguage() {
        var h = History()
        h.loss = [1.0, 0.5]; h.accuracy = [0.5, 0.9]
        let s = Session(presentation: Presentation(width: 50), output: { _ in })
        s.globals.define("h", .object(HistoryObject(h)))
        s.globals.define("empty", .object(HistoryObject(History())))
        let r = run("plot(h, height:3)", session: s)
        #expect(r.error == nil)
        #expect(r.output == Builtins.plotHistory(h, height: 3, presentation: Presentation(width: 50)) + "\n")
        #expect(r.output.contains("loss by epoch") && r.output.contains("accuracy by epoch") && !r.output.contains("val_"))
        #expect(run("plot(h, [1, 2])", session: s).error?.message.hasPrefix("plot: a history is plotted on its own") == true)
        #expect(run("plot(empty)", session: s).error?.message == "plot: the history has no epochs yet")
    }

    /// A rising line across the whole width: every braille cell of the drawing area is one of the 256
    /// patterns, each column of dots is lit at least once (the line is continuous), and the first and
    /// last dots sit in the bottom-left and top-right corners.
    @Test func brailleDotsFollowTheLine() {
        let text = Plot.render([Plot.Series(label: "x", values: (0..<30).map(Double.init))], height: 4, legend: false,
                               presentation: Presentation(unicode: true, width: 40))
        let rows = text.split(separator: "\n").prefix(4).map { line in Array(line.drop { $0 != "┤" && $0 != "│" }.dropFirst()) }
        let columns = rows.map(\.count).max() ?? 0
        #expect(columns == 40 - 2 - 2)  // labels "29" and "0" take 2 columns, the axis and a space 2
        var litColumns = Set<Int>()
        for (r, row) in rows.enumerated() {
            for (c, ch) in row.enumerated() where ch != " " {
                let v = ch.unicodeScalars.first?.value ?? 0
                #expect((0x2800...0x28FF).contains(v))
                let bits = v - 0x2800
                if bits & 0x47 != 0 { litColumns.insert(2 * c) }      // left column: dots 1, 2, 3, 7
                if bits & 0xB8 != 0 { litColumns.insert(2 * c + 1) }  // right column: dots 4, 5, 6, 8
                if r == 3 && c == 0 { #expect(bits & 0x40 != 0) }      // bottom-left dot
                if r == 0 && c == row.count - 1 { #expect(bits & 0x08 != 0) } // top-right dot
            }
        }
        #expect(litColumns == Set(0..<(2 * columns)))
    }

    @Test func errors() {
        expectError("plot()", 1, 1, "plot: nothing to plot")
        expectError("plot(zeros(2, 2))", 1, 6, "plot: argument 1: expected a 1-D tensor or a list of numbers")
        expectError("plot([1, 2], [3, 4], labels:[\"a\"])", 1, 22, "plot: labels: 1 label for 2 series")
        expectError("plot([1, 2], height:1)", 1, 14, "plot: height: expected an integer in 2…100")
    }
}
