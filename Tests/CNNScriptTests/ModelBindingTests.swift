@testable import CNNScript
import CNNKit
import Testing

/// Layers, models and gradients through the language. The tests here run now: constructor checks
/// happen before the engine is called, and models are stand-ins (`ScaleLayer`, `PairLayer`) built on
/// the real autograd core. `ModelTrainingTests` covers what needs the engine's layers and training.
/// The suites whose results depend on gradients being recorded. `Autograd.noGrad` is process-wide (an
/// atomic depth in the engine), so a test inside no_grad (fit, evaluate, predict and no_grad blocks run
/// there) would switch recording off for a test running beside it: these run one at a time.
@Suite(.serialized) struct LearningTests {}

extension LearningTests {
    @Suite struct ModelBindingTests {
        /// A session holding `m = Pair(Scale(2), Scale(3))`, so m(x) = 6·x.
        private func pairSession() -> CapturingSession {
            let c = CapturingSession()
            c.session.globals.define("m", .object(ModelObject(PairLayer(ScaleLayer(2), ScaleLayer(3)))))
            return c
        }

        @Test(arguments: [
            ("Conv(0, 3, 3)", 6, "Conv: in: expected a positive integer, got 0"),
            ("Conv(1, -2, 3)", 9, "Conv: out: expected a positive integer, got -2"),
            ("Conv(1, 6, 0)", 12, "Conv: k: expected a positive integer or [kh, kw], got 0"),
            ("Conv(1, 6, [3, 3, 3])", 12, "Conv: k: expected a positive integer or [kh, kw], got a tensor 3"),
            ("Conv(4, 6, 3, groups:4)", 15, "Conv: groups: 4 must divide both in (4) and out (6)"),
            ("Conv(1, 6, 3, pad:-1)", 15, "Conv: pad: expected p, [ph, pw]"),
            ("Conv(1, 6, 3, stride:0)", 15, "Conv: stride: expected a positive integer or [sh, sw], got 0"),
            ("Dense(3, 0)", 10, "Dense: out: expected a positive integer, got 0"),
            ("Dense(2.5, 3)", 7, "Dense: in: expected a positive integer, got 2.5"),
            ("MaxPool(0)", 9, "MaxPool: k: expected a positive integer or [kh, kw], got 0"),
            ("AvgPool(2, pad:\"wide\")", 12, "AvgPool: pad: expected p, [ph, pw]"),
            ("BatchNorm(0)", 11, "BatchNorm: c: expected a positive integer, got 0"),
            ("BatchNorm(4, eps:0)", 14, "BatchNorm: eps: expected a positive number, got 0"),
            ("BatchNorm(4, momentum:2)", 14, "BatchNorm: momentum: expected a number in [0, 1], got 2"),
            ("Dropout(p:1)", 9, "Dropout: p: expected a probability in [0, 1), got 1"),
            ("Sequential(ReLU(), 3)", 20, "Sequential: layer 1 should be a layer or a model, got 3"),
            ("Residual(3)", 10, "Residual: block: expected a layer or a model, got 3"),
            ("resnet(50)", 8, "resnet: depth: expected 18 or 34, got 50"),
            ("lenet5(classes:0)", 8, "lenet5: classes: expected a positive integer, got 0"),
        ])
        func constructorErrorsNameTheConstructorAndArgument(_ source: String, _ column: Int, _ message: String) {
            CNNScriptTests.expectError(source, 1, column, message)
        }

