@testable import CNNScript
import CNNKit
import Foundation
import Testing

/// Real layers, gradients and training through the language.
extension LearningTests {
    @Suite
    struct ModelTrainingTests {
        @Test func lenetPrintsAsATreeWithParameterCounts() throws {
            let c = CapturingSession()
            c.run("m = lenet5()")
            #expect(c.run("m.params") == "61706\n")
            #expect(c.run("len(parameters(m))") == "10\n")
            #expect(c.run("len(m)") == "12\n")
            let text = c.run("m")
            let lines = text.split(separator: "\n").map(String.init)
            #expect(lines.first?.hasPrefix("Sequential(") == true)
            #expect(lines.first?.hasSuffix("61,706 params") == true)
            #expect(lines.last == ")")
            #expect(lines.count == 14)
            #expect(lines[1].hasPrefix("  (0): Conv(1, 6, 5") && lines[1].hasSuffix(" 156"))
            #expect(lines[2].hasPrefix("  (1): ReLU()") && !lines[2].hasSuffix("0"))
            #expect(c.run("m[0].weight.shape") == "[6, 1, 5, 5]\n")
            #expect(c.run("m.layers[0].bias.shape") == "[6]\n")
            #expect(c.run("type(m[1])") == "\"layer\"\n")
        }

        @Test func summaryOfLeNetCountsParametersAndMultAdds() throws {
            let text = CapturingSession(unicode: true).run("summary(lenet5(), input:[1, 1, 28, 28])")
            let lines = text.split(separator: "\n").map(String.init)
            #expect(lines.dropFirst().first?.hasPrefix("Layer") == true)
            // Independent counts (torchinfo's rule, bias included): conv1 6·28·28·(25 + 1), conv2
            // 16·10·10·(150 + 1), dense (400·120 + 120) + (120·84 + 84) + (84·10 + 10).
            #expect(lines.contains { $0.hasPrefix("├─Conv(1, 6, 5, pad:2)") && $0.hasSuffix("156    122,304        yes") })
            #expect(lines.contains { $0.hasPrefix("├─Conv(6, 16, 5)") && $0.hasSuffix("2,416    241,600        yes") })
            #expect(lines.contains { $0.hasPrefix("└─Dense(84, 10)") && $0.contains(" 1×10 ") })
            #expect(lines.contains("Total params: 61,706"))
            #expect(lines.contains { $0.hasPrefix("Total mult-adds: 423,038 ") })
            let ascii = CapturingSession(unicode: false).run("summary(lenet5(), input:[2, 1, 28, 28])")
            #expect(ascii.contains("|-Conv(1, 6, 5, pad:2)") && ascii.contains("`-Dense(84, 10)") && ascii.contains(" 2×6×28×28 "))
            #expect(run("summary(lenet5(), input:[1, 3, 28, 28])").error?.message.contains("expects 1 input channels, got 3") == true)
            #expect(run("summary(lenet5(), input:[1, 0, 28])").error?.message == "summary: input: expected a shape of positive sizes, e.g. [1, 1, 28, 28], got a tensor 3")
        }

        @Test func layersOfASequentialCanBeReplacedAndSliced() throws {
            let c = CapturingSession()
            c.run("m = lenet5()\nm[11] = Dense(84, 5)\ny = m(zeros(2, 1, 28, 28))")
            #expect(c.run("y.shape") == "[2, 5]\n")
            c.run("first = m[0]\nm.layers[0] = Conv(1, 6, 5, pad:2)")
            #expect(c.run("first == m[0]") == "false\n")
            #expect(run("m = lenet5()\nm.layers = [ReLU()]").error?.message.contains("layers: expected a list of 12 layers") == true)
            c.run("head = m[0:3]")
            #expect(c.run("len(head)") == "3\n")
            #expect(c.run("head[0] == m[0]") == "true\n")
            #expect(c.run("head(zeros(1, 1, 28, 28)).shape") == "[1, 6, 14, 14]\n")
            #expect(run("s = Sequential(ReLU())\ns[0] = s").error?.message == "cannot put a Sequential inside itself")
            #expect(run("s = Sequential(ReLU())\nt = Sequential(s)\ns[0] = t").error?.message == "cannot put a Sequential inside itself")
            #expect(run("m = lenet5()\nm(zeros(1, 3, 28, 28))").error?.message.contains("Conv: Conv(1, 6, 5") == true)
        }

