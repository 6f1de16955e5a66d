@testable import CNNScript
import Testing

/// Malformed programs: each must fail at the exact line:column with the expected message.
@Suite struct ErrorTests {
    @Test(arguments: [
        // Syntax errors
        ("x = 1 +* 2", 1, 8, "expected an expression, found '*'"),
        ("f(a: 1, 2)", 1, 9, "positional argument after labeled argument 'a:'"),
        ("f(1]", 1, 4, "']' does not match '(' opened at 1:2"),
        ("x)", 1, 2, "unmatched ')'"),
        ("y = 3\nz = $", 2, 5, "unexpected character '$'"),
        ("print(\"abc", 1, 7, "unterminated string"),
        ("1 2", 1, 3, "expected a new line or ';' after the statement, found number 2"),
        ("else { }", 1, 1, "'else' without a matching 'if'"),
        ("for in range(3) { }", 1, 5, "expected a loop variable after 'for'"),
        ("for i range(3) { }", 1, 7, "expected 'in' after the loop variable"),
        ("if x > 1 print(x)", 1, 10, "expected '{', found 'print'"),
        ("fn f(a, a) = a", 1, 9, "parameter 'a' appears twice"),
        ("fn f(a = 1, b) = a", 1, 13, "parameter 'b' needs a default value"),
        ("3 = x", 1, 1, "cannot assign to this expression"),
        ("f(x, stride: 1, stride: 2)", 1, 17, "label 'stride:' is given twice"),
        ("x = [1, 2", 1, 10, "'[' opened at 1:5 is not closed"),
        ("\"\\q\"", 1, 2, "unknown escape '\\q'"),
        ("x[]", 1, 3, "expected an expression, found ']'"),
        ("print(x=1)", 1, 8, "labeled arguments are written with ':', as in x: value"),
        ("print(x + 1 = 2)", 1, 13, "expected ',' or ')' in the argument list, found '='"),
        ("x = 1\n\n  y = (2 +\n 3))", 4, 4, "unmatched ')'"),
        // Unknown names and calls
        ("y = undefined_name + 1", 1, 5, "unknown name 'undefined_name'"),
        ("lenn([1])", 1, 1, "unknown name 'lenn' (did you mean 'len'?)"),
        ("x = 1\nx(2)", 2, 1, "1 is a number, not a function"),
        ("range(1, 2, 3, 4)", 1, 16, "range: takes 3 positional arguments (start, end, step), got 4"),
        ("conv(1, 2, strid: 2)", 1, 12, "conv: unknown label 'strid:', did you mean 'stride:'? (valid labels: x:, w:, b:, stride:, pad:, dilation:, groups:)"),
        ("conv(\"img\")", 1, 1, "conv: missing argument 'w' — conv(x, w, b?, stride: 1, pad: 0, dilation: 1, groups: 1)"),
        ("help(1, 2)", 1, 9, "help: takes 1 positional argument (name), got 2"),
        ("fn f(a) = a\nf(1, 2)", 2, 6, "f: takes 1 positional argument (a), got 2"),
        ("fn f(a) = a\nf(b: 2)", 2, 3, "f: unknown label 'b:' (valid labels: a:)"),
        ("relu(1, slope: 2)", 1, 9, "relu: unknown label 'slope:' (valid labels: x:)"),
        // Wrong argument values
        ("conv(1, 2, stride: \"x\")", 1, 12, "conv: stride: expected a positive integer or [sh, sw], got \"x\""),
        ("conv(1, 2, dilation: 0)", 1, 12, "conv: dilation: expected a positive integer or [dh, dw], got 0"),
        ("maxpool(1, 2, pad: [1, 2, 3])", 1, 15, "maxpool: pad: expected p, [ph, pw], [top, left, bottom, right], \"same\" or \"valid\""),
        ("relu(\"abc\")", 1, 6, "relu: x: expected a tensor, got \"abc\""),
        ("range(2.5)", 1, 7, "range: start: expected an integer, got 2.5"),
        ("printopts(precision: 99)", 1, 11, "printopts: precision: expected an integer in 0…16, got 99"),
        ("kernel(\"box\", size: 0)", 1, 15, "kernel: size: expected a positive integer, got 0"),
        ("dropout(1, p: 1.5)", 1, 12, "dropout: p: expected a probability in [0, 1), got 1.5"),
        ("convolve(1, 2, mode: \"circular\")", 1, 16, "convolve: mode: expected one of \"full\", \"same\", \"valid\", got \"circular\""),
        ("load(\"model.pt\")", 1, 1, "load: cannot load \".pt\" files (supported: .npy"),
        ("load(\"w.safetensors\")", 1, 1, "load: cannot read \"w.safetensors\": No such file or directory"),
        ("load(\"model.onnx\")", 1, 1, "load: cannot read \"model.onnx\": No such file or directory"),
        ("save(1, \"x.txt\")", 1, 1, "save: cannot save \".txt\" files (supported: .npy"),
        ("load(\"/nonexistent/dir/w.npy\")", 1, 1, "load: cannot read \"/nonexistent/dir/w.npy\": No such file or directory"),
        // Runtime errors of the language itself
        ("a, b = [\"x\", \"y\", \"z\"]", 1, 6, "cannot unpack 3 values into 2 names"),
        ("if [1, 2] { }", 1, 4, "the truth of a tensor 2 is ambiguous"),
        ("\"a\" - 1", 1, 5, "'-' cannot combine \"a\" (string) and 1 (number)"),
        ("l = [\"a\"]\nl[3]", 2, 3, "index 3 is out of range for a list of 1 value"),
        ("fn f(n) = f(n + 1)\nf(0)", 1, 11, "f: calls nested too deeply"),
        ("x = 5\nx.shape", 2, 3, "5 has no member 'shape'"),
        ("[1, 2].shap", 1, 8, "a tensor has no member 'shap' (members: shape, rank, ndim, size, T, dtype, grad, requires_grad, is_leaf, data)"),
        ("[[1, 2], [3]]", 1, 1, "tensor: item 1 has shape 1 but item 0 has 2; nested lists must be rectangular"),
        ("for i in 5 { }", 1, 10, "for: cannot loop over 5"),
        ("_ = 3", 1, 1, "'_' holds the last printed value and cannot be assigned"),
        ("fn g(v) = v + \"s\"\ng(1)", 1, 13, "'+' cannot combine 1 (number) and \"s\" (string)"),
        ("x = 1\nx.foo = 2", 2, 3, "cannot assign to member 'foo' of 1"),
        ("\"s\"[0] = 1", 1, 4, "cannot assign into elements of \"s\""),
        ("2 @ 3", 1, 3, "'@' multiplies matrices: both sides must be tensors"),
        ("range(1, 5, 0)", 1, 13, "range: step: expected a non-zero integer, got 0"),
        ("l = [\"a\", \"b\"]\nl[0.5]", 2, 3, "a list index must be an integer, got 0.5"),
    ] as [(String, Int, Int, String)])
    func malformed(_ source: String, _ line: Int, _ column: Int, _ message: String) {
        expectError(source, line, column, message)
    }

