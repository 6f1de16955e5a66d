import CNNKit

/// Views of models: `summary`.
extension Builtins {
    static let modelViews: [Builtin] = [
        Builtin(
            name: "summary", group: .views,
            summary: "A table of a model for an input shape: each layer as a tree (residual branches and the add as rows), output shape, parameters, mult-adds, trainable; then the totals and memory.",
            parameters: [.required("model", "a layer or model"),
                         .required("input", "the input shape, e.g. [1, 1, 28, 28]")],
            notes: """
            Mult-adds (not FLOPs: one mult-add is two) follow torchinfo's rules: a Conv counts its weights and bias
            once per output position, Dense and BatchNorm their parameters once per row; other layers none.
            A parameter count in parentheses is frozen. A layer used twice is marked shared and its
            parameters are counted once. Memory (float32, MB = 10^6 bytes): the input, the weights, and the
            activations autograd keeps for backward at this input size (every layer's and add's output, a
            max-pool's indices, a dropout's mask). A layer that does not fit the shape reaching it is named,
            with that shape.
            """,
            example: "summary(lenet5(), input:[1, 1, 28, 28])",
            body: { a, i in
                let model = try a.layer("model")
                let input = try a.ints("input")
                guard !input.isEmpty, input.allSatisfy({ $0 > 0 }) else {
                    throw a.fail("input", "a shape of positive sizes, e.g. [1, 1, 28, 28]", got: a["input"])
                }
                guard (try? Shape.elementCount(input, op: "input")) != nil else {
                    throw a.fail("input", "a shape of at most \(Shape.grouped(Shape.maxElements)) elements", got: a["input"])
                }
                do {
                    i.emit(try ModelSummary.render(model, input: input, unicode: i.session.presentation.unicode))
                } catch let failure as ModelTrace.ShapeFailure {
                    throw RuntimeError("summary: \(failure)", at: a.pos("input"))
                }
                return .none
            }),
    ]
}