        @Test func membersOfAModel() throws {
            let c = pairSession()
            #expect(c.run("m.type") == "\"Pair\"\n")
            #expect(c.run("type(m)") == "\"model\"\n")
            #expect(c.run("type(m.first)") == "\"layer\"\n")
            #expect(c.run("len(m)") == "2\n")
            #expect(c.run("len(m.layers)") == "2\n")
            #expect(c.run("m.first == m[0]") == "true\n")
            #expect(c.run("m[-1] == m.second") == "true\n")
            #expect(c.run("m.first.weight.requires_grad") == "true\n")
            #expect(c.run("number(m.second.weight)") == "3\n")
            #expect(c.run("m.first.calls.requires_grad") == "false\n")
            #expect(c.run("m.training") == "true\n")
            #expect(c.run("for layer in m { print(layer.type) }") == "Scale\nScale\n")
            let listing = c.run("ds = shapes(n:2)\nvars()")
            #expect(listing.contains("  dataset shapes: 2 images 1×28×28, 10 classes\n") && listing.contains("  model Pair, "))
            #expect(c.run("n = 0\nfor s in shapes(n:3) { n = n + s[1] * 0 + 1 }\nn") == "3\n")
            let r = run("m.nothing", session: c.session)
            #expect(r.error?.message == "a model has no member 'nothing' (members: layers, parameters, params, training, type, first, second)")
            #expect(run("m[2]", session: c.session).error?.message == "index 2 is out of range for a list of 2 values")
            #expect(run("m[0][0]", session: c.session).error?.message == "index 0 is out of range for a list of 0 values")
        }

        @Test func assigningParametersAndSubLayers() throws {
            let c = pairSession()
            c.run("w = m.first.weight\nm.first.weight = 5")
            // The parameter keeps its identity: a name bound to it earlier sees the new value.
            #expect(c.run("number(w)") == "5\n")
            #expect(c.run("number(m(1))") == "15\n")
            expectError(in: c, "m.first.weight = [1, 2]", 9, "Scale.weight: expected a tensor scalar (the parameter's shape), got 2")
            expectError(in: c, "m.first.weight = \"x\"", 9, "Scale.weight: expected a tensor scalar, got \"x\"")
            expectError(in: c, "m.training = 1", 3, "training: expected true or false, got 1")
            expectError(in: c, "m.params = 3", 3, "'params' of a model cannot be assigned")
            expectError(in: c, "m.first = 3", 3, "Pair.first: expected a layer or a model, got 3")
            expectError(in: c, "m.first.bias = 3", 9, "a Scale has no sub-layer or parameter 'bias' (it has: weight, calls)")
            expectError(in: c, "m[0] = m", 2, "cannot put a Pair inside itself")
            c.run("m.training = false")
            #expect(c.run("m.training") == "false\n")
        }

        @Test func aModelIsCallableAndPipeable() throws {
            let c = pairSession()
            #expect(c.run("y = m([1, 2])\ny.requires_grad\ny.data") == "true\ntensor 2 f32\n[ 6., 12.]\n")
            #expect(c.run("[1, 2] |> m |> detach") == "tensor 2 f32\n[ 6., 12.]\n")
            #expect(c.run("no_grad { m([1, 2]) }.requires_grad") == "false\n")
            expectError(in: c, "m(1, 2)", 6, "Pair: takes 1 positional argument (x), got 2")
        }

        @Test func backwardFillsGradOfParametersAndMarkedTensors() throws {
            let c = pairSession()
            // y = w2 · (w1 · x) with x = 4, w1 = 2, w2 = 3: dy/dx = 6, dy/dw1 = 12, dy/dw2 = 8.
            c.run("x = param(4)\nx.grad\ny = m(x)\nbackward(y)")
            #expect(c.run("number(x.grad)") == "6\n")
            #expect(c.run("number(m.first.weight.grad)") == "12\n")
            #expect(c.run("number(m.second.weight.grad)") == "8\n")
            // Gradients add up until cleared, as in PyTorch.
            c.run("backward(m(x))")
            #expect(c.run("number(x.grad)") == "12\n")
            c.run("zero_grad([x, m.first.weight])")
            #expect(c.run("x.grad") == "")
            #expect(c.run("m.first.weight.grad") == "")
            #expect(c.run("number(m.second.weight.grad)") == "16\n")
            c.run("m.second.weight.grad = none")
            #expect(c.run("m.second.weight.grad") == "")
            c.run("x.grad = 0.5")
            #expect(c.run("number(x.grad)") == "0.5\n")
            expectError(in: c, "x.grad = [1, 2]", 3, "grad: expected none or a tensor scalar (the tensor's shape), got a tensor 2")
        }

