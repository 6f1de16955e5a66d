@testable import CNNScript
import CNNKit
import Testing

@Suite struct InterpreterTests {
    @Test(arguments: [
        ("1 + 2 * 3", "7"), ("7 / 2", "3.5"), ("2 ** 10", "1024"), ("-2 ** 2", "-4"), ("2 ** -1", "0.5"),
        ("1e-3", "0.001"), ("0.1 + 0.2", "0.30000000000000004"), ("1 / 0", "inf"), ("-(3)", "-3"),
        ("3 > 2", "true"), ("3 == 3.0", "true"), ("1 != 1", "false"), ("2 <= 1 or 1 < 2", "true"),
        ("not true", "false"), ("!false && true", "true"), ("\"ab\" + \"cd\"", "\"abcd\""), ("\"a\" < \"b\"", "true"),
        ("\"q\\\"\\n\"", "\"q\\\"\\n\""), ("none == none", "true"), ("[1, \"a\"] == [1, \"a\"]", "true"),
        ("[1, \"a\", none, true]", "[1, \"a\", none, true]"), ("[\"a\"] + [\"b\"]", "[\"a\", \"b\"]"),
        ("len([1, \"x\", 3])", "3"), ("len(\"hello\")", "5"), ("str(2.5) + \"!\"", "\"2.5!\""), ("number(\"4\") * 2", "8"),
        ("type(\"s\")", "\"string\""), ("type([1, 2])", "\"tensor\""), ("type([1, \"a\"])", "\"list\""),
        ("range(4)", "[0, 1, 2, 3]"), ("range(2, 8, 3)", "[2, 5]"), ("range(5, 0, -2)", "[5, 3, 1]"), ("range(0)", "[]"),
        ("[\"a\", \"b\", \"c\"][-1]", "\"c\""), ("[\"a\", \"b\", \"c\"][::-1]", "[\"c\", \"b\", \"a\"]"),
        ("[\"a\", \"b\", \"c\"][1:]", "[\"b\", \"c\"]"), ("abs(-3)", "3"), ("sqrt(16)", "4"), ("exp(0)", "1"),
        ("pi > 3.14 and pi < 3.15", "true"), ("[1, 2, 3].shape", "[3]"), ("[[1, 2, 3], [4, 5, 6]].shape", "[2, 3]"),
        ("[[1, 2], [3, 4]].rank", "2"), ("[[1, 2], [3, 4]].size", "4"), ("shape([[[1], [2]]])", "[1, 2, 1]"),
        ("tensor(5).shape", "[]"), ("[].shape", "(error)"),
    ])
    func expressionValues(_ source: String, _ expected: String) {
        let r = run(source, echo: .last)
        if expected == "(error)" {
            #expect(r.error != nil)
        } else {
            #expect(r.error == nil, "\(r.error?.rendered ?? "")")
            #expect(r.output == expected + "\n", "\(source)")
        }
    }

    @Test func echoModes() {
        let src = "1\nx = 2\nx + 1\n\"s\""
        #expect(run(src, echo: .all).lines == ["1", "3", "\"s\""])
        #expect(run(src, echo: .last).lines == ["\"s\""])
        #expect(run(src, echo: .none).lines == [])
        // The last statement echoes under .last only when it is an expression.
        #expect(run("1\nx = 2", echo: .last).lines == [])
    }

    @Test func semicolonSilences() {
        #expect(run("1; 2\n3;\n4").lines == ["2", "4"])
        #expect(run("x = 5; x;").lines == [])
        #expect(run("5;", echo: .last).lines == [])
    }

    @Test func underscoreIsTheLastPrintedValue() {
        let s = Session(output: { _ in })
        #expect(run("6 * 7", session: s).lines == ["42"])
        #expect(run("_ + 1", session: s).lines == ["43"])
        // A silenced value and an assignment leave `_` alone.
        #expect(run("100;\ny = 5\n_", session: s).lines == ["43"])
    }

    @Test func printShowsStringsRawAndValuesQuotedInLists() {
        #expect(run("print(\"a\", 1, 0.25, true, none, [\"b\", 2])").lines == ["a 1 0.25 true none [\"b\", 2]"])
        #expect(run("print()").lines == [""])
        #expect(run("print(\"tab\\there\")").output == "tab\there\n")
    }

