import CNNKit

/// Views of models: `summary`.
extension Builtins {
    static let modelViews: [Builtin] = [
        Builtin(
            name: "summary", group: .views,
            summary: "A table of a model for an input shape: each layer (nested), its output shape, parameters and mult-adds, then the totals and memory.",
            parameters: [.required("model", "a layer or model"),
                         .required("input", "the input shape, e.g. [1, 1, 28, 28]")],
            notes: "Mult-adds count Conv and Dense work (one mult-add is two FLOPs). A layer that does not fit\nthe shape reaching it is reported with its name and that shape.",
            example: "summary(lenet5(), input:[1, 1, 28, 28])",
            body: { a, i in
                let model = try a.layer("model")
                let input = try a.ints("input")
                guard !input.isEmpty, input.allSatisfy({ $0 > 0 }) else {
                    throw a.fail("input", "a shape of positive sizes, e.g. [1, 1, 28, 28]", got: a["input"])
                }
                i.emit(try ModelSummary.render(model, input: input, unicode: i.session.presentation.unicode))
                return .none
            }),
    ]
}
