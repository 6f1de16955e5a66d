@testable import CNNScript
import CNNKit
import Foundation
import Testing

/// Help, completion and the reference all come from the one registry: help wraps to the terminal
/// width without losing a word, completion offers the new builtins and their labels, and
/// docs/REFERENCE.md is exactly what the registry generates.
@Suite struct HelpTests {
    static func words(_ text: String) -> [Substring] {
        text.split(whereSeparator: { $0 == " " || $0 == "\n" })
    }

    /// Every line fits the width, except the signature and the example (code is not broken) and a
    /// single word longer than the room. At 40 columns a long parameter column leaves less than the
    /// 20 columns wrapping keeps, so there only the words are checked.
    @Test func helpWrapsToTheWidthAndKeepsEveryWord() {
        for b in Builtins.all {
            #expect(Self.words(Builtins.help(b, width: 40)) == Self.words(Builtins.help(b, width: 10_000)), "\(b.name)")
        }
        for width in [60, 80, 100] {
            for b in Builtins.all {
                let text = Builtins.help(b, width: width)
                #expect(Self.words(text) == Self.words(Builtins.help(b, width: 10_000)), "\(b.name) at \(width)")
                for line in text.split(separator: "\n") where line.count > width {
                    let isCode = line == b.signature || line.hasPrefix("  example: ")
                    let isOneWord = Self.words(String(line)).count <= 2
                    #expect(isCode || isOneWord, "\(b.name) at \(width): \(line)")
                }
            }
            let overview = Builtins.overview(width: width)
            #expect(Self.words(overview) == Self.words(Builtins.overview(width: 10_000)))
            for line in overview.split(separator: "\n") { #expect(line.count <= width, "\(line)") }
        }
    }

    @Test func helpSnapshotAtTheSessionWidth() {
        let r = run("help(explain)", session: Session(presentation: Presentation(width: 60), output: { _ in }))
        #expect(r.output == """
        explain(layer, input)
          Works through the output shape of a layer or of every
          layer of a model with the actual numbers, with each weight
          count and a conv's im2col matrix.
          shapes: input N×C×H×W (or what the first layer takes)
            layer  a layer or a model
            input  the input shape, e.g. [1, 3, 224, 224]
          Each sliding window (Conv, MaxPool, AvgPool) follows
            out = floor((in + pad_begin + pad_end - dilation·(k-1) -
            1) / stride) + 1
          (ceil instead of floor with ceil:true, dropping a last
          window that would start in the end padding). A conv's
          weights are Cout·(Cin/groups)·k·k (+ Cout bias); im2col
          turns each image into a (Cin/groups·k·k) × (P·Q) matrix,
          so the conv is one GEMM Cout×(Cin·k·k) · (Cin·k·k)×(P·Q).
          When a layer does not fit, the steps up to it are shown,
          then the error names it.
          example: explain(Conv(3, 64, 7, stride:2, pad:3), input:[1, 3, 224, 224])

        """)
    }

    @Test func completionOffersTheViewsAndTheirLabels() {
        let s = Session(output: { _ in })
        #expect(s.completions(for: "expl") == ["explain"])
        #expect(s.completions(for: "plot([1, 2], lab") == ["labels:"])
        #expect(s.completions(for: "plot([1, 2], he").contains("height:"))
        #expect(s.completions(for: "summary(lenet5(), inp") == ["input:"])
        #expect(s.completions(for: "refer") == ["reference"])
    }

    /// docs/REFERENCE.md is generated from the registry (scripts/make-reference); it must match.
    @Test func referenceFileIsGeneratedFromTheRegistry() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let file = try String(contentsOf: root.appendingPathComponent("docs/REFERENCE.md"), encoding: .utf8)
        #expect(file == Session.builtinReference(), "docs/REFERENCE.md is stale: run scripts/make-reference")
        for b in Builtins.all { #expect(file.contains("### `\(b.signature)`"), "\(b.name)") }
        let table = Builtins.markdownTable()
        for b in Builtins.all { #expect(table.contains("| `\(b.signature.replacingOccurrences(of: "|", with: "\\|"))` |"), "\(b.name)") }
    }

    @Test func referenceBuiltinReturnsTheMarkdown() {
        #expect(echo("reference()").contains("### `explain(layer, input)`"))
        #expect(echo("reference(table:true)").contains("| `plot(values…, labels: none, title: none, height: 10)` |"))
    }
}
