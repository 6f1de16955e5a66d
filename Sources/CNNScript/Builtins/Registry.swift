import CNNKit
import Foundation

/// One parameter of a builtin or user function.
///
/// A positional parameter may also be given by its name as a label (`conv(x, w, b: bias)`); a labeled
/// one only by label (`stride: 2`); a variadic one takes every remaining positional argument
/// (`zeros(2, 3)`). `lazy` passes the argument unevaluated, as a function of no parameters (`timeit`).
struct Parameter {
    enum Passing { case positional, labeled, variadic }
    var name: String
    var passing: Passing
    /// nil: required.
    var defaultValue: Value?
    /// How the default reads in the signature (`1`, `"full"`, `kernel size`); empty for `b?`.
    var defaultText: String
    var doc: String
    var lazy = false

    static func required(_ name: String, _ doc: String, lazy: Bool = false) -> Parameter {
        Parameter(name: name, passing: .positional, defaultValue: nil, defaultText: "", doc: doc, lazy: lazy)
    }
    /// A positional parameter that may be left out (`b?`), `none` when missing.
    static func optional(_ name: String, _ doc: String) -> Parameter {
        Parameter(name: name, passing: .positional, defaultValue: Value.none, defaultText: "", doc: doc)
    }
    static func positional(_ name: String, _ value: Value, shown: String? = nil, _ doc: String) -> Parameter {
        Parameter(name: name, passing: .positional, defaultValue: value, defaultText: shown ?? value.brief, doc: doc)
    }
    static func labeled(_ name: String, _ value: Value, shown: String? = nil, _ doc: String) -> Parameter {
        Parameter(name: name, passing: .labeled, defaultValue: value, defaultText: shown ?? value.brief, doc: doc)
    }
    static func variadic(_ name: String, _ doc: String) -> Parameter {
        Parameter(name: name, passing: .variadic, defaultValue: nil, defaultText: "", doc: doc)
    }

    /// `b?`, `stride: 1`, `n = 50`, `dims…`
    var display: String {
        switch passing {
        case .variadic: return "\(name)…"
        case .labeled: return defaultText.isEmpty ? "\(name):" : "\(name): \(defaultText)"
        case .positional:
            guard defaultValue != nil else { return name }
            return defaultText.isEmpty ? "\(name)?" : "\(name) = \(defaultText)"
        }
    }

    static func signature(name: String, _ params: [Parameter]) -> String {
        "\(name)(\(params.map(\.display).joined(separator: ", ")))"
    }
}

/// The arguments of one call, matched to the callee's parameters.
struct BoundArguments {
    let function: String
    let callPos: SourcePos
    private(set) var values: [String: (value: Value, pos: SourcePos)] = [:]
    /// Arguments taken by the variadic parameter, in order.
    private(set) var rest: [(value: Value, pos: SourcePos)] = []

    init(function: String, callPos: SourcePos) {
        self.function = function
        self.callPos = callPos
    }

    subscript(_ name: String) -> Value { values[name]?.value ?? .none }
    func pos(_ name: String) -> SourcePos { values[name]?.pos ?? callPos }
    func isGiven(_ name: String) -> Bool {
        if let v = values[name]?.value, case .none = v { return false }
        return values[name] != nil
    }