        @Test func noGradRecordsNothing() throws {
            let c = pairSession()
            c.run("x = param(4)\ny = no_grad { m(x) }\nno_grad { z = m(x) }")
            #expect(c.run("y.requires_grad") == "false\n")
            #expect(c.run("z.requires_grad") == "false\n")
            #expect(c.run("number(z)") == "24\n")
            expectError(in: c, "backward(y)", 10, "backward: the loss does not depend on any tensor that requires a gradient")
            // An error inside the block leaves gradients switched on again.
            #expect(run("no_grad { nothing }", session: c.session).error != nil)
            #expect(Autograd.isEnabled)
            #expect(c.run("m(x).requires_grad") == "true\n")
            // The statement form echoes its value in the shell.
            #expect(c.run("no_grad { number(m(1)) }") == "6\n")
        }

        @Test func trackedTensorsReadAsTensors() throws {
            let c = CapturingSession()
            c.run("w = param([1, 2, 3])")
            #expect(c.run("w") == "tensor 3 f32 requires grad\n[1., 2., 3.]\n")
            #expect(c.run("type(w)") == "\"tensor\"\n")
            #expect(c.run("w.shape") == "[3]\n")
            #expect(c.run("len(w)") == "3\n")
            #expect(c.run("w.is_leaf") == "true\n")
            #expect(c.run("detach(w).requires_grad") == "false\n")
            #expect(c.run("no_grad { w * 2 }") == "tensor 3 f32\n[2., 4., 6.]\n")
            #expect(c.run("[4, 5, 6].requires_grad") == "false\n")
            #expect(c.run("[4, 5, 6].grad") == "")
            c.run("w[0] = 7")
            #expect(c.run("detach(w)") == "tensor 3 f32\n[7., 2., 3.]\n")
            #expect(c.run("w.requires_grad") == "true\n")
            expectError(in: CapturingSession(), "backward(sum([1, 2]))", 10, "backward: the loss does not depend on any tensor that requires a gradient")
            expectError(in: CapturingSession(), "backward(\"loss\")", 10, "backward: loss: expected a tensor, got \"loss\"")
            expectError(in: CapturingSession(), "zero_grad([1, 2])", 11, "zero_grad: x: expected a model, a tensor made with param(x), or a list of them, got a tensor 2")
        }

        @Test func editingTheResultOfARecordedOpIsRefused() {
            let c = pairSession()
            c.run("y = m(param([1, 2]))")
            expectError(in: c, "y[0] = 1", 2, "cannot assign into the result of an op that records gradients")
        }