    @Test func functions() {
        #expect(echo("fn sq(v) = v * v\nsq(7)") == "49")
        #expect(run("fn f(a, b = 10) = a + b\nprint(f(1), f(1, 2), f(1, b: 3), f(b: 4, a: 1))").lines == ["11 3 4 5"])
        #expect(echo("fn g(v) {\n  w = v + 1\n  w * 2\n}\ng(4)") == "10")
        // The value of a block body is its last expression; a trailing `;` discards it.
        #expect(run("fn h(v) { v * 2; }\nh(4)", echo: .last).lines == [])
        // Locals do not leak; globals are visible; closures see the scope they were made in.
        #expect(run("k = 3\nfn f(v) { t = v * k\n t }\nf(2)\nprint(f(5), k)").lines == ["6", "15 3"])
        #expect(run("fn f(v) { t = v }\nf(1)\nt").error?.message.contains("unknown name 't'") == true)
        #expect(echo("fn adder(n) = fn(v) = v + n\nadd2 = adder(2)\nadd2(5)") == "7")
        #expect(echo("fn fact(n) { if n <= 1 { r = 1 } else { r = n * fact(n - 1) }\n r }\nfact(10)") == "3628800")
        #expect(echo("apply = fn(f, v) = f(v)\napply(fn(x) = x * 3, 4)") == "12")
        #expect(echo("fn f(a) = a\n f") == "<fn f(a)>")
        // An `if` that ends a body gives the value of the branch taken; a loop gives none.
        #expect(run("fn sign(v) { if v < 0 { -1 } else if v == 0 { 0 } else { 1 } }\nprint(sign(-5), sign(0), sign(3))").lines == ["-1 0 1"])
        #expect(run("fn f(v) { if v { 1 } }\nprint(f(false))").lines == ["none"])
        #expect(run("fn f() { for i in range(2) { i } }\nprint(f())").lines == ["none"])
    }

    @Test func blockLambdasSpanLinesInsideArguments() {
        let src = "fn apply(f, v) = f(v)\nr = apply(fn(v) {\n  w = v * 2\n  w + 1\n}, 3)\nprint(r)"
        #expect(run(src).lines == ["7"])
        #expect(isIncomplete("apply(fn(v) {\n  w = v * 2"))
        #expect(!isIncomplete("apply(fn(v) {\n  w = v * 2\n}, 3)"))
    }

    @Test func pipes() {
        #expect(echo("fn add(a, b) = a + b\nfn dbl(a) = 2 * a\n3 |> add(4) |> dbl") == "14")
        #expect(echo("\"x\" |> len") == "1")
    }

    @Test func loopsAndConditions() {
        #expect(run("for i in range(3) { print(i * 10) }").lines == ["0", "10", "20"])
        #expect(run("for s in [\"a\", \"b\"] { print(s) }").lines == ["a", "b"])
        #expect(run("for row in [[1, 2], [3, 4], [5, 6]] { print(row.shape) }").lines == ["[2]", "[2]", "[2]"])
        #expect(run("total = 0\nfor i in range(5) { total = total + i }\ntotal").lines == ["10"])
        #expect(run("x = 5\nif x > 3 { print(\"big\") } else { print(\"small\") }").lines == ["big"])
        #expect(run("x = 2\nif x > 3 { print(1) } else if x > 1 { print(2) } else { print(3) }").lines == ["2"])
        #expect(run("if 0 { print(1) }\nif \"\" { print(2) }\nif [5] { print(3) }").lines == ["3"])
        #expect(run("for i in range(3) {\n  if i == 1 { print(\"one\") }\n}").lines == ["one"])
        #expect(run("no_grad { v = 2 }\nv").lines == ["2"])
    }

    @Test func unpackingAndAssignment() {
        #expect(echo("a, b = [\"x\", 2]\n[b, a]") == "[2, \"x\"]")
        #expect(echo("h, w = [[1, 2, 3], [4, 5, 6]].shape\nh * w") == "6")
        #expect(echo("l = [1, \"a\", 3]\nl[1] = \"b\"\nl") == "[1, \"b\", 3]")
        #expect(echo("l = [[1, \"a\"], \"z\"]\nl[0][1] = \"q\"\nl") == "[[1, \"q\"], \"z\"]")
    }

    @Test func tensorElementAssignment() {
        let s = Session(output: { _ in })
        let r = run("t = [[1, 2], [3, 4]]\nt[0, 1] = 9\nu = t\nt[1] = [7, 8]\nt[-2] = 0", session: s)
        #expect(r.error == nil, "\(r.error?.rendered ?? "")")
        guard let t = s.globals.lookup("t")?.tensorValue, let u = s.globals.lookup("u")?.tensorValue else {
            Issue.record("not tensors"); return
        }
        #expect(t.scalars == [0, 0, 7, 8])
        // Values do not alias: u kept the state at its assignment.
        #expect(u.scalars == [1, 9, 3, 4])
        expectError("t = [[1, 2], [3, 4]]\nt[2, 0] = 1", 2, 3, "index 2 is out of range for axis 0 of size 2")
        expectError("t = [[1, 2], [3, 4]]\nt[0:1] = 1", 2, 2, "slices cannot be assigned")
        expectError("t = [[1, 2], [3, 4]]\nt[0] = [1, 2, 3]", 2, 2, "cannot store a tensor 3 into a tensor slot of shape 2")
        expectError("t = [1, 2]\nt[0, 0] = 1", 2, 2, "2 indices given for a tensor of rank 1")
    }

