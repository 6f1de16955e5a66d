@testable import CNNScript
import CNNKit
import Foundation
import Testing

/// load/save/export of .onnx files through the language, and imported graphs under summary and fit.
extension LearningTests {
    @Suite struct ONNXScriptTests {
        static let lenet = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/onnx/lenet.onnx").path

        static func temp(_ name: String) -> String {
            FileManager.default.temporaryDirectory.appendingPathComponent("cnns-onnx-\(getpid())-\(name)").path
        }

        @Test("load gives a model; summary shows its layers with shapes; a head is replaced and fit trains the graph")
        func loadSummaryFit() throws {
            let c = CapturingSession()
            _ = c.run("m = load(\"\(Self.lenet)\")")
            #expect(c.run("m.type") == "\"Graph\"\n")
            #expect(c.run("m.params") == "61706\n")
            let summary = c.run("summary(m, input:[1, 1, 28, 28])")
            #expect(summary.contains("conv2: Conv(6, 16, 5)") && summary.contains("1×16×10×10"), "\(summary)")
            #expect(summary.contains("fc3: Dense(84, 10)") && summary.contains("1×10"), "\(summary)")
            _ = c.run("m.fc3 = Dense(84, 10)\nds = shapes(n:32, size:28)")
            _ = c.run("h = fit(m, ds, epochs:3, batch:8, opt:Adam(lr:0.003), verbose:false, seed:1)")
            #expect(c.run("print(h.loss[2] < h.loss[0])") == "1\n", "\(c.run("print(h.loss)"))")
            #expect(c.run("print(m.fc3.weight.grad.shape)") == "[10, 84]\n")
        }

        @Test("export writes a file load reads back to the same outputs; save re-exports an imported model")
        func exportRoundTrip() throws {
            let a = Self.temp("a.onnx"), b = Self.temp("b.onnx")
            defer { try? FileManager.default.removeItem(atPath: a); try? FileManager.default.removeItem(atPath: b) }
            let c = CapturingSession()
            _ = c.run("net = lenet5()\nnet.training = false\nexport(net, \"\(a)\", input:[1, 1, 28, 28])\nm = load(\"\(a)\")\nx = randn(2, 1, 28, 28)")
            #expect(c.run("print(max(abs(m(x) - net(x))) < 1e-5)") == "1\n")
            _ = c.run("save(m, \"\(b)\")\nm2 = load(\"\(b)\")")
            #expect(c.run("print(max(abs(m2(x) - net(x))) < 1e-5)") == "1\n")
        }

        @Test("Errors: save without a known input shape, export to another extension, a broken file, an unsupported layer input")
        func errors() throws {
            let path = Self.temp("c.onnx")
            defer { try? FileManager.default.removeItem(atPath: path) }
            let r1 = run("save(lenet5(), \"\(path)\")")
            #expect(r1.error?.message.contains("use export(model, path, input:[N, C, H, W])") == true, "\(String(describing: r1.error))")
            let r2 = run("export(lenet5(), \"/tmp/x.npy\", input:[1, 1, 28, 28])")
            #expect(r2.error?.message.contains("must end in .onnx") == true, "\(String(describing: r2.error))")
            try Data([0x3a, 0x10, 0x01]).write(to: URL(fileURLWithPath: path))
            let r3 = run("load(\"\(path)\")")
            #expect(r3.error?.message.contains("runs past the end") == true, "\(String(describing: r3.error))")
            let r4 = run("export(lenet5(), \"\(path)\", input:[1, 3, 28, 28])")
            #expect(r4.error?.message.contains("input channels") == true, "\(String(describing: r4.error))")
        }
    }
}
