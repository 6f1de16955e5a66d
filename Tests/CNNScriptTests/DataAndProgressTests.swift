@testable import CNNScript
@testable import CNNKit
import Testing

/// Data sets through the language, and what `fit` and `evaluate` show: the progress view (live and
/// plain), the history and the evaluation report.
@Suite struct DataAndProgressTests {
    @Test func dataSetsIndexSliceAndPrint() throws {
        let c = CapturingSession()
        c.run("ds = shapes(n:30, seed:1)")
        let direct = try Datasets.shapes(n: 30, seed: 1)
        #expect(c.run("ds") == "dataset shapes: 30 images 1×28×28, 10 classes\n")
        #expect(c.run("len(ds)") == "30\n")
        #expect(c.run("ds.x.shape") == "[30, 1, 28, 28]\n")
        #expect(c.run("ds.y.shape") == "[30]\n")
        #expect(c.run("ds.shape") == "[1, 28, 28]\n")
        #expect(c.run("len(ds.classes)") == "10\n")
        #expect(c.run("ds.classes[0]") == "\"circle\"\n")
        #expect(c.run("len(ds[0:10]), len(ds[-5:]), len(ds[::4]), len(ds[20:5])".replacingOccurrences(of: ", ", with: "\n"))
                == "10\n5\n8\n0\n")
        #expect(c.run("sum(ds.counts)") == "tensor scalar f32\n30.\n")
        guard let x = c.value("ds").flatMap({ try? LearningTests.ModelBindingTests.member($0, "x") })?.tensorValue else {
            Issue.record("ds.x is not a tensor")
            return
        }
        #expect(x == direct.x)
        // One sample is [image, label], as a PyTorch Dataset gives it.
        c.run("img, label = ds[3]\nlast = ds[-1]")
        let sample = try direct.sample(3)
        guard let img = c.value("img")?.tensorValue else { Issue.record("img is not a tensor"); return }
        #expect(img == sample.x)
        #expect(c.run("label") == "\(sample.label)\n")
        #expect(c.run("number(last[1]) == number(ds.y[29])") == "true\n")
        guard case .object(let part as DatasetObject)? = try? c.session.interpreter.index(
            c.value("ds") ?? .none, [.slice(start: nil, end: nil, step: nil)], at: SourcePos(line: 1, column: 1), c.session.globals) else {
            Issue.record("ds[:] is not a data set")
            return
        }
        #expect(part.dataset == direct)
        #expect(run("ds = shapes(n:3)\nds[3]").error?.message == "index 3 is out of range for a list of 3 values")
        #expect(run("ds = shapes(n:3)\nds[0:2:0]").error?.message == "slice step cannot be zero")
        #expect(run("ds = shapes(n:3)\nds[0] = 1").error?.message.contains("a data set cannot be changed in place") == true)
    }

    @Test func splitNormalizeAndMakeDataSets() throws {
        let c = CapturingSession()
        c.run("ds = shapes(n:40, seed:3)\na, b = split(ds, 0.75, seed:2)")
        let direct = try Datasets.shapes(n: 40, seed: 3)
        let (first, second) = try direct.split(fraction: 0.75, seed: 2)
        #expect((c.value("a") as Value?).flatMap(dataset) == first)
        #expect((c.value("b") as Value?).flatMap(dataset) == second)
        c.run("n = normalize(a)\nt = normalize(b, mean: n.mean, std: n.std)\nh = normalize(ds, mean:0.5, std:0.25)")
        let (norm, mean, std) = try first.normalized()
        #expect((c.value("n") as Value?).flatMap(dataset) == norm)
        #expect(c.run("n.mean") == "[\(mean[0])]\n")
        #expect((c.value("t") as Value?).flatMap(dataset) == (try second.normalized(mean: mean, std: std).dataset))
        // Against a plain loop: (x - 0.5) / 0.25.
        guard let h = (c.value("h") as Value?).flatMap(dataset) else { Issue.record("h is not a data set"); return }
        for (got, raw) in zip(h.x.scalars, direct.x.scalars) where abs(got - (raw - 0.5) / 0.25) > 1e-5 {
            Issue.record("normalize: \(got) for \(raw)")
            break
        }
        c.run("d = dataset(zeros(4, 1, 2, 2), [0, 1, 1, 0], classes:[\"no\", \"yes\"], name:\"toy\")")
        #expect(c.run("d") == "dataset toy: 4 images 1×2×2, 2 classes\n")
        #expect(c.run("d.classes") == "[\"no\", \"yes\"]\n")
        #expect(c.run("dataset(zeros(2, 3), [0, 2])") == "dataset dataset: 2 samples 3, 3 classes\n")
        #expect(run("dataset(zeros(3, 2), [0, 1])").error?.message.contains("y must be a vector of 3 labels") == true)
        #expect(run("split(shapes(n:4), 1)").error?.message == "split: fraction: expected a number strictly between 0 and 1, got 1")
        #expect(run("split(3, 0.5)").error?.message == "split: data: expected a data set, got 3")
        #expect(run("normalize(shapes(n:4), std:0)").error?.message == "normalize: std must be > 0, got 0.0")
        #expect(run("shapes(n:4, size:4)").error?.message == "shapes: size: expected an integer in 8…256, got 4")
        #expect(run("train, test = mnist(\"/nonexistent-cnns-dir\")").error?.message.contains("mnist") == true)
        #expect(run("fit(3, shapes(n:4))").error?.message == "fit: model: expected a layer or a model, got 3")
    }

    private func dataset(_ v: Value) -> Dataset? {
        if case .object(let d as DatasetObject) = v { return d.dataset }
        return nil
    }

    // MARK: - Progress

    /// The reports `Training.fit` makes for `epochs` epochs of `batches` batches each, 0.1 s apart.
    private func reports(epochs: Int, batches: Int, validation: Bool) -> [(FitProgress, Double)] {
        var out: [(FitProgress, Double)] = []
        var now = 0.0
        for e in 1...epochs {
            for b in 1...batches {
                now += 0.1
                out.append((FitProgress(phase: .batch, epoch: e, epochs: epochs, batch: b, batches: batches,
                                        imagesPerSecond: 640, elapsed: 0.1 * Double(b), loss: 1 / Float(e * b),
                                        accuracy: 0.5, valLoss: nil, valAccuracy: nil), now))
            }
            out.append((FitProgress(phase: .epochEnd, epoch: e, epochs: epochs, batch: batches, batches: batches,
                                    imagesPerSecond: 640, elapsed: 0.1 * Double(batches), loss: 0.25, accuracy: 0.75,
                                    valLoss: validation ? 0.5 : nil, valAccuracy: validation ? 0.625 : nil), now))
        }
        return out
    }

    private func render(_ presentation: Presentation, _ reports: [(FitProgress, Double)]) -> String {
        var view = FitProgressView(presentation: presentation)
        return reports.compactMap { view.render($0.0, now: $0.1) }.joined()
    }

    @Test func plainProgressIsOneLinePerEpoch() {
        let text = render(Presentation(live: false), reports(epochs: 2, batches: 3, validation: true))
        #expect(text == """
            epoch 1/2  loss 0.2500  acc 0.7500  val_loss 0.5000  val_acc 0.6250  640 img/s  0.3s
            epoch 2/2  loss 0.2500  acc 0.7500  val_loss 0.5000  val_acc 0.6250  640 img/s  0.3s

            """)
        #expect(!text.contains("\r") && !text.contains("\u{1B}"))
        let noVal = render(Presentation(live: false), reports(epochs: 1, batches: 2, validation: false))
        #expect(noVal == "epoch 1/1  loss 0.2500  acc 0.7500  640 img/s  0.2s\n")
    }

    @Test func liveProgressRedrawsInPlace() throws {
        let text = render(Presentation(unicode: true, live: true), reports(epochs: 2, batches: 4, validation: false))
        let epochs = text.components(separatedBy: "Epoch ")
        #expect(epochs.count == 3 && epochs[0].isEmpty)
        for (k, part) in epochs.dropFirst().enumerated() {
            #expect(part.hasPrefix("\(k + 1)/2\n"))
            // After the header, no newline until the epoch's final line ends.
            let body = part.dropFirst("\(k + 1)/2\n".count)
            #expect(body.filter { $0 == "\n" }.count == 1 && body.hasSuffix("\n"), "epoch \(k + 1): \(body.debugDescription)")
            #expect(body.components(separatedBy: "\r\u{1B}[2K").count == 6, "4 batches and the end: \(body.debugDescription)")
        }
        #expect(text.contains("\r\u{1B}[2K2/4 ━━━━━━━━━━────────── ETA 0s 100ms/step - 640 img/s - loss: 0.5000 - acc: 0.5000"))
        #expect(text.hasSuffix("\r\u{1B}[2K4/4 ━━━━━━━━━━━━━━━━━━━━ 0s 100ms/step - 640 img/s - loss: 0.2500 - acc: 0.7500\n"))
        let ascii = render(Presentation(unicode: false, live: true), reports(epochs: 1, batches: 4, validation: true))
        #expect(ascii.contains("1/4 [=====>              ] ETA 0s"))
        #expect(ascii.hasSuffix("4/4 [====================] 0s 100ms/step - 640 img/s - loss: 0.2500 - acc: 0.7500 - val_loss: 0.5000 - val_acc: 0.6250\n"))
        #expect(!ascii.contains("━"))
    }

    @Test func liveRedrawsAreThrottled() {
        var view = FitProgressView(presentation: Presentation(live: true))
        var drawn = 0
        for b in 1...100 {
            let p = FitProgress(phase: .batch, epoch: 1, epochs: 1, batch: b, batches: 100, imagesPerSecond: 1,
                                elapsed: 0, loss: 0, accuracy: 0, valLoss: nil, valAccuracy: nil)
            if view.render(p, now: Double(b) * 0.001) != nil { drawn += 1 }
        }
        // 0.1 s of batches at one redraw per 0.05 s: the first, about two more, and the last.
        #expect(drawn >= 3 && drawn <= 5, "\(drawn) redraws")
    }

    @Test func durationsAndTheStopLine() {
        #expect(FitProgressView.duration(7.4) == "7s")
        #expect(FitProgressView.duration(125) == "2m05s")
        #expect(FitProgressView.duration(3 * 3600 + 120) == "3h02m")
        #expect(FitProgressView.milliseconds(0.0123) == "12ms")
        #expect(FitProgressView.milliseconds(1.25) == "1.2s")
        #expect(FitProgressView.milliseconds(0.00042) == "0.4ms")
        #expect(FitProgressView.stoppedLine(epoch: 2, batch: 17, batches: 235, live: false)
                == "training stopped at epoch 2, batch 17/235: the weights learned so far are kept\n")
    }

    // MARK: - History and evaluation

    @Test func historyMembersAndTable() throws {
        var h = History()
        h.loss = [0.5, 0.25]
        h.accuracy = [0.75, 0.875]
        h.valLoss = [0.625, 0.5]
        h.valAccuracy = [0.7, 0.8]
        let c = CapturingSession()
        c.session.globals.define("h", .object(HistoryObject(h)))
        #expect(c.run("h.loss") == "tensor 2 f32\n[0.5000, 0.2500]\n")
        #expect(c.run("h.acc == h.accuracy") == "tensor 2 f32\n[1., 1.]\n")
        #expect(c.run("number(h.val_acc[1])") == "0.800000011920929\n")
        #expect(c.run("h.epochs") == "2\n")
        #expect(c.run("h.interrupted") == "false\n")
        #expect(c.run("h") == """
            history: 2 epochs
            epoch    loss     acc  val_loss  val_acc
                1  0.5000  0.7500    0.6250   0.7000
                2  0.2500  0.8750    0.5000   0.8000

            """)
        h.interrupted = true
        h.valLoss = []
        h.valAccuracy = []
        #expect(HistoryObject(h).describe(PrintOptions()) == """
            history: 2 epochs (interrupted)
            epoch    loss     acc
                1  0.5000  0.7500
                2  0.2500  0.8750
            """)
        #expect(HistoryObject(History()).describe(PrintOptions()) == "history: 0 epochs")
        #expect(run("h = 1\nh.loss").error?.message == "1 has no member 'loss'")
    }

    @Test func evaluationReportWithClassNames() throws {
        let e = Evaluation(loss: 0.5, accuracy: 0.75, confusion: [[3, 1, 0], [0, 2, 0], [1, 0, 1]],
                           classNames: ["circle", "square", "2"])
        let c = CapturingSession()
        c.session.globals.define("r", .object(EvaluationObject(e)))
        #expect(c.run("r") == """
            loss 0.5000  accuracy 0.7500 (6 of 8)
            confusion matrix (rows: true class, columns: predicted)
                        0  1  2   recall
              0 circle  3  1  0   0.7500
              1 square  0  2  0   1.0000
              2         1  0  1   0.5000

            """)
        #expect(c.run("r.accuracy") == "0.75\n")
        #expect(c.run("r.samples") == "8\n")
        #expect(c.run("r.confusion") == "tensor 3×3 f32\n[[3., 1., 0.],\n [0., 2., 0.],\n [1., 0., 1.]]\n")
        // A class with no samples has no recall; wide counts widen every column.
        let lines = ConfusionMatrix.table([[1200, 0], [0, 0]], classNames: ["a", "b"])
        #expect(lines == ["          0     1   recall", "  0 a  1200     0   1.0000", "  1 b     0     0        -"])
        let many = Evaluation(loss: 1, accuracy: 0, confusion: Array(repeating: Array(repeating: 0, count: 31), count: 31),
                              classNames: (0..<31).map(String.init))
        #expect(ConfusionMatrix.report(many).hasSuffix("confusion matrix: 31 classes, too many to print (see .confusion)"))
    }

    @Test func anObjectPrintedByItsBuiltinIsNotEchoedAgain() {
        let c = CapturingSession()
        let e = EvaluationObject(Evaluation(loss: 0, accuracy: 1, confusion: [[1]], classNames: ["0"]))
        c.session.globals.define("r", .object(e))
        c.session.printedObject = e
        // A new statement forgets what the previous one printed: `r` echoes.
        #expect(c.run("r").hasPrefix("loss 0.0000  accuracy 1.0000 (1 of 1)"))
    }
}

extension LearningTests.ModelBindingTests {
    /// `v.name` as the interpreter reads it.
    static func member(_ v: Value, _ name: String) throws -> Value {
        let s = Session(output: { _ in })
        return try s.interpreter.member(v, name, at: SourcePos(line: 1, column: 1))
    }
}
