import CNNKit

extension Interpreter {
    /// The text of a value. `quoted` is the echo of an expression (strings in quotes, as a REPL shows
    /// them); `print` passes false and strings appear as they are. Tensors go through `TensorFormatter`.
    func display(_ v: Value, quoted: Bool) -> String {
        switch v {
        case .none: return "none"
        case .bool(let b): return b ? "true" : "false"
        case .number(let n): return Value.formatNumber(n)
        case .string(let s): return quoted ? Value.quote(s) : s
        case .tensor(let t) where t.isConstant:
            let text = TensorFormatter.format(t.value, options: session.printOptions)
            return text.isEmpty ? "tensor \(Shape.describe(t.shape)) f32" : text
        case .tensor(let v):
            // The header says the tensor takes part in autograd, as PyTorch's `requires_grad=True`.
            let text = TensorFormatter.format(v.value, options: session.printOptions)
            guard let newline = text.firstIndex(of: "\n") else { return TensorFormatter.header(v.value) + " requires grad" }
            return text[..<newline] + " requires grad" + text[newline...]
        case .list(let items):
            let parts = items.map { display($0, quoted: true) }
            let multiline = parts.contains { $0.contains("\n") }
            return "[" + parts.joined(separator: multiline ? ",\n" : ", ") + "]"
        case .function(let f): return "<fn \(f.signature)>"
        case .object(let o): return o.describe(session.printOptions)
        }
    }
}

/// Names that are values rather than functions: `args`, `pi`, `inf`, `nan`.
enum Constants {
    static let names = ["args", "pi", "inf", "nan"]

    static func value(_ name: String, _ session: Session) -> Value? {
        switch name {
        case "args": return .list(session.args.map { .string($0) })
        case "pi": return .number(Double.pi)
        case "inf": return .number(Double.infinity)
        case "nan": return .number(Double.nan)
        default: return nil
        }
    }
}
