@testable import CNNScript
import CNNKit
import Foundation
import Testing

/// `explain`: snapshots (plain and Unicode), and the arithmetic it shows checked against a naive
/// count of window positions on random parameters.
@Suite struct ExplainTests {
    static func output(_ source: String, _ presentation: Presentation = Presentation(width: 60)) -> RunResult {
        run(source, session: Session(presentation: presentation, output: { _ in }))
    }

    @Test func stemConvPlainSnapshot() {
        let r = Self.output("explain(Conv(3, 64, 7, stride:2, pad:3), input:[1, 3, 224, 224])")
        #expect(r.error == nil)
        #expect(r.output == """
        Conv(3, 64, 7, stride:2, pad:3) on 1×3×224×224 -> 1×64×112×112
          out = floor((in + pad_begin + pad_end - dilation·(k-1) - 1) / stride) + 1
          H: floor((224 + 3 + 3 - 1·(7-1) - 1) / 2) + 1 = floor(223 / 2) + 1 = 112
          W: floor((224 + 3 + 3 - 1·(7-1) - 1) / 2) + 1 = floor(223 / 2) + 1 = 112
          channels: 3 -> 64: 64 filters of 3×7×7
          weights: 64·3·7·7 = 9,408 + bias 64 = 9,472 parameters
          im2col: (3·7·7 = 147) × (112·112 = 12,544) per image; GEMM 64×147 · 147×12,544
          mult-adds: 64·(147 + 1)·12,544 = 118,816,768 per image (+ 1: the bias)

        """)
    }

    @Test func modelPlainSnapshot() {
        let r = Self.output("explain(Sequential(Conv(1, 2, 3), Flatten(), Dense(8, 3)), input:[1, 1, 4, 4])")
        #expect(r.error == nil)
        #expect(r.output == """
        Sequential(3 layers) on 1×1×4×4 -> 1×3
        out = floor((in + pad_begin + pad_end - dilation·(k-1) - 1) / stride) + 1 for every sliding window
        Conv(1, 2, 3)  1×1×4×4 -> 1×2×2×2
          H: floor((4 + 0 + 0 - 1·(3-1) - 1) / 1) + 1 = floor(1 / 1) + 1 = 2
          W: floor((4 + 0 + 0 - 1·(3-1) - 1) / 1) + 1 = floor(1 / 1) + 1 = 2
          channels: 1 -> 2: 2 filters of 1×3×3
          weights: 2·1·3·3 = 18 + bias 2 = 20 parameters
          im2col: (1·3·3 = 9) × (2·2 = 4) per image; GEMM 2×9 · 9×4
          mult-adds: 2·(9 + 1)·4 = 80 per image (+ 1: the bias)
        Flatten()  1×2×2×2 -> 1×8
          keeps axis 0 (1), multiplies the rest: 2·2·2 = 8; no weights
        Dense(8, 3)  1×8 -> 1×3
          y = x·Wᵀ + b over the last axis: 8 -> 3 features
          weights: 3·8 = 24 + bias 3 = 27 parameters
          GEMM 1×8 · 8×3; mult-adds 1·27 = 27
        parameters: 47 in total

        """)
    }

    @Test func ceilModeUnicodeSnapshot() {
        let r = Self.output("explain(MaxPool(2, stride:2, pad:1, ceil:true), input:[1, 1, 5, 5])",
                            Presentation(color: true, unicode: true, width: 60))
        #expect(r.error == nil)
        #expect(r.output == """
        MaxPool(2, pad:1, ceil:true) on 1×1×5×5 → 1×1×3×3
          out = floor((in + pad_begin + pad_end - dilation·(k-1) - 1) / stride) + 1
          H: ceil((5 + 1 + 1 - 1·(2-1) - 1) / 2) + 1 = ceil(5 / 2) + 1 = 4 - 1 = 3 (the last window would start in the end padding)
          W: ceil((5 + 1 + 1 - 1·(2-1) - 1) / 2) + 1 = ceil(5 / 2) + 1 = 4 - 1 = 3 (the last window would start in the end padding)
          each output is the max of 2·2 = 4 inputs; channels unchanged; no weights

        """)
    }

    @Test func residualBlockShowsTheAdd() throws {
        var rng = RandomSource(seed: 3)
        let block = try BasicBlock(4, 8, stride: 2, rng: &rng)
        let (text, failure) = Explain.render(block, input: [1, 4, 8, 8], unicode: true)
        #expect(failure == nil)
        #expect(text.contains("downsample: Sequential(2 layers)  1×4×8×8 → 1×8×4×4"))
        #expect(text.contains("add (bn2 + downsample)  1×8×4×4 → 1×8×4×4\n  elementwise sum bn2 + downsample: 1×8×4×4 + 1×8×4×4; no weights"))
        #expect(text.hasSuffix("parameters: \(Shape.grouped(block.parameterCount())) in total"))
    }

    /// A layer that does not fit: the steps before it, then the failure; the error names it too.
    @Test func failureShowsTheStepsBeforeIt() {
        let r = Self.output("explain(lenet5(), input:[1, 1, 10, 10])")
        #expect(r.output.contains("Conv(6, 16, 5)  1×6×5×5 -> 1×16×1×1"))
        #expect(r.output.contains("! layer 5 (MaxPool(2)) does not fit its input 1×16×1×1 (model input 1×1×10×10)"))
        #expect(!r.output.contains("Flatten()"))
        #expect(r.error?.message.hasPrefix("explain: layer 5 (MaxPool(2)) does not fit") == true)
    }

    /// The H line's numbers, read back, against a naive count of the window positions that fit.
    @Test func arithmeticMatchesANaiveCount() throws {
        var rng = RandomSource(seed: 11)
        func draw(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(rng.nextFloat() * Float(range.count - 1) + 0.5) }
        var checked = 0
        for _ in 0..<200 {
            let n = draw(1...20), k = draw(1...5), s = draw(1...3), d = draw(1...2), p = draw(0...2)
            guard n + 2 * p >= d * (k - 1) + 1 else { continue }
            let w = Window2D(kernel: Size2(k), stride: Size2(s), dilation: Size2(d), padding: .explicit(Padding2D(p)))
            let out = try w.outputSize(input: Size2(n), op: "test")
            let line = Explain.windowLines(w, input: Size2(n), output: out)[0]
            // Naive: every start position whose dilated window ends inside the padded input.
            var positions = 0
            var start = 0
            while start + d * (k - 1) < n + 2 * p { positions += 1; start += s }
            #expect(line == "H: floor((\(n) + \(p) + \(p) - \(d)·(\(k)-1) - 1) / \(s)) + 1 = floor(\(n + 2 * p - d * (k - 1) - 1) / \(s)) + 1 = \(positions)")
            checked += 1
        }
        #expect(checked > 100)
    }
}
