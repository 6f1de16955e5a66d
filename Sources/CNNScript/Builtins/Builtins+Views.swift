import CNNKit

extension Builtins {
    static let views: [Builtin] = [
        Builtin(
            name: "print", group: .views,
            summary: "Prints its arguments separated by spaces; strings appear without quotes, tensors in full.",
            parameters: [.variadic("values", "anything")],
            example: "print(\"shape:\", shape(zeros(2, 3)))",
            body: { a, i in
                let parts = a.rest.map { i.display($0.value, quoted: false) }
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