        @Test func summaryWalksTheTree() throws {
            let c = pairSession()
            let text = c.run("summary(m, input:[2, 3])")
            #expect(text == """
                ═════════════════════════════════════════════════════════════════
                Layer                 Output shape  Param #  Mult-adds  Trainable
                ─────────────────────────────────────────────────────────────────
                Pair                  2×3                 2          4        yes
                ├─first: Scale(2.0)   2×3                 1          2        yes
                └─second: Scale(3.0)  2×3                 1          2        yes
                ═════════════════════════════════════════════════════════════════
                Total params: 2
                Trainable params: 2
                Frozen params: 0
                Total mult-adds: 4; one mult-add is two FLOPs
                ─────────────────────────────────────────────────────────────────
                Input size:                     24 B
                Activations kept for backward:  72 B
                Params size:                     8 B
                Estimated total:               104 B
                ═════════════════════════════════════════════════════════════════

                """)
            #expect(c.run("m.first.weight.requires_grad") == "true\n")
        }

        @Test func trainingArgumentsAreCheckedBeforeTraining() {
            let c = pairSession()
            c.run("ds = shapes(n:4)")
            expectError(in: c, "fit(m, ds, schedule:\"linear\")", 12, "fit: schedule: expected \"constant\", \"step\", \"cosine\", step_lr(…) or cosine_lr(…), got \"linear\"")
            expectError(in: c, "fit(m, ds, opt:3)", 12, "fit: opt: expected an optimizer (SGD, Adam or AdamW), got 3")
            expectError(in: c, "fit(m, ds, epochs:0)", 12, "fit: epochs: expected a positive integer, got 0")
            expectError(in: c, "fit(m, ds, loss:\"hinge\")", 12, "fit: loss: expected one of \"cross_entropy\", \"nll\", \"mse\", got \"hinge\"")
            expectError(in: c, "fit(m, [1, 2, 3])", 8, "fit: data: expected a data set (or [x, y]), got a tensor 3")
            expectError(in: c, "evaluate(m, 5)", 13, "evaluate: data: expected a data set (or [x, y]), got 5")
            expectError(in: c, "step(3, m)", 6, "step: opt: expected an optimizer (SGD, Adam or AdamW), got 3")
            expectError(in: c, "SGD(lr:0)", 5, "SGD: lr: expected a positive number, got 0")
            expectError(in: c, "Adam(beta1:1)", 6, "Adam: beta1: expected a number in [0, 1), got 1")
            expectError(in: c, "step_lr(gamma:2)", 9, "step_lr: gamma: expected a number in (0, 1], got 2")
            #expect(c.run("step_lr(every:2, gamma:0.5)") == "schedule: step (lr × 0.5 every 2 epochs)\n")
            #expect(c.run("cosine_lr(epochs:10, min:0.001)") == "schedule: cosine (down to 0.001 over 10 epochs)\n")
            expectError(in: c, "cross_entropy(\"a\", [0])", 15, "cross_entropy: logits: expected a tensor, got \"a\"")
        }

        @Test func registryGroupsForTheNewBuiltins() {
            for name in ["Conv", "Dense", "Sequential", "Residual", "lenet5", "resnet", "train", "eval", "parameters"] {
                #expect(Builtins.byName[name]?.group == .layers, "\(name)")
            }
            for name in ["backward", "param", "zero_grad", "SGD", "Adam", "AdamW", "step", "cross_entropy", "nll", "mse",
                         "fit", "evaluate", "predict", "step_lr", "cosine_lr"] {
                #expect(Builtins.byName[name]?.group == .training, "\(name)")
            }
            for name in ["shapes", "mnist", "fashion_mnist", "split", "normalize", "dataset"] {
                #expect(Builtins.byName[name]?.group == .data, "\(name)")
            }
            #expect(Builtins.byName["Conv"]?.signature == "Conv(in, out, k, stride: 1, pad: 0, dilation: 1, groups: 1, bias: true)")
            #expect(Builtins.byName["fit"]?.signature == "fit(model, data, epochs: 1, batch: 32, opt: Adam(lr: 0.001), val:, shuffle: true, seed: from the session, schedule: constant, loss: \"cross_entropy\", verbose: true)")
            #expect(Builtins.overview().contains("Layers and models"))
        }

        private func expectError(in c: CapturingSession, _ source: String, _ column: Int, _ message: String,
                                 sourceLocation: SourceLocation = #_sourceLocation) {
            let r = run(source, session: c.session)
            guard let e = r.error else {
                Issue.record("expected an error containing \"\(message)\", got \(r.output.debugDescription)", sourceLocation: sourceLocation)
                return
            }
            #expect(e.column == column, "column of \(e.description)", sourceLocation: sourceLocation)
            #expect(e.message.contains(message), "message: \(e.message)", sourceLocation: sourceLocation)
        }
    }
}

@Suite struct HiddenBuiltinTests {
    @Test func aVariableHidingABuiltinSaysSo() {
        let r = run("train, test = split(shapes(n:4), 0.5)\ntrain(3)")
        #expect(r.error?.message == "'train' is a dataset here, a variable hiding the builtin train(…); rename the variable to call it (or set model.training = true)")
        #expect(r.error?.line == 2 && r.error?.column == 1)
        #expect(run("len = 3\nlen([1])").error?.message == "'len' is 3 here, a variable hiding the builtin len(…); rename the variable to call it")
        // A function or a model stored under a builtin's name is called as usual.
        #expect(run("fn relu(x) = 7\nprint(relu(1))").lines == ["7"])
    }
}
