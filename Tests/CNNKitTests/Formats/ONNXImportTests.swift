@testable import CNNKit
import Foundation
import Testing

/// The ONNX fixtures from scripts/make-fixtures-onnx: NAME.onnx exported by PyTorch, with its input and
/// PyTorch's output.
enum ONNXFixtures {
    static let dir = Fixtures.root.appendingPathComponent("onnx")

    static func model(_ name: String) throws -> (GraphModel, Tensor, Tensor) {
        try model(name, in: dir)
    }

    static func model(_ name: String, in dir: URL) throws -> (GraphModel, Tensor, Tensor) {
        let m = try ONNXImport.decode(Fixtures.bytes(dir.appendingPathComponent(name + ".onnx")))
        let x = try NPY.read(Fixtures.bytes(dir.appendingPathComponent(name + "-input.npy")))
        let y = try NPY.read(Fixtures.bytes(dir.appendingPathComponent(name + "-output.npy")))
        return (m, x, y)
    }
}

@Suite("ONNX import")
struct ONNXImportTests {
    @Test("LeNet exported by PyTorch gives PyTorch's outputs within 1e-4 relative")
    func lenet() throws {
        let (m, x, y) = try ONNXFixtures.model("lenet")
        expectClose(try m(x), y, rtol: 1e-4, atol: 1e-6)
        #expect(try m.outputShape(for: [7, 1, 28, 28]) == [7, 10])
        let names = m.namedParameters().map(\.name)
        #expect(names.contains("conv1.weight") && names.contains("fc3.bias"), "\(names)")
        #expect(m.parameterCount() == 61706)
    }

    @Test("The same graph exported at opset 10 (attribute axes and clip bounds)")
    func chainOpset10() throws {
        let (m, x, y) = try ONNXFixtures.model("chain10")
        #expect(Set(m.nodes.map(\.op.name)).isSuperset(of: ["Shape", "Gather", "Unsqueeze", "Reshape", "Clip"]))
        expectClose(try m(x), y, rtol: 1e-4, atol: 1e-6)
        #expect(try m.outputShape(for: [4, 3, 12, 12]) == [4, 5])
    }

    @Test("A graph with branches, concat, PReLU, clip, pools and the Shape→Gather→Unsqueeze→Concat→Reshape chain")
    func chain() throws {
        let (m, x, y) = try ONNXFixtures.model("chain")
        let ops = Set(m.nodes.map(\.op.name))
        #expect(ops.isSuperset(of: ["Shape", "Gather", "Unsqueeze", "Concat", "Reshape", "PRelu", "Clip"]), "\(ops)")
        expectClose(try m(x), y, rtol: 1e-4, atol: 1e-6)
        // The batch stays symbolic: the folded reshape follows any N.
        #expect(try m.outputShape(for: [5, 3, 12, 12]) == [5, 5])
        let first = try Tensor(shape: [1, 3, 12, 12], scalars: Array(x.scalars[0..<(3 * 144)]))
        expectClose(try m(first), try Tensor(shape: [1, 5], scalars: Array(y.scalars[0..<5])), rtol: 1e-4, atol: 1e-6)
    }
}

/// Runs scripts/make-fixtures-onnx with `arguments` when python3 can import torch; nil (and a printed
/// reason) when it cannot, so the caller skips.
enum PythonFixtures {
    static let repo = Fixtures.root.deletingLastPathComponent().deletingLastPathComponent()
    static let cache = repo.appendingPathComponent(".build-fixtures").appendingPathComponent("onnx")

    @discardableResult
    static func run(_ arguments: [String], needs modules: String = "torch") -> Bool? {
        guard shell(["python3", "-c", "import \(modules)"]) == 0 else {
            print("skipped: python3 cannot import \(modules)")
            return nil
        }
        let script = repo.appendingPathComponent("scripts").appendingPathComponent("make-fixtures-onnx").path
        return shell(["python3", script] + arguments) == 0
    }

    static func shell(_ argv: [String]) -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = argv
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return -1 }
        p.waitUntilExit()
        return p.terminationStatus
    }
}

@Suite("ONNX import: ResNet-18")
struct ONNXResNetTests {
    @Test("ResNet-18 exported by PyTorch (random weights, 1×3×64×64) gives PyTorch's outputs within 1e-4 relative")
    func resnet18() throws {
        // Regenerated unless every file is there (a run cut short may have left some).
        let files = ["resnet18.onnx", "resnet18-input.npy", "resnet18-output.npy"]
        if !files.allSatisfy({ FileManager.default.fileExists(atPath: PythonFixtures.cache.appendingPathComponent($0).path) }) {
            guard let ok = PythonFixtures.run(["--resnet", PythonFixtures.cache.path]) else { return }
            #expect(ok, "scripts/make-fixtures-onnx --resnet failed")
        }
        let (m, x, y) = try ONNXFixtures.model("resnet18", in: PythonFixtures.cache)
        // PyTorch folds each BatchNorm into its Conv; the layers keep the state-dict names.
        let names = Set(m.namedParameters().map(\.name))
        #expect(names.isSuperset(of: ["conv1.weight", "layer1.0.conv1.weight", "layer4.1.conv2.bias",
                                      "layer2.0.downsample.0.weight", "fc.weight", "fc.bias"]), "\(names.sorted())")
        expectClose(try m(x), y, rtol: 1e-4, atol: 1e-5)
        #expect(try m.outputShape(for: [2, 3, 64, 64]) == [2, 1000])
        // Fine-tuning: the head is a Dense layer named after its initializers and can be replaced.
        var rng = RandomSource(seed: 1)
        try m.setChild(name: "fc", module: Dense(512, 5, rng: &rng))
        #expect(try m.outputShape(for: [1, 3, 64, 64]) == [1, 5])
    }
}