    @Test func argsHoldTheScriptArguments() {
        #expect(run("args", echo: .last, args: ["one", "2"]).lines == ["[\"one\", \"2\"]"])
        #expect(run("len(args)", echo: .last).lines == ["0"])
    }

    @Test func bracketedNumbersMakeTensorsAndVariablesStayListItems() throws {
        let s = Session(output: { _ in })
        _ = run("t = [[1, 2, 3], [4, 5, 6]]\nu = [t, t]\nn = [1, -2.5, 3e2]", session: s)
        guard let t = s.globals.lookup("t")?.tensorValue else { Issue.record("t is not a tensor"); return }
        #expect(t.shape == [2, 3])
        #expect(t.scalars == [1, 2, 3, 4, 5, 6])
        guard case .list(let u)? = s.globals.lookup("u") else { Issue.record("u is not a list"); return }
        #expect(u.count == 2)
        guard let n = s.globals.lookup("n")?.tensorValue else { Issue.record("n is not a tensor"); return }
        #expect(n.scalars == [1, -2.5, 300])
    }

    @Test func variablesPersistAcrossRunsOfASession() {
        let s = Session(output: { _ in })
        _ = run("fn f(v) = v + base\nbase = 10", session: s)
        #expect(run("f(5)", session: s).lines == ["15"])
    }

    @Test func cancellationStopsALoop() {
        // The session's cancel check is replaced, so this test never raises the process-wide flag that
        // engine tests running in parallel would see.
        let s = Session(output: { _ in })
        var out = ""
        var cancelled = false
        s.checkCancel = { if cancelled { throw CancelledError() } }
        s.output = { text in
            out += text
            if out.count > 3 { cancelled = true }
        }
        #expect(throws: CancelledError.self) {
            try s.run("for i in range(1000000) { print(i) }", file: "t")
        }
        #expect(out.split(separator: "\n").count < 10)
        // The default check is the engine's flag.
        let fresh = Session(output: { _ in })
        #expect(throws: Never.self) { try fresh.checkCancel() }
    }

    @Test func printoptsAndSeed() {
        let s = Session(output: { _ in })
        #expect(run("printopts()", session: s).lines == ["printopts(precision:4, threshold:1000, edgeitems:3, linewidth:80)"])
        _ = run("printopts(precision:2, linewidth:100)", session: s)
        #expect(s.printOptions.precision == 2 && s.printOptions.linewidth == 100 && s.printOptions.threshold == 1000)
        #expect(run("printopts(precision:-1)", session: s).error?.message == "printopts: precision: expected an integer in 0…16, got -1")
        #expect(run("seed(3)", session: s).error == nil)
    }

    @Test func helpAndVars() {
        let h = run("help(conv)").output
        #expect(h.hasPrefix("conv(x, w, b?, stride: 1, pad: 0, dilation: 1, groups: 1)\n"))
        #expect(h.contains("cross-correlation"))
        #expect(run("help(\"maxpool\")").output.contains("stride: k"))
        #expect(run("help()").output.contains("CNN ops"))
        #expect(run("help(\"syntax\")").output.contains("|>"))
        #expect(run("help(\"for\")").output.contains("for i in range(3)"))
        #expect(run("help(\"convv\")").error?.message == "help: no builtin named \"convv\" (did you mean 'conv'?); help() lists them all")
        #expect(run("b = 2\na = \"s\"\nvars()").lines == ["a  string \"s\"", "b  number 2"])
    }

    @Test func timeitRunsTheExpressionAgainEachTime() {
        let r = run("fn tick() = 1 + 1\ntimeit(tick(), n:4)")
        #expect(r.error == nil, "\(r.error?.rendered ?? "")")
        #expect(r.lines.first?.hasPrefix("tick(…): median ") == true)
        #expect(r.lines.first?.hasSuffix("over 4 runs") == true)
        // One warm-up run, then the four timed ones.
        #expect(run("fn tick() = print(\"t\")\ntimeit(tick(), n:4)").lines.filter { $0 == "t" }.count == 5)
        #expect(run("timeit(fn() = 1 + 1, n:3)").lines.first?.contains("over 3 runs") == true)
    }
}
