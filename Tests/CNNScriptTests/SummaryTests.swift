@testable import CNNScript
import CNNKit
import Testing

/// `summary`: snapshots of the table (plain and Unicode), torchinfo's totals for ResNet-18, shared
/// parameters counted once, frozen counts, and shape errors that name the layer.
@Suite struct SummaryTests {
    static func output(_ source: String, _ presentation: Presentation = Presentation(width: 60)) -> RunResult {
        run(source, session: Session(presentation: presentation, output: { _ in }))
    }

    @Test func lenetPlainSnapshot() {
        let r = Self.output("summary(lenet5(), input:[1, 1, 28, 28])")
        #expect(r.error == nil)
        #expect(r.output == """
        ===================================================================
        Layer                   Output shape  Param #  Mult-adds  Trainable
        -------------------------------------------------------------------
        Sequential(12 layers)   1×10           61,706    423,038        yes
        |-Conv(1, 6, 5, pad:2)  1×6×28×28         156    122,304        yes
        |-ReLU()                1×6×28×28          --         --         --
        |-MaxPool(2)            1×6×14×14          --         --         --
        |-Conv(6, 16, 5)        1×16×10×10      2,416    241,600        yes
        |-ReLU()                1×16×10×10         --         --         --
        |-MaxPool(2)            1×16×5×5           --         --         --
        |-Flatten()             1×400              --         --         --
        |-Dense(400, 120)       1×120          48,120     48,120        yes
        |-ReLU()                1×120              --         --         --
        |-Dense(120, 84)        1×84           10,164     10,164        yes
        |-ReLU()                1×84               --         --         --
        `-Dense(84, 10)         1×10              850        850        yes
        ===================================================================
        Total params: 61,706
        Trainable params: 61,706
        Frozen params: 0
        Total mult-adds: 423,038 (423.04 K); one mult-add is two FLOPs
        -------------------------------------------------------------------
        Input size:                      3.14 KB
        Activations kept for backward:  67.85 KB
        Params size:                   246.82 KB
        Estimated total:               317.81 KB
        ===================================================================

        """)
    }

    @Test func residualUnicodeSnapshot() {
        let r = Self.output("summary(Residual(Sequential(Conv(2, 2, 3, pad:1), ReLU())), input:[1, 2, 5, 5])",
                            Presentation(color: true, unicode: true, width: 60))
        #expect(r.error == nil)
        #expect(r.output == """
        ══════════════════════════════════════════════════════════════════════════
        Layer                          Output shape  Param #  Mult-adds  Trainable
        ──────────────────────────────────────────────────────────────────────────
        Residual(block)                1×2×5×5            38        950        yes
        ├─block: Sequential(2 layers)  1×2×5×5            38        950        yes
        │ ├─Conv(2, 2, 3, pad:1)       1×2×5×5            38        950        yes
        │ └─ReLU()                     1×2×5×5             —          —          —
        └─add (block + input)          1×2×5×5             —          —          —
        ══════════════════════════════════════════════════════════════════════════
        Total params: 38
        Trainable params: 38
        Frozen params: 0
        Total mult-adds: 950; one mult-add is two FLOPs
        ──────────────────────────────────────────────────────────────────────────
        Input size:                      200 B
        Activations kept for backward:   800 B
        Params size:                     152 B
        Estimated total:               1.15 KB
        ══════════════════════════════════════════════════════════════════════════

        """)
    }

    /// torchinfo reports ResNet-18 at 1×3×224×224 as 11,689,512 parameters and 1.81 G mult-adds
    /// (1,814,083,944 exactly by its rules).
    @Test func resnet18MatchesTorchinfo() throws {
        var rng = RandomSource(seed: 1)
        let model = try Zoo.resnet(depth: 18, rng: &rng)
        let text = try ModelSummary.render(model, input: [1, 3, 224, 224], unicode: false)
        #expect(text.contains("Total params: 11,689,512\n"))
        #expect(text.contains("Total mult-adds: 1,814,083,944 (1.81 G)"))
        #expect(text.contains("Params size:                    46.76 MB"))
        // Every BasicBlock shows its add; the four that change shape add the downsample branch.
        let lines = text.split(separator: "\n")
        #expect(lines.filter { $0.contains("add (bn2 + input)") }.count == 5)
        #expect(lines.filter { $0.contains("add (bn2 + downsample)") }.count == 3)
        #expect(lines.contains { $0.hasPrefix("| | |-downsample: Sequential(2 layers)") })
    }

    /// The totals against a plainly written count: conv Cout·(Cin·k·k + 1)·P·Q, dense in·out + out
    /// per row, on a random small network.
    @Test func totalsMatchANaiveCount() throws {
        var rng = RandomSource(seed: 7)
        for _ in 0..<5 {
            let c1 = 1 + Int(rng.nextFloat() * 4), c2 = 1 + Int(rng.nextFloat() * 4), k = 1 + Int(rng.nextFloat() * 3)
            let n = 1 + Int(rng.nextFloat() * 3), h = 6 + Int(rng.nextFloat() * 5), classes = 2 + Int(rng.nextFloat() * 5)
            let p = h - k + 1
            let model = Sequential([try Conv(c1, c2, kernel: Size2(k), rng: &rng), Activation(.relu), Flatten(),
                                    try Dense(c2 * p * p, classes, rng: &rng)])
            let text = try ModelSummary.render(model, input: [n, c1, h, h], unicode: false)
            let params = c2 * (c1 * k * k + 1) + classes * (c2 * p * p + 1)
            let multAdds = n * c2 * (c1 * k * k + 1) * p * p + n * classes * (c2 * p * p + 1)
            #expect(text.contains("Total params: \(Shape.grouped(params))\n"), "\(text)")
            #expect(text.contains("Total mult-adds: \(Shape.grouped(multAdds))"), "\(text)")
            // Kept for backward: input, conv, relu and dense outputs (flatten shares storage).
            let kept = 4 * (n * c1 * h * h + 2 * n * c2 * p * p + n * classes)
            #expect(text.contains("Activations kept for backward:") && text.contains(ModelSummary.bytes(kept)), "\(text)")
        }
    }

    @Test func sharedParametersCountedOnce() {
        let r = Self.output("d = Dense(4, 4)\nsummary(Sequential(d, ReLU(), d), input:[2, 4])")
        #expect(r.error == nil)
        #expect(r.output.contains("Total params: 20\n"))
        #expect(r.output.contains("`-Dense(4, 4)         2×4            shared         40         --"))
        #expect(r.output.contains("Total mult-adds: 80;"))
        #expect(r.output.contains("Shared layers are counted once"))
    }

