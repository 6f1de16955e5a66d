import CNNKit
import Dispatch
import Foundation

extension Builtins {
    /// `range` refuses to build lists longer than this (loops that long want a tensor op instead).
    static let maxRange = 10_000_000

    static let session: [Builtin] = [
        Builtin(
            name: "range", group: .session,
            summary: "The integers from start up to (not including) end, as a list: range(n) or range(start, end, step).",
            parameters: [.required("start", "the first value, or the end when given alone"),
                         .optional("end", "the end, excluded"),
                         .positional("step", .number(1), "the spacing (not 0; may be negative)")],
            example: "for i in range(3) { print(i) }",
            body: { a, _ in
                var start = try a.int("start")
                var end = 0
                if let e = try a.optionalInt("end") { end = e } else { (start, end) = (0, start) }
                let step = try a.int("step")
                guard step != 0 else { throw a.fail("step", "a non-zero integer", got: a["step"]) }
                let count = step > 0 ? max(0, (end - start + step - 1) / step) : max(0, (start - end - step - 1) / -step)
                guard count <= maxRange else {
                    throw RuntimeError("range: \(count) values is more than the limit of \(maxRange)")
                }
                return .list((0..<count).map { .number(Double(start + $0 * step)) })
            }),
        Builtin(
            name: "len", group: .session,
            summary: "The number of items of a list, characters of a string, entries along a tensor's first axis, samples of a data set or layers of a model.",
            parameters: [.required("x", "a list, string, tensor, data set or model")],
            example: "len([1, \"a\", none])",
            body: { a, _ in
                switch a["x"] {
                case .list(let l): return .number(Double(l.count))
                case .string(let s): return .number(Double(s.count))
                case .tensor(let t) where t.value.rank >= 1: return .number(Double(t.shape[0]))
                case .object(let o as IndexableObject): return .number(Double(o.count))
                default: throw a.fail("x", "a list, a string, a data set, a model or a tensor of rank ≥ 1", got: a["x"])
                }
            }),
        Builtin(
            name: "str", group: .session,
            summary: "The text print would show for a value.",
            parameters: [.required("x", "any value")],
            example: "\"n = \" + str(3)",
            body: { a, i in .string(i.display(a["x"], quoted: false)) }),
        Builtin(
            name: "number", group: .session,
            summary: "A number from a string (\"2.5\"), a bool, or a one-element tensor.",
            parameters: [.required("x", "a string, bool, number or one-element tensor")],
            example: "number(\"2.5\") * 2",
            body: { a, _ in
                switch a["x"] {
                case .string(let s):
                    if let n = Double(s.trimmingCharacters(in: .whitespaces)) { return .number(n) }
                case .bool(let b): return .number(b ? 1 : 0)
                default:
                    if let n = a["x"].asNumber { return .number(n) }
                }
                throw a.fail("x", "a number, a numeric string or a one-element tensor", got: a["x"])
            }),
        Builtin(
            name: "type", group: .session,
            summary: "The kind of a value: number, string, bool, none, tensor, list, function, …",
            parameters: [.required("x", "any value")],
            example: "type(zeros(2))",
            body: { a, _ in .string(a["x"].typeName) }),
        Builtin(
            name: "exists", group: .session,
            summary: "True when a file or directory exists at path (e.g. to use a data set only when installed).",
            parameters: [.required("path", "a file or directory path")],
            example: "exists(\"/usr/share/datasets/fashion-mnist\")",
            body: { a, _ in .bool(FileManager.default.fileExists(atPath: try a.string("path"))) }),
        Builtin(
            name: "vars", group: .session,
            summary: "Lists the session's variables with their kinds and shapes.",
            parameters: [],
            example: "vars()",
            body: { _, i in
                let names = i.globals.allNames
                guard !names.isEmpty else { i.emit("no variables"); return .none }
                let width = names.map(\.count).max() ?? 0
                let lines = names.map { name -> String in
                    let v = i.globals.lookup(name) ?? .none
                    let what: String
                    switch v {
                    case .tensor(let t): what = "tensor \(Shape.describe(t.shape)) f32\(t.isConstant ? "" : " requires grad")"
                    case .function(let f): what = "fn \(f.signature)"
                    case .list, .string, .number, .bool, .none: what = "\(v.typeName) \(i.display(v, quoted: true).prefix(60))"
                    case .object(let o as ModelObject):
                        what = "\(o.typeName) \(o.module.signature), \(Shape.grouped(o.module.parameterCount())) params"
                    case .object(let o as DatasetObject): what = o.describe(i.session.printOptions)
                    case .object(let o): what = o.typeName
                    }
                    return name + String(repeating: " ", count: width - name.count) + "  " + what
                }
                i.emit(lines.joined(separator: "\n"))
                return .none
            }),
        Builtin(
            name: "help", group: .session,
            summary: "help() lists every builtin; help(name) explains one (help(conv) or help(\"conv\")); help(\"syntax\") the language.",
            parameters: [.optional("name", "a function, or its name as a string")],
            example: "help(conv)",
            body: { a, i in
                switch a["name"] {
                case .none: i.emit(overview(width: i.session.presentation.width))
                case .function(let f):
                    if case .builtin(let b) = f.kind { i.emit(help(b, width: i.session.presentation.width)) } else { i.emit("fn \(f.signature)\n  a function defined in this session") }
                case .string(let s):
                    if let b = byName[s] { i.emit(help(b, width: i.session.presentation.width)) }
                    else if s == "syntax" || TokenKind.keywords[s] != nil { i.emit(syntaxHelp) }
                    else {
                        let near = Completion.nearest(s, among: all.map(\.name)).map { " (did you mean '\($0)'?)" } ?? ""
                        throw RuntimeError("help: no builtin named \(Value.quote(s))\(near); help() lists them all", at: a.pos("name"))
                    }
                case .tensor(let t) where t.isConstant:
                    i.emit("a tensor \(Shape.describe(t.shape)) f32; members: \(Interpreter.tensorMembers.joined(separator: ", "))")
                case .tensor(let t):
                    i.emit("a tensor \(Shape.describe(t.shape)) f32 that requires grad; members: \((Interpreter.tensorMembers + Interpreter.gradMembers).joined(separator: ", "))")
                case .object(let o):
                    i.emit("a \(o.typeName); members: \(o.memberNames.joined(separator: ", "))")
                default:
                    i.emit("\(a["name"].brief) is a \(a["name"].typeName)")
                }
                return .none
            }),
        Builtin(
            name: "timeit", group: .session,
            summary: "Times an expression (evaluated again on every run): median and best of n runs; without n: enough runs for about 0.2 s.",
            parameters: [Parameter(name: "expr", passing: .positional, defaultValue: nil, defaultText: "",
                                   doc: "the expression to time (or a function of no arguments)", lazy: true),
                         .labeled("n", .none, shown: "auto", "the number of timed runs")],
            example: "timeit(matmul(ones(64, 64), ones(64, 64)), n:5)",
            body: { a, i in
                let n = try a.optionalInt("n")
                if let n, n < 1 { throw a.fail("n", "a positive integer", got: a["n"]) }
                var target = a["expr"]
                var label = "expr"
                if case .function(let f) = target { label = f.name }
                // The warm-up run; when the expression is itself a function, time calling that.
                let first = try i.callPositional(target, [], at: a.callPos)
                if case .function(let f) = first, f.parameters.allSatisfy({ $0.defaultValue != nil && $0.passing != .variadic }) {
                    target = first
                    label = f.name
                    _ = try i.callPositional(target, [], at: a.callPos)
                }
                var timing = Timing(loops: 1)
                var total = 0.0
                while true {
                    try i.session.checkCancel()
                    total += try timing.measure { _ = try i.callPositional(target, [], at: a.callPos) }
                    let runs = timing.perLoop.count
                    if let n { if runs >= n { break } } else if total >= 0.2 || runs >= 1000 { break }
                }
                i.emit("\(label): " + timing.medianReport)
                return .none
            }),
        Builtin(
            name: "seed", group: .session,
            summary: "Restarts the session's random generator from seed n, so the draws that follow repeat.",
            parameters: [.required("n", "an integer")],
            example: "seed(0); rand(2)",
            body: { a, i in
                i.session.rng = RandomSource(seed: UInt64(bitPattern: Int64(try a.int("n"))))
                return .none
            }),
        Builtin(
            name: "printopts", group: .session,
            summary: "Sets how tensors print (PyTorch's knobs); with no arguments shows the current settings.",
            parameters: [.labeled("precision", .none, shown: "4", "digits after the decimal point (0…16)"),
                         .labeled("threshold", .none, shown: "1000", "summarise tensors with more elements than this"),
                         .labeled("edgeitems", .none, shown: "3", "items shown at each end of a summarised axis"),
                         .labeled("linewidth", .none, shown: "80", "characters per line")],
            example: "printopts(precision:2)",
            body: { a, i in
                var o = i.session.printOptions
                func setting(_ name: String, _ range: ClosedRange<Int>) throws -> Int? {
                    guard let v = try a.optionalInt(name) else { return nil }
                    guard range.contains(v) else { throw a.fail(name, "an integer in \(range.lowerBound)…\(range.upperBound)", got: a[name]) }
                    return v
                }
                var changed = false
                if let v = try setting("precision", 0...16) { o.precision = v; changed = true }
                if let v = try setting("threshold", 0...Shape.maxElements) { o.threshold = v; changed = true }
                if let v = try setting("edgeitems", 1...1000) { o.edgeitems = v; changed = true }
                if let v = try setting("linewidth", 20...10_000) { o.linewidth = v; changed = true }
                i.session.printOptions = o
                if !changed {
                    i.emit("printopts(precision:\(o.precision), threshold:\(o.threshold), edgeitems:\(o.edgeitems), linewidth:\(o.linewidth))")
                }
                return .none
            }),
    ]

    static let syntaxHelp = """
    x = expr                 assignment (prints nothing); a, b = list unpacks
    expr                     prints its value in the shell; a trailing ; silences it; _ is the last value
    f(x, y, label: v)        positional arguments first, then labeled ones
    x |> f(y)                the same as f(x, y); x |> f is f(x)
    + - * / ** @             arithmetic (tensors broadcast like NumPy), @ is matmul
    == != < <= > >=          comparisons; and or not (also && || !)
    [1, 2], [[1, 2], [3, 4]] bracketed numbers make a tensor; other items make a list
    x[0, :, 1:3, ::-1, -1]   indexing and slicing; x.shape, x.rank, x.size, x.T members
    fn f(a, b = 2) = a * b   a function; fn f(a) { stmts } returns its last expression; fn(a) = … is anonymous
    for i in range(3) { … }  loops over a list, range or a tensor's first axis
    if c { … } else if d { … } else { … }
    no_grad { … }            runs without recording gradients; its value is the block's: p = no_grad { model(x) }
    model(x), x |> model     a layer or model is called like a function; model[0], model.fc, model.weight
    # comment                to the end of the line
    """
}
