import CNNKit

/// Views that explain and draw: `explain`, `plot`, and `reference` (the registry as Markdown).
extension Builtins {
    static let plots: [Builtin] = [
        Builtin(
            name: "explain", group: .views,
            summary: "Works through the output shape of a layer or of every layer of a model with the actual numbers, with each weight count and a conv's im2col matrix.",
            parameters: [.required("layer", "a layer or a model"),
                         .required("input", "the input shape, e.g. [1, 3, 224, 224]")],
            shapes: "input N×C×H×W (or what the first layer takes)",
            notes: """
            Each sliding window (Conv, MaxPool, AvgPool) follows
              out = floor((in + pad_begin + pad_end - dilation·(k-1) - 1) / stride) + 1
            (ceil instead of floor with ceil:true, dropping a last window that would start in the end
            padding). A conv's weights are Cout·(Cin/groups)·k·k (+ Cout bias); im2col turns each image
            into a (Cin/groups·k·k) × (P·Q) matrix, so the conv is one GEMM Cout×(Cin·k·k) · (Cin·k·k)×(P·Q).
            When a layer does not fit, the steps up to it are shown, then the error names it.
            """,
            example: "explain(Conv(3, 64, 7, stride:2, pad:3), input:[1, 3, 224, 224])",
            body: { a, i in
                let model = try a.layer("layer")
                let input = try a.ints("input")
                guard !input.isEmpty, input.allSatisfy({ $0 > 0 }) else {
                    throw a.fail("input", "a shape of positive sizes, e.g. [1, 3, 224, 224]", got: a["input"])
                }
                guard (try? Shape.elementCount(input, op: "input")) != nil else {
                    throw a.fail("input", "a shape of at most \(Shape.grouped(Shape.maxElements)) elements", got: a["input"])
                }
                let (text, failure) = Explain.render(model, input: input, unicode: i.session.presentation.unicode)
                i.emit(text)
                if let failure { throw RuntimeError("explain: \(failure)", at: a.pos("input")) }
                return .none
            }),
        Builtin(
            name: "plot", group: .views,
            summary: "Line charts in the terminal: each argument a series (a 1-D tensor or a list of numbers); plot(hist) draws a fit's loss and accuracy.",
            parameters: [.variadic("values", "1-D tensors or lists of numbers, or one history from fit"),
                         .labeled("labels", .none, shown: "none", "a name for each series, shown in the legend"),
                         .labeled("title", .none, shown: "none", "a line above the chart"),
                         .labeled("height", .number(10), "rows of the drawing area (2…100)")],
            notes: """
            x is the index (from 0); for a history, the epoch (from 1). Braille dots (2×4 per character)
            when the terminal takes Unicode, the markers * + o x in plain text; a colour per series when
            colour is on. Values that are not finite leave a gap.
            """,
            example: "plot(arange(20) ** 2, arange(20) * 10, labels:[\"square\", \"linear\"])",
            body: { a, i in
                let presentation = i.session.presentation
                let height = try a.int("height")
                guard (2...100).contains(height) else { throw a.fail("height", "an integer in 2…100", got: a["height"]) }
                let values = a.rest
                guard !values.isEmpty else {
                    throw RuntimeError("plot: nothing to plot; give 1-D tensors, lists of numbers or a history", at: a.callPos)
                }
                if values.count == 1, case .object(let h as HistoryObject) = values[0].value {
                    guard !h.history.loss.isEmpty else {
                        throw RuntimeError("plot: the history has no epochs yet", at: values[0].pos)
                    }
                    i.emit(plotHistory(h.history, height: height, presentation: presentation))
                    return .none
                }
                var series: [Plot.Series] = []
                for (k, v) in values.enumerated() {
                    if case .object(let o) = v.value, o is HistoryObject {
                        throw RuntimeError("plot: a history is plotted on its own (plot(hist)), or pick its series: plot(hist.loss, hist.val_loss)", at: v.pos)
                    }
                    guard let t = try Convert.tensor(v.value), t.rank <= 1, t.count > 0 else {
                        throw RuntimeError("plot: argument \(k + 1): expected a 1-D tensor or a list of numbers, got \(v.value.brief)", at: v.pos)
                    }
                    series.append(Plot.Series(label: "series \(k + 1)", values: t.scalars.map(Double.init)))
                }
                var legend = series.count > 1
                if a.isGiven("labels") {
                    let labels: [String]
                    switch a["labels"] {
                    case .string(let s): labels = [s]
                    case .list(let items):
                        labels = try items.map { item in
                            guard case .string(let s) = item else { throw a.fail("labels", "a list of strings", got: a["labels"]) }
                            return s
                        }
                    default: throw a.fail("labels", "a list of strings", got: a["labels"])
                    }
                    guard labels.count == series.count else {
                        throw RuntimeError("plot: labels: \(labels.count) label\(labels.count == 1 ? "" : "s") for \(series.count) series", at: a.pos("labels"))
                    }
                    for k in series.indices { series[k].label = labels[k] }
                    legend = true
                }
                let title = a.isGiven("title") ? try a.string("title") : ""
                i.emit(Plot.render(series, title: title, height: height, legend: legend, presentation: presentation))
                return .none
            }),
        Builtin(
            name: "reference", group: .session,
            summary: "The reference of every builtin as Markdown, generated from the registry that help() reads (docs/REFERENCE.md is this text).",
            parameters: [.labeled("table", .bool(false), "true: one table row per builtin (README's reference table) instead of the full reference")],
            example: "print(reference(table:true))",
            body: { a, _ in .string(try a.bool("table") ? markdownTable() : markdownReference()) }),
    ]

    /// `plot(hist)`: a loss panel (loss, val_loss) over an accuracy panel (acc, val_acc), by epoch.
    static func plotHistory(_ h: History, height: Int, presentation: Presentation) -> String {
        func panel(_ title: String, _ parts: [(String, [Float])]) -> String? {
            let series = parts.filter { !$0.1.isEmpty }.map { Plot.Series(label: $0.0, values: $0.1.map(Double.init)) }
            guard !series.isEmpty else { return nil }
            return Plot.render(series, title: title + " by epoch", xStart: 1, height: height, minLabelWidth: 6,
                               presentation: presentation)
        }
        return [panel("loss", [("loss", h.loss), ("val_loss", h.valLoss)]),
                panel("accuracy", [("acc", h.accuracy), ("val_acc", h.valAccuracy)])]
            .compactMap { $0 }.joined(separator: "\n\n")
    }
}