        @Test func namedSubLayersCanBeReplaced() throws {
            let c = CapturingSession()
            c.run("net = resnet(18, classes:10, channels:1, small:true)")
            #expect(c.run("net.fc.weight.shape") == "[10, 512]\n")
            c.run("net.fc = Dense(512, 5)")
            #expect(c.run("net.fc.weight.shape") == "[5, 512]\n")
            #expect(c.run("no_grad { net(zeros(1, 1, 28, 28)) }.shape") == "[1, 5]\n")
        }

        @Test func gradientsThroughBuiltinsMatchAPlainLoop() throws {
            let c = CapturingSession()
            c.run("w = param(randn(3, 4, seed:1))\nbackward(sum(relu(w) * w))")
            guard case .tensor(let w)? = c.value("w"), let g = w.grad else { Issue.record("w.grad missing"); return }
            // d/dw Σ relu(w)·w = 2w where w > 0, else 0.
            for (gi, wi) in zip(g.scalars, w.value.scalars) {
                #expect(abs(gi - (wi > 0 ? 2 * wi : 0)) < 1e-5)
            }
            c.run("x = randn(1, 1, 5, 5, seed:2)\nk = param(ones(1, 1, 3, 3))\nbackward(sum(conv(x, k, pad:1)))")
            guard let x = c.value("x")?.tensorValue, case .tensor(let k)? = c.value("k"), let kg = k.grad else {
                Issue.record("k.grad missing")
                return
            }
            // ∂/∂k[i,j] Σ conv = Σ over output positions of the input under tap (i, j), zero padding 1.
            for i in 0..<3 {
                for j in 0..<3 {
                    var ref: Float = 0
                    for p in 0..<5 {
                        for q in 0..<5 {
                            let r = p + i - 1, s = q + j - 1
                            if r >= 0, r < 5, s >= 0, s < 5 { ref += x.scalars[r * 5 + s] }
                        }
                    }
                    #expect(abs(kg.scalars[i * 3 + j] - ref) < 1e-4, "tap \(i),\(j)")
                }
            }
            #expect(c.run("x.grad") == "")
        }

        @Test func aHandWrittenTrainingLoopLowersTheLoss() throws {
            let c = CapturingSession()
            c.run("""
            seed(1)
            ds = shapes(n:64, size:16)
            m = Sequential(Flatten(), Dense(256, 10))
            opt = SGD(lr:0.5)
            l0 = number(no_grad { cross_entropy(m(ds.x), ds.y) })
            for i in range(15) {
              zero_grad(m)
              loss = cross_entropy(m(ds.x), ds.y)
              backward(loss)
              step(opt, m)
            }
            l1 = number(no_grad { cross_entropy(m(ds.x), ds.y) })
            """)
            guard case .number(let l0)? = c.value("l0"), case .number(let l1)? = c.value("l1") else {
                Issue.record("losses missing")
                return
            }
            #expect(l1 < l0 * 0.9, "loss \(l0) → \(l1)")
            #expect(c.run("m[1].weight.grad.shape") == "[10, 256]\n")
            #expect(c.run("opt.name") == "\"SGD\"\n")
            #expect(c.run("opt.lr") == "0.5\n")
        }

        @Test func fitPrintsOneLinePerEpochInAPipe() throws {
            let c = CapturingSession(live: false)
            let out = c.run("ds = shapes(n:64, size:16)\nm = Sequential(Flatten(), Dense(256, 10))\nhist = fit(m, ds, epochs:2, batch:16, opt:SGD(lr:0.1), val:ds[0:32], seed:3)")
            let lines = out.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            #expect(lines.count == 3 && lines[2].isEmpty, "\(out.debugDescription)")
            #expect(lines[0].hasPrefix("epoch 1/2  loss ") && lines[0].contains("  val_acc ") && lines[0].hasSuffix("s"))
            #expect(lines[1].hasPrefix("epoch 2/2  loss "))
            #expect(!out.contains("\r") && !out.contains("\u{1B}"))
            #expect(c.run("len(hist.loss), len(hist.acc), len(hist.val_loss), len(hist.val_acc)".replacingOccurrences(of: ", ", with: "\n"))
                    == "2\n2\n2\n2\n")
            #expect(c.run("m.training") == "false\n")
            #expect(c.run("hist").hasPrefix("history: 2 epochs\nepoch    loss     acc  val_loss  val_acc\n    1  "))
            #expect(c.run("fit(m, ds, epochs:1, verbose:false).epochs") == "1\n")
        }