    /// Matches `args` to `params`: positional arguments in order (the rest to a variadic parameter),
    /// labels by name. Errors name the function and list what it accepts.
    static func bind(_ function: String, _ params: [Parameter], _ args: [(label: String?, value: Value, pos: SourcePos)],
                     callPos: SourcePos) throws -> BoundArguments {
        var bound = BoundArguments(function: function, callPos: callPos)
        let positional = params.filter { $0.passing == .positional }
        let variadic = params.first { $0.passing == .variadic }
        var next = 0
        for arg in args {
            if let label = arg.label {
                guard let p = params.first(where: { $0.name == label && $0.passing != .variadic }) else {
                    let valid = params.filter { $0.passing != .variadic }.map { "\($0.name):" }
                    let list = valid.isEmpty ? "it takes no labels" : "valid labels: \(valid.joined(separator: ", "))"
                    let near = Completion.nearest(label, among: valid.map { String($0.dropLast()) }).map { ", did you mean '\($0):'?" } ?? ""
                    throw RuntimeError("\(function): unknown label '\(label):'\(near) (\(list))", at: arg.pos)
                }
                guard bound.values[p.name] == nil else {
                    throw RuntimeError("\(function): '\(p.name)' is given twice (by position and by label)", at: arg.pos)
                }
                bound.values[p.name] = (arg.value, arg.pos)
            } else if next < positional.count {
                bound.values[positional[next].name] = (arg.value, arg.pos)
                next += 1
            } else if variadic != nil {
                bound.rest.append((arg.value, arg.pos))
            } else {
                let names = positional.map(\.name).joined(separator: ", ")
                let count = args.filter { $0.label == nil }.count
                let takes = positional.isEmpty ? "takes no positional arguments"
                    : "takes \(positional.count) positional argument\(positional.count == 1 ? "" : "s") (\(names))"
                let labeled = params.filter { $0.passing == .labeled }.map { "\($0.name):" }
                let hint = labeled.isEmpty ? "" : "; the others are labeled: \(labeled.joined(separator: ", "))"
                throw RuntimeError("\(function): \(takes), got \(count)\(hint)", at: arg.pos)
            }
        }
        for p in params where p.passing != .variadic && bound.values[p.name] == nil {
            guard let d = p.defaultValue else {
                throw RuntimeError("\(function): missing argument '\(p.name)' — \(Parameter.signature(name: function, params))", at: callPos)
            }
            bound.values[p.name] = (d, callPos)
        }
        return bound
    }
}

extension String {
    /// The string without spaces at its end.
    var trimmingTrailingSpaces: String {
        var s = self
        while s.hasSuffix(" ") { s.removeLast() }
        return s
    }
}

/// The groups `help()` lists builtins under.
enum BuiltinGroup: String, CaseIterable {
    case create, shape, math, cnn, signal, layers, training, data, files, views, session

    var title: String {
        switch self {
        case .create: return "Create tensors"
        case .shape: return "Shape"
        case .math: return "Math"
        case .cnn: return "CNN ops (NCHW)"
        case .signal: return "Convolution as math, image kernels"
        case .layers: return "Layers and models (capitalised constructors; a model is callable: model(x), x |> model)"
        case .training: return "Gradients, losses, optimizers and training"
        case .data: return "Data sets"
        case .files: return "Files"
        case .views: return "Views"
        case .session: return "Session and utilities"
        }
    }
}

/// A builtin function: everything `help`, completion, the docs and the interpreter know about it.
struct Builtin {
    var name: String
    var group: BuiltinGroup
    var summary: String
    var parameters: [Parameter]
    /// Shapes in and out, e.g. `x: N×C×H×W, w: K×(C/groups)×R×S → N×K×P×Q`; empty when not about tensors.
    var shapes: String = ""
    /// Further explanation shown by `help(name)` (semantics, where we follow PyTorch or NumPy).
    var notes: String = ""
    /// A line of code that runs as it stands.
    var example: String
    var body: (inout BoundArguments, Interpreter) throws -> Value

    var signature: String { Parameter.signature(name: name, parameters) }
}

/// THE registry of builtins: the interpreter, `help`, tab completion and the generated reference all
/// read it, so nothing is listed twice.
enum Builtins {
    static let all: [Builtin] = create + shape + math + cnn + signal + layers + zoo + gradients + training + data
        + files + weights + onnx + images + views + modelViews + plots + session

    static let byName: [String: Builtin] = {
        var table: [String: Builtin] = [:]
        for b in all { table[b.name] = b }
        return table
    }()

    /// `help(name)`: signature, summary, shapes, parameters, notes and the example, wrapped to `width`
    /// columns (continuation lines hang under the text they continue; code is never broken).
    static func help(_ b: Builtin, width: Int = 80) -> String {
        var lines = [b.signature]
        lines += wrap(b.summary, width: width, first: "  ", rest: "  ")
        if !b.shapes.isEmpty { lines += wrap(b.shapes, width: width, first: "  shapes: ", rest: "          ") }
        if !b.parameters.isEmpty {
            let column = b.parameters.map { $0.display.count }.max() ?? 0
            for p in b.parameters {
                let lead = "    \(p.display)\(String(repeating: " ", count: column - p.display.count))  "
                lines += wrap(p.doc, width: width, first: lead, rest: String(repeating: " ", count: lead.count))
            }
        }
        for paragraph in paragraphs(b.notes) {
            let indent = "  " + String(paragraph.prefix { $0 == " " })
            lines += wrap(String(paragraph.drop { $0 == " " }), width: width, first: indent, rest: indent)
        }
        lines.append("  example: " + b.example)
        return lines.joined(separator: "\n")
    }