    @Test func frozenCountsInParentheses() {
        let r = Self.output("m = Sequential(Dense(3, 2), ReLU())\nfreeze(m)\nsummary(m, input:[1, 3])")
        #expect(r.error == nil)
        #expect(r.output.contains("|-Dense(3, 2)         1×2               (8)          8         no"), "\(r.output)")
        #expect(r.output.contains("Trainable params: 0\nFrozen params: 8\n"))
    }

    @Test func shapeErrorNamesTheLayerAndTheInput() {
        expectError("summary(lenet5(), input:[1, 1, 10, 10])", 1, 19,
                    "summary: layer 5 (MaxPool(2)) does not fit its input 1×16×1×1 (model input 1×1×10×10): MaxPool: kernel 2×2")
        expectError("summary(resnet(18), input:[1, 1, 224, 224])", 1, 21,
                    "summary: layer conv1 (Conv(3, 64, 7, stride:2, pad:3, bias:false)) does not fit its input 1×1×224×224")
        expectError("summary(lenet5(), input:[100000, 100000, 1000])", 1, 19,
                    "summary: input: expected a shape of at most 2,147,483,648 elements")
        expectError("summary(Conv(1, 1, 1, pad:100000), input:[1000, 1, 100, 100])", 1, 36,
                    "summary: layer Conv(1, 1, 1, pad:100000) does not fit its input 1000×1×100×100 (model input 1000×1×100×100): Conv: shape 1000×1×200100×200100 has too many elements")
        expectError("summary(Residual(Conv(2, 3, 1)), input:[1, 2, 4, 4])", 1, 34,
                    "summary: layer add (block + input) does not fit its input 1×3×4×4 (model input 1×2×4×4): the two operands are 1×3×4×4 and 1×2×4×4")
    }
}