        @Test func fitRedrawsABarOnATerminal() throws {
            let c = CapturingSession(live: true, unicode: true)
            let out = c.run("ds = shapes(n:64, size:16)\nm = Sequential(Flatten(), Dense(256, 10))\nfit(m, ds, epochs:2, batch:8, seed:3);")
            #expect(out.hasPrefix("Epoch 1/2\n\r\u{1B}[2K"))
            let second = out.components(separatedBy: "Epoch 2/2\n")
            #expect(second.count == 2)
            let firstEpoch = second[0].dropFirst("Epoch 1/2\n".count)
            // Redrawn in place: the only newline of the epoch ends it.
            #expect(firstEpoch.filter { $0 == "\n" }.count == 1 && firstEpoch.hasSuffix("\n"))
            #expect(firstEpoch.contains("8/8 ━━━━━━━━━━━━━━━━━━━━ "))
            #expect(firstEpoch.contains(" img/s - loss: "))
        }

        @Test func theSameSeedGivesTheSameRun() throws {
            func losses(_ seed: UInt64) -> String {
                let c = CapturingSession(seed: seed)
                c.run("ds = shapes(n:48, size:16)\nm = Sequential(Flatten(), Dense(256, 10))\nh = fit(m, ds, epochs:2, batch:16, verbose:false)")
                return c.run("h.loss") + c.run("m[1].bias")
            }
            #expect(losses(5) == losses(5))
            #expect(losses(5) != losses(6))
        }

        @Test func evaluatePrintsOnceAndPredictGivesProbabilities() throws {
            let c = CapturingSession()
            c.run("ds = shapes(n:40, size:16)\nm = Sequential(Flatten(), Dense(256, 10))")
            let shown = c.run("evaluate(m, ds)")
            #expect(shown.components(separatedBy: "confusion matrix").count == 2, "\(shown)")
            #expect(shown.hasPrefix("loss "))
            #expect(shown.contains("0 circle"))
            // The report prints when evaluate runs, even in an assignment; the value echoes it again.
            #expect(c.run("r = evaluate(m, ds)").components(separatedBy: "confusion matrix").count == 2)
            #expect(c.run("r").components(separatedBy: "confusion matrix").count == 2)
            #expect(c.run("r.confusion.shape") == "[10, 10]\n")
            #expect(c.run("number(sum(r.confusion))") == "40\n")
            c.run("p = predict(m, ds.x[0:8])")
            #expect(c.run("p.shape") == "[8, 10]\n")
            guard let p = c.value("p")?.tensorValue else { Issue.record("p is not a tensor"); return }
            for r in 0..<8 {
                let total = p.scalars[(r * 10)..<(r * 10 + 10)].reduce(0, +)
                #expect(abs(total - 1) < 1e-5)
            }
            #expect(c.run("argmax(p, axis:1).shape") == "[8]\n")
            #expect(c.run("predict(m, ds).shape") == "[40, 10]\n")
        }

        @Test func trainEvalAndResidualBlocks() throws {
            let c = CapturingSession()
            c.run("m = Sequential(Dense(4, 4), Dropout(p:0.5))")
            #expect(c.run("m.training") == "true\n")
            c.run("eval(m)")
            #expect(c.run("m[1].training") == "false\n")
            c.run("train(m)")
            #expect(c.run("m[1].training") == "true\n")
            c.run("r = Residual(Sequential(Dense(4, 4), ReLU()))")
            #expect(c.run("r(ones(2, 4)).shape") == "[2, 4]\n")
            #expect(c.run("type(r)") == "\"model\"\n")
            c.run("freeze(r)")
            #expect(c.run("r[0][0].weight.requires_grad") == "false\n")
        }
    }
}