    /// `help()`: every builtin by group, one entry each, wrapped to `width` columns.
    static func overview(width: Int = 80) -> String {
        var lines = wrap("Builtin functions (help(name) for details; `a |> f(b)` means f(a, b)):", width: width, first: "", rest: "")
        for g in BuiltinGroup.allCases {
            let members = all.filter { $0.group == g }
            guard !members.isEmpty else { continue }
            lines.append("")
            lines += wrap(g.title, width: width, first: "", rest: "  ")
            let column = members.map { $0.name.count }.max() ?? 0
            for b in members {
                let lead = "  \(b.name)\(String(repeating: " ", count: column - b.name.count))  "
                lines += wrap(b.summary, width: width, first: lead, rest: String(repeating: " ", count: lead.count))
            }
        }
        return lines.joined(separator: "\n")
    }

    /// Notes as paragraphs to reflow: lines written one after another join (the source wraps them
    /// at its own width); an indented line (a formula, an example) and a blank line stand apart.
    static func paragraphs(_ notes: String) -> [String] {
        var out: [String] = []
        var open = false
        for line in notes.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.isEmpty {
                out.append("")
                open = false
            } else if line.hasPrefix(" ") {
                out.append(String(line))
                open = false
            } else if open, let last = out.popLast() {
                out.append(last + " " + line)
            } else {
                out.append(String(line))
                open = true
            }
        }
        return out
    }

    /// Greedy word wrap: `first` before the first line, `rest` before the others. A word longer than
    /// the room left stays whole on its own line; fewer than 20 columns of room wrap at 20.
    static func wrap(_ text: String, width: Int, first: String, rest: String) -> [String] {
        let words = text.split(separator: " ", omittingEmptySubsequences: true)
        guard !words.isEmpty else { return [first.trimmingTrailingSpaces] }
        var lines: [String] = []
        var line = first, empty = true
        for word in words {
            let room = max(width, (empty ? line.count : rest.count) + 20)
            if !empty, line.count + 1 + word.count > room {
                lines.append(line)
                line = rest + word
            } else {
                line += (empty ? "" : " ") + word
            }
            empty = false
        }
        lines.append(line)
        return lines
    }

    /// The reference as one Markdown table per group, a line per builtin (for README).
    static func markdownTable() -> String {
        var out = ""
        for g in BuiltinGroup.allCases {
            let members = all.filter { $0.group == g }
            guard !members.isEmpty else { continue }
            out += "\n**\(g.title)**\n\n| function | what it does |\n| --- | --- |\n"
            for b in members {
                let signature = b.signature.replacingOccurrences(of: "|", with: "\\|")
                out += "| `\(signature)` | \(b.summary.replacingOccurrences(of: "|", with: "\\|")) |\n"
            }
        }
        return String(out.dropFirst())
    }

    /// The reference as Markdown, generated from the registry (for the docs).
    static func markdownReference() -> String {
        var out = "# Builtin functions\n\nGenerated from the builtin registry by scripts/make-reference; do not edit by hand.\n"
        for g in BuiltinGroup.allCases {
            let members = all.filter { $0.group == g }
            guard !members.isEmpty else { continue }
            out += "\n## \(g.title)\n"
            for b in members {
                out += "\n### `\(b.signature)`\n\n\(b.summary)\n"
                if !b.shapes.isEmpty { out += "\nShapes: `\(b.shapes)`\n" }
                if !b.parameters.isEmpty {
                    out += "\n| parameter | meaning |\n| --- | --- |\n"
                    for p in b.parameters { out += "| `\(p.display)` | \(p.doc) |\n" }
                }
                if !b.notes.isEmpty { out += "\n\(b.notes)\n" }
                out += "\n```\n\(b.example)\n```\n"
            }
        }
        return out
    }
}
