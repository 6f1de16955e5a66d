import CNNKit

extension Builtins {
    static let views: [Builtin] = [
        Builtin(
            name: "print", group: .views,
            summary: "Prints its arguments separated by spaces; strings appear without quotes, a one-value (rank-0) tensor as its number, other tensors in full.",
            parameters: [.variadic("values", "anything")],
            example: "print(\"shape:\", shape(zeros(2, 3)))",
            body: { a, i in
                // A reduction's result reads best inline: `window sum: 54`, not a two-line tensor block.
                let parts = a.rest.map { arg -> String in
                    if let t = arg.value.tensorValue, t.rank == 0, let v = t.scalarValue {
                        // Float's own description keeps 0.1 as "0.1" rather than Double's 0.10000000149011612.
                        return v == v.rounded() || !v.isFinite ? Value.formatNumber(Double(v)) : "\(v)"
                    }
                    return i.display(arg.value, quoted: false)
                }
                var text = ""
                for (k, p) in parts.enumerated() {
                    if k > 0 { text += (p.contains("\n") || parts[k - 1].contains("\n")) ? "\n" : " " }
                    text += p
                }
                i.emit(text)
                return .none
            }),
        Builtin(
            name: "show", group: .views,
            summary: "A heat map of a tensor: shaded cells for a 2-D map, a labelled grid of channels for 3-D/4-D, with the value range.",
            parameters: [.required("x", "a tensor (H×W, C×H×W or N×C×H×W)")],
            example: "show(reshape(arange(16), [4, 4]))",
            body: { a, i in
                let t = try a.tensor("x")
                let text = HeatMap.render(t, presentation: i.session.presentation)
                i.emit(text.isEmpty ? i.display(.tensor(t), quoted: false) : text)
                return .none
            }),
    ]
}
