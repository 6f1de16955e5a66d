@testable import CNNScript
import Testing

/// A Lisp-like rendering of the tree, so precedence and desugaring can be checked as text.
func sexpr(_ e: Expr) -> String {
    switch e.kind {
    case .number(let n): return Value.formatNumber(n)
    case .string(let s): return Value.quote(s)
    case .bool(let b): return b ? "true" : "false"
    case .none: return "none"
    case .name(let n): return n
    case .list(let items): return "[" + items.map(sexpr).joined(separator: " ") + "]"
    case .negate(let x): return "(neg \(sexpr(x)))"
    case .plus(let x): return "(pos \(sexpr(x)))"
    case .not(let x): return "(not \(sexpr(x)))"
    case .binary(let op, let a, let b): return "(\(op.rawValue) \(sexpr(a)) \(sexpr(b)))"
    case .logical(let op, let a, let b): return "(\(op.rawValue) \(sexpr(a)) \(sexpr(b)))"
    case .call(let f, let args):
        let parts = args.map { ($0.label.map { "\($0):" } ?? "") + sexpr($0.value) }
        return "(call \(sexpr(f))" + parts.map { " " + $0 }.joined() + ")"
    case .index(let b, let items):
        let parts = items.map { item -> String in
            switch item {
            case .single(let x): return sexpr(x)
            case .slice(let a, let b, let c): return "\(a.map(sexpr) ?? ""):\(b.map(sexpr) ?? ""):\(c.map(sexpr) ?? "")"
            }
        }
        return "(idx \(sexpr(b)) \(parts.joined(separator: " ")))"
    case .member(let b, let n): return "(. \(sexpr(b)) \(n))"
    case .function(let d): return "(fn \(d.params.map(\.name).joined(separator: " ")))"
    case .noGrad(let body): return "(no_grad \(body.count))"
    }
}

@Suite struct ParserTests {
    private func parse(_ s: String) throws -> String {
        let stmts = try Parser.parse(s)
        guard stmts.count == 1, case .expression(let e) = stmts[0].kind else { return "not one expression" }
        return sexpr(e)
    }

    @Test(arguments: [
        ("1 + 2 * 3", "(+ 1 (* 2 3))"),
        ("1 - 2 - 3", "(- (- 1 2) 3)"),
        ("a * b @ c / d", "(/ (@ (* a b) c) d)"),
        ("2 ** 3 ** 2", "(** 2 (** 3 2))"),
        ("-2 ** 2", "(neg (** 2 2))"),
        ("2 ** -1", "(** 2 (neg 1))"),
        ("-a * b", "(* (neg a) b)"),
        ("a + b == c * d", "(== (+ a b) (* c d))"),
        ("a < b and c >= d or not e", "(or (and (< a b) (>= c d)) (not e))"),
        ("a && b || !c", "(or (and a b) (not c))"),
        ("not a == b", "(not (== a b))"),
        ("x |> f", "(call f x)"),
        ("x |> f(2) |> g", "(call g (call f x 2))"),
        ("x |> conv(k, stride: 2)", "(call conv x k stride:2)"),
        ("a + b |> f", "(call f (+ a b))"),
        ("x |> f(1)(2)", "(call (call f 1) x 2)"),
        ("f(1, 2, pad: \"same\", stride: [2, 2])", "(call f 1 2 pad:\"same\" stride:[2 2])"),
        ("x[0, :, 1:3, ::-1, -1]", "(idx x 0 :: 1:3: ::(neg 1) (neg 1))"),
        ("m.layers[0].weight", "(. (idx (. m layers) 0) weight)"),
        ("f(x).shape[1]", "(idx (. (call f x) shape) 1)"),
        ("[[1, 2], [3, 4]]", "[[1 2] [3 4]]"),
        ("(1 + 2) * 3", "(* (+ 1 2) 3)"),
        ("fn(a, b) = a + b", "(fn a b)"),
        ("1 +\n 2", "(+ 1 2)"),
        ("x\n  |> relu", "(call relu x)"),
        ("f(\n 1,\n 2,\n)", "(call f 1 2)"),
        ("true and none", "(and true none)"),
    ])
    func precedenceAndDesugaring(_ source: String, _ expected: String) throws {
        #expect(try parse(source) == expected)
    }

    @Test func statements() throws {
        let stmts = try Parser.parse("""
        x = 1; y = 2
        a, b = f()
        m.fc = g(1)
        l[0] = 3
        fn sq(v) = v * v
        fn body(v) {
          w = v + 1
          w * 2
        }
        for i in range(3) { print(i) }
        if a { 1 } else if b { 2 } else { 3 }
        no_grad { z = 1 }
        x;
        """)
        let kinds = stmts.map { s -> String in
            switch s.kind {
            case .assign(let t, _):
                switch t {
                case .name: return "assign-name"
                case .member: return "assign-member"
                case .index: return "assign-index"
                }
            case .unpack(let ts, _): return "unpack\(ts.count)"
            case .function(let d): return "fn-\(d.name ?? "")"
            case .forLoop: return "for"
            case .ifChain(let branches, let e): return "if\(branches.count)\(e == nil ? "" : "+else")"
            case .expression(let e):
                if case .noGrad = e.kind { return "no_grad" }
                return s.silenced ? "expr;" : "expr"
            }
        }
        #expect(kinds == ["assign-name", "assign-name", "unpack2", "assign-member", "assign-index", "fn-sq", "fn-body",
                          "for", "if2+else", "no_grad", "expr;"])
        #expect(stmts[0].silenced)
    }

    @Test func elseMayStartTheNextLine() throws {
        let stmts = try Parser.parse("if a {\n 1\n}\nelse {\n 2\n}")
        guard case .ifChain(_, let e) = stmts[0].kind else { Issue.record("not an if"); return }
        #expect(e?.count == 1)
    }

    @Test(arguments: [
        "f(1, 2", "[1, 2", "fn (", "fn f(a) {", "for i in range(3) {", "\"open string", "x = 1 +", "x |>",
        "x = ", "if a > 0 { print(1) } else", "f(a,\n", "a and", "m.", "[[1, 2], [3,", "fn f(a) =", "x **",
    ])
    func incompleteInput(_ source: String) {
        #expect(isIncomplete(source), "\(source.debugDescription) should be incomplete")
    }

    @Test(arguments: [
        "f(1, 2)", "f(1, 2))", "x = 1 + * 2", "f(a: 1, 2)", "x = ]", "1 2", "else { }", "x = {", "x = 1\n", "", "# only a comment",
        "a $ b", "f(1]", "x[]",
    ])
    func completeOrWrongInputIsNotIncomplete(_ source: String) {
        #expect(!isIncomplete(source), "\(source.debugDescription) should not be incomplete")
    }

    @Test func deepNestingIsRefusedNotCrashed() {
        let deep = String(repeating: "(", count: 5000) + "1" + String(repeating: ")", count: 5000)
        #expect(throws: SyntaxError.self) { try Parser.parse(deep) }
        let minus = String(repeating: "-", count: 100_000) + "1"
        #expect(throws: SyntaxError.self) { try Parser.parse(minus) }
    }
}