    @Test func renderedErrorShowsTheLineAndACaret() {
        let e = run("x = 1\ny = x +* 2", file: "prog.cnns").error
        #expect(e?.rendered == "prog.cnns:2:8: error: expected an expression, found '*'\ny = x +* 2\n       ^")
    }

    @Test func errorsInsideAFunctionFromAnEarlierChunkShowItsSource() {
        let s = Session(output: { _ in })
        _ = run("fn g(v) = v + \"s\"", file: "lib.cnns", session: s)
        let e = run("\ng(1)", file: "main.cnns", session: s).error
        #expect(e?.file == "lib.cnns")
        #expect(e?.line == 1 && e?.column == 13)
        #expect(e?.sourceLine == "fn g(v) = v + \"s\"")
    }

    @Test func firstLineOffsetsPositions() throws {
        let s = Session(output: { _ in })
        do {
            try s.run("x = 1\ny = nope", file: "<stdin>", firstLine: 41)
            Issue.record("expected an error")
        } catch let e as ScriptError {
            #expect(e.description == "<stdin>:42:5: error: unknown name 'nope'")
            #expect(e.sourceLine == "y = nope")
        }
    }

    @Test func anErrorStopsTheRunButKeepsEarlierWork() {
        let s = Session(output: { _ in })
        let r = run("a = 1\nprint(\"before\")\nb = nope\nprint(\"after\")", session: s)
        #expect(r.lines == ["before"])
        #expect(r.error?.line == 3)
        #expect(run("a", session: s).lines == ["1"])
    }

    @Test func assignmentInAFunctionDoesNotTouchGlobals() {
        #expect(run("x = 1\nfn f() { x = 2\n x }\nprint(f(), x)").lines == ["2 1"])
    }
}

@Suite struct LimitTests {
    @Test func deepRecursionThroughBlocksIsRefused() {
        let r = run("fn f(n) {\n  if n > 0 { r = f(n - 1) } else { r = 0 }\n  r\n}\nf(100000)")
        #expect(r.error?.message.contains("calls nested too deeply") == true)
        #expect(run("fn f(n) {\n  if n > 0 { r = f(n - 1) } else { r = 0 }\n  r\n}\nf(150)", echo: .last).lines == ["0"])
    }

    @Test func longLoopsRunInReasonableTime() {
        let r = run("s = 0\nfor i in range(20000) { s = s + i }\ns", echo: .last)
        #expect(r.lines == ["199990000"])
    }

    @Test func hugeRangesAreRefused() {
        #expect(run("range(1e12)").error?.message == "range: 1000000000000 values is more than the limit of 10000000")
    }
}

@Suite struct NestingTests {
    @Test func listsBuiltInALoopCannotNestWithoutBound() {
        let r = run("l = [\"x\"]\nfor i in range(1000) { l = [l, \"y\"] }")
        #expect(r.error?.message == "lists nested more than 100 deep are not supported")
        #expect(r.error?.line == 2 && r.error?.column == 28)
        let r2 = run("l = [\"x\", \"y\"]\nfor i in range(1000) { l[0] = l }")
        #expect(r2.error?.message == "lists nested more than 100 deep are not supported")
        #expect(run("l = [\"x\"]\nfor i in range(50) { l = [l, \"y\"] }\nprint(len(l))").lines == ["2"])
    }
}
