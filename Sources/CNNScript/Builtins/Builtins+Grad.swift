import CNNKit

/// Gradients in the language: mark tensors, back-propagate, read `.grad`, clear it.
extension Builtins {
    private static func mark(_ name: String, _ summary: String) -> Builtin {
        Builtin(
            name: name, group: .training, summary: summary,
            parameters: [.required("x", "a tensor (or a number)")],
            shapes: "x → same shape",
            notes: "Ops on it record a graph (outside no_grad { … }); backward(loss) then fills x.grad.\nTo update it by hand: no_grad { w = param(w - 0.1 * w.grad) }.",
            example: "w = \(name)([1, 2, 3]); backward(sum(w * w)); w.grad",
            body: { a, _ in .tensor(Variable(try a.tensor("x"), requiresGrad: true)) })
    }

    static let gradients: [Builtin] = [
        mark("param", "A tensor that requires a gradient (a new leaf of the autograd graph holding x's values)."),
        mark("requires_grad", "The same as param(x): a tensor whose gradient backward() computes."),
        Builtin(
            name: "detach", group: .training,
            summary: "The values of a tensor without its gradient history (a plain tensor).",
            parameters: [.required("x", "a tensor")],
            shapes: "x → same shape",
            example: "detach(param([1, 2]))",
            body: { a, _ in .tensor(try a.tensor("x")) }),
        Builtin(
            name: "backward", group: .training,
            summary: "Back-propagates from a one-value loss: every parameter and param() tensor it depends on gets .grad (added to what is there, as in PyTorch).",
            parameters: [.required("loss", "a one-element tensor computed from parameters"),
                         .optional("gradient", "the gradient of a loss with several elements (its shape)")],
            notes: "Gradients add up across calls: clear them with zero_grad(model) before each backward.",
            example: "w = param([1, 2, 3]); backward(sum(w * w)); w.grad",
            body: { a, _ in
                guard case .tensor(let loss) = a["loss"], loss.requiresGrad else {
                    let v = a["loss"]
                    guard v.isTensor || v.asNumber != nil else { throw a.fail("loss", "a tensor", got: v) }
                    throw RuntimeError("backward: the loss does not depend on any tensor that requires a gradient (use a model's parameters or param(x), outside no_grad { … })", at: a.pos("loss"))
                }
                try Autograd.backward(loss, gradient: try a.optionalTensor("gradient"))
                return .none
            }),
        Builtin(
            name: "zero_grad", group: .training,
            summary: "Clears the gradients of a model's parameters, of a list of tensors or of one tensor.",
            parameters: [.required("x", "a model, a tensor or a list of them")],
            example: "m = Dense(3, 2); zero_grad(m)",
            body: { a, _ in
                for v in try trackedTensors(a["x"], a, "x") { v.zeroGrad() }
                return .none
            }),
    ]

    /// The tracked tensors a value stands for: a model's parameters, a tracked tensor, or those of
    /// the items of a list. Plain tensors have no gradient to clear or step and are refused.
    static func trackedTensors(_ v: Value, _ a: BoundArguments, _ name: String) throws -> [Variable] {
        switch v {
        case .tensor(let x) where !x.isConstant: return [x]
        case .object(let o as ModelObject): return o.module.namedParameters().map(\.variable)
        case .list(let items):
            var out: [Variable] = []
            var seen = Set<ObjectIdentifier>()
            for item in items {
                for x in try trackedTensors(item, a, name) where seen.insert(ObjectIdentifier(x)).inserted { out.append(x) }
            }
            return out
        default:
            throw a.fail(name, "a model, a tensor made with param(x), or a list of them", got: v)
        }
    }
}
