@testable import CNNScript
import CNNKit
import Foundation
import Testing

/// The language's side of weights and fine-tuning: `.safetensors` through load/save, `load_weights`
/// and its report, `named`, `freeze(upto:)`/`unfreeze`, summary's frozen counts and `filter`.
@Suite("Weights: safetensors, load_weights, freeze, filter")
struct WeightsTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/safetensors").path
    static let lenet = "\"\(fixtures)/lenet5.safetensors\""
    static let lenetIO = "\"\(fixtures)/lenet5-io.safetensors\""

    static func temp(_ name: String) -> String {
        "\"" + FileManager.default.temporaryDirectory.appendingPathComponent("cnns-weights-\(getpid())-\(name)").path + "\""
    }

    func clean(_ source: String, sourceLocation: SourceLocation = #_sourceLocation) -> [String] {
        let r = run(source, echo: .none)
        if let e = r.error { Issue.record("unexpected error: \(e.rendered)", sourceLocation: sourceLocation) }
        return r.lines
    }

    @Test("a saved model loads back as the same model; a saved tensor loads as weights named \"tensor\"")
    func modelRoundTrip() {
        let path = Self.temp("model.safetensors")
        let lines = clean("""
        seed(3)
        m = Sequential(Conv(1, 4, 3, pad:1), BatchNorm(4), ReLU(), Flatten(), Dense(64, 3))
        x = randn(2, 1, 4, 4)
        train(m); m(x)
        eval(m)
        save(m, \(path))
        p = load(\(path))
        print(type(p), p.params == m.params, number(max(abs(p(x) - m(x)))) == 0)
        print(number(max(abs(p[1].running_var - m[1].running_var))) == 0, p.training)
        save(ones(2, 3), \(path))
        w = load(\(path))
        print(w.names, w.shapes, named(w, "tensor"))
        """)
        #expect(lines == ["model true true", "true false", "[\"tensor\"] [[2, 3]]", "tensor 2×3 f32", "[[1., 1., 1.],", " [1., 1., 1.]]"],
                "\(lines)")
    }

    @Test("lists of [name, tensor] pairs or tensors save as named tensors; an undescribable model saves its weights only")
    func listsAndWeightsOnly() {
        let path = Self.temp("list.safetensors")
        let lines = clean("""
        save([["a", ones(2)], ["b.c", zeros(1, 3)]], \(path))
        w = load(\(path))
        print(w.names, shape(w.b.c), shape(named(w, "b.c")))
        save([ones(2), ones(3)], \(path))
        print(load(\(path)).names)
        """)
        #expect(lines == ["[\"a\", \"b.c\"] [1, 3] [1, 3]", "[\"0\", \"1\"]"], "\(lines)")
        expectError("save([[\"a\", 1, 2]], \(path))", 1, 1, "item 0 should be [name, tensor] or a tensor")

        let c = CapturingSession()
        c.session.globals.define("m", .object(ModelObject(Sequential([ScaleLayer(2)]))))
        let out = c.run("save(m, \(path)); w = load(\(path)); print(w.names); load_weights(m, w)")
        #expect(out.contains("save: note: cannot describe the architecture of a Scale layer; saved the weights only"), "\(out)")
        #expect(out.hasSuffix("[\"0.weight\", \"0.calls\"]\nload_weights: loaded 1 tensor\n"), "\(out)")
    }

    @Test("a PyTorch export loads as named weights and into lenet5 by name, giving PyTorch's output")
    func pytorchExport() {
        let lines = clean("""
        w = load(\(Self.lenet))
        print(len(w), w.dtypes[0:3], shape(named(w, "7.weight")), len(w.metadata))
        m = lenet5()
        load_weights(m, w)
        io = load(\(Self.lenetIO))
        print(number(max(abs(m(io.x) - io.y))) < 1e-4)
        m2 = lenet5()
        load_weights(m2, \(Self.lenet))
        print(number(max(abs(m2(io.x) - io.y))) < 1e-4)
        """)
        #expect(lines == ["10 [\"F16\", \"F32\", \"F32\"] [120, 400] 1",
                         "load_weights: loaded 10 tensors", "true",
                         "load_weights: loaded 10 tensors", "true"], "\(lines)")
        let text = echo("load(\(Self.lenet))")
        #expect(text.hasPrefix("weights: 10 tensors, 61,706 values (BF16, F16, F32)"), "\(text)")
        #expect(text.contains("  7.weight   BF16 120×400"), "\(text)")
    }

    @Test("load_weights reports missing, unexpected and mis-shaped names; strict fails and changes nothing")
    func report() {
        let r = run("m = lenet5(classes: 5); load_weights(m, \(Self.lenet))")
        #expect(r.error?.message.contains("load_weights: loaded 8 tensors; mis-shaped: 11.weight (file 10×84, model 5×84), 11.bias (file 10, model 5) (strict: false loads what matches)") == true,
                "\(String(describing: r.error?.message))")
        let lines = clean("""
        m = Sequential(Conv(1, 6, 5, pad:2), ReLU(), BatchNorm(6))
        before = m[0].weight
        load_weights(m, \(Self.lenet), strict: false)
        print(number(max(abs(m[0].weight - named(load(\(Self.lenet)), "0.weight")))) == 0)
        """)
        #expect(lines.first?.hasPrefix("load_weights: loaded 2 tensors; missing (in the model, not in the file): 2.weight, 2.bias, 2.running_mean, 2.running_var; unexpected (in the file, not in the model): 11.bias, 11.weight, 3.bias,") == true, "\(lines)")
        #expect(lines.last == "true")
        expectError("load_weights(lenet5(), 3)", 1, 24, "source")
        expectError("load_weights(lenet5(), \"/nonexistent/x.safetensors\")", 1, 1, "cannot read")
    }

    @Test("malformed files are load errors naming the file and the problem")
    func malformed() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cnns-weights-\(getpid())-bad.safetensors").path
        var bytes: [UInt8] = [0xFF, 0xFF, 0, 0, 0, 0, 0, 0]
        bytes += Array("{}".utf8)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let r = run("load(\"\(path)\")")
        #expect(r.error?.message.contains("load: \"\(path)\": safetensors header length 65535 runs past the end of the file") == true,
                "\(String(describing: r.error?.message))")
        let r2 = run("load_weights(lenet5(), \"\(path)\")")
        #expect(r2.error?.message.contains("header length 65535") == true, "\(String(describing: r2.error?.message))")
        try? FileManager.default.removeItem(atPath: path)
    }

    @Test("freeze(upto:) by name or index, unfreeze, and summary's frozen counts")
    func freezing() {
        let lines = clean("""
        m = Sequential(Dense(4, 8), ReLU(), Dense(8, 8), ReLU(), Dense(8, 3))
        freeze(m, upto: 2)
        s = summary(m, input: [1, 4])
        unfreeze(m)
        freeze(m, upto: -2)
        print(len(parameters(m)))
        r = resnet(18, classes: 3, channels: 1, small: true)
        freeze(r, upto: "layer4")
        print(r.fc.weight.requires_grad, r.layer4[0].conv1.weight.requires_grad)
        """)
        #expect(lines.contains { $0.hasPrefix("|-Dense(4, 8)") && $0.contains("(40)") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("|-Dense(8, 8)") && $0.contains("(72)") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("`-Dense(8, 3)") && $0.contains(" 27 ") }, "\(lines)")
        #expect(lines.contains("Trainable params: 27") && lines.contains("Frozen params: 112"), "\(lines)")
        #expect(lines.suffix(2) == ["6", "true false"], "\(lines)")
        expectError("freeze(Sequential(Dense(2, 2)), upto: \"fc\")", 1, 33, "freeze: upto: 'fc' is not a sub-layer of the Sequential (it has 0…0)")
        expectError("freeze(Dense(2, 2), upto: 0)", 1, 21, "has no sub-layers")
        expectError("freeze(Dense(2, 2), upto: [1])", 1, 21, "upto")
    }

    @Test("a frozen BatchNorm keeps its running statistics through fit; unfrozen it updates them")
    func frozenBatchNorm() {
        let lines = clean("""
        seed(1)
        ds = shapes(n: 64, size: 8)
        m = Sequential(Conv(1, 4, 3), BatchNorm(4), ReLU(), Flatten(), Dense(144, 10))
        freeze(m, upto: 1)
        rm = m[1].running_mean
        w = detach(m[0].weight)
        fit(m, ds, epochs: 1, batch: 16, verbose: false)
        print(number(max(abs(m[1].running_mean - rm))) == 0, number(max(abs(m[0].weight - w))) == 0)
        unfreeze(m)
        fit(m, ds, epochs: 1, batch: 16, verbose: false)
        print(number(max(abs(m[1].running_mean - rm))) > 0, number(max(abs(m[0].weight - w))) > 0)
        """)
        #expect(lines == ["true true", "true true"], "\(lines)")
    }

    @Test("filter keeps some classes, relabelled in the order given")
    func filtering() {
        let lines = clean("""
        ds = shapes(n: 200, seed: 2)
        a = filter(ds, classes: [7, 2])
        print(a.classes, len(a) == ds.counts[7] + ds.counts[2], number(max(a.y)))
        b = filter(ds, classes: [7, 2], relabel: false)
        print(b.classes == ds.classes, number(min(b.y)))
        """)
        #expect(lines == ["[\"diamond\", \"triangle\"] true 1", "true 2"], "\(lines)")
        expectError("filter(shapes(n: 10), classes: [3, 3])", 1, 23, "filter: class 3 is listed twice")
        expectError("filter(shapes(n: 10), classes: [10])", 1, 23, "out of range")
        expectError("filter(shapes(n: 10))", 1, 8, "needs classes")
    }
}
