@testable import CNNKit
import Foundation
import Testing
import CNNTestSupport

/// Models with every built-in layer, in inference mode, with non-trivial BatchNorm statistics.
enum ExportModels {
    static func everyLayer() throws -> Module {
        var rng = RandomSource(seed: 42)
        let bn = try BatchNorm(8, eps: 1e-3, momentum: 0.2)
        bn.runningMean = TestRNGTensor.make([8], seed: 1, 0, 0.3)
        bn.runningVar = TestRNGTensor.make([8], seed: 2, 0.5, 1.5)
        let block = try Sequential([
            Conv(8, 8, kernel: Size2(3), padding: .same, groups: 2, rng: &rng),
            Activation(.tanh),
        ])
        let m = Sequential([
            try Conv(3, 8, kernel: Size2(3, 5), stride: Size2(1, 2), padding: .explicit(Padding2D(top: 1, left: 2, bottom: 0, right: 1)),
                     dilation: Size2(1, 1), rng: &rng),
            bn,
            Activation(.leakyRelu(slope: 0.1)),
            Residual(block),
            try MaxPool(kernel: Size2(2), ceilMode: true),
            try AvgPool(kernel: Size2(3), stride: Size2(1), padding: .explicit(Padding2D(1)), countPad: false),
            try AvgPool(kernel: Size2(2), stride: Size2(2), padding: .explicit(Padding2D(1)), countPad: true),
            Activation(.sigmoid),
            try Dropout(p: 0.5, seed: 3),
            Flatten(),
            try Dense(8 * 3 * 2, 6, rng: &rng),
            Activation(.relu),
            try Dense(6, 4, bias: false, rng: &rng),
            Activation(.softmax(axis: 1)),
        ])
        m.setTraining(false)
        return m
    }

    static func smallResNet() throws -> Module {
        var rng = RandomSource(seed: 9)
        let m = Sequential([
            try Conv(3, 4, kernel: Size2(3), padding: .explicit(Padding2D(1)), bias: false, rng: &rng),
            try BatchNorm(4), Activation(.relu),
            try BasicBlock(4, 4, rng: &rng), try BasicBlock(4, 8, stride: 2, rng: &rng),
            GlobalAvgPool(), Flatten(axis: 2), Flatten(), try Dense(8, 3, rng: &rng),
        ])
        m.setTraining(false)
        return m
    }
}

enum TestRNGTensor {
    static func make(_ shape: [Int], seed: UInt64, _ lo: Float = -1, _ hi: Float = 1) -> Tensor {
        var r = TestRNG(seed)
        return r.tensor(shape, lo, hi)
    }
}

@Suite("ONNX export")
struct ONNXExportTests {
    func roundTrip(_ m: Module, _ shape: [Int], seed: UInt64) throws -> (Tensor, Tensor, GraphModel) {
        let bytes = try ONNXExport.encode(model: m, inputShape: shape)
        let back = try ONNXImport.decode(bytes)
        let x = TestRNGTensor.make(shape, seed: seed)
        return (try m(x), try back(x), back)
    }

    @Test("cnns → ONNX → cnns gives the same outputs for every built-in layer")
    func everyLayer() throws {
        let (a, b, back) = try roundTrip(ExportModels.everyLayer(), [2, 3, 9, 11], seed: 3)
        expectClose(b, a, rtol: 1e-5, atol: 1e-6)
        // Names follow the model's state dict.
        let names = back.namedParameters().map(\.name)
        #expect(names.contains("0.weight") && names.contains("10.bias") && names.contains("3.block.0.weight"), "\(names)")
        #expect(try back.outputShape(for: [5, 3, 9, 11]) == [5, 4])
    }

    @Test("ResNet blocks, lenet5 and a batch other than the exported one")
    func resnetAndLenet() throws {
        let (a, b, _) = try roundTrip(ExportModels.smallResNet(), [2, 3, 8, 8], seed: 4)
        expectClose(b, a, rtol: 1e-5, atol: 1e-6)
        var rng = RandomSource(seed: 1)
        let lenet = try Zoo.lenet5(rng: &rng)
        lenet.setTraining(false)
        let back = try ONNXImport.decode(ONNXExport.encode(model: lenet, inputShape: [1, 1, 28, 28]))
        let x = TestRNGTensor.make([3, 1, 28, 28], seed: 5)
        expectClose(try back(x), try lenet(x), rtol: 1e-5, atol: 1e-6)
    }

    @Test("An imported graph (branches, the view-flatten chain) exports and re-imports to the same outputs")
    func graphRoundTrip() throws {
        let (m, x, y) = try ONNXFixtures.model("chain")
        let back = try ONNXImport.decode(ONNXExport.encode(model: m, inputShape: x.shape))
        expectClose(try back(x), y, rtol: 1e-4, atol: 1e-6)
    }

    @Test("A layer the format cannot hold and a bad input shape are errors")
    func errors() throws {
        #expect(throws: OpError.self) { try ONNXExport.encode(model: Flatten(), inputShape: [3]) }
        var rng = RandomSource(seed: 0)
        let bad = try Conv(3, 4, kernel: Size2(3), rng: &rng)
        #expect(throws: OpError.self) { try ONNXExport.encode(model: bad, inputShape: [1, 2, 8, 8]) }
    }
}

@Suite("ONNX export: ONNX Runtime")
struct ONNXRuntimeTests {
    @Test("cnns → ONNX → ONNX Runtime gives cnns's outputs")
    func onnxRuntime() throws {
        let dir = PythonFixtures.cache.appendingPathComponent("ort-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var rng = RandomSource(seed: 2)
        let lenet = try Zoo.lenet5(rng: &rng)
        lenet.setTraining(false)
        let (chain, chainX, _) = try ONNXFixtures.model("chain")
        let cases: [(String, Module, Tensor)] = [
            ("every", try ExportModels.everyLayer(), TestRNGTensor.make([2, 3, 9, 11], seed: 6)),
            ("resnet", try ExportModels.smallResNet(), TestRNGTensor.make([2, 3, 8, 8], seed: 7)),
            ("lenet", lenet, TestRNGTensor.make([2, 1, 28, 28], seed: 8)),
            ("chain", chain, chainX),
            ("functional", try ONNXOpsTests.functionalGraph().0, TestRNGTensor.make([1, 2, 4, 4], seed: 9)),
        ]
        var paths: [String] = []
        for (name, model, x) in cases {
            let onnx = dir.appendingPathComponent(name + ".onnx"), input = dir.appendingPathComponent(name + "-in.npy")
            try Data(ONNXExport.encode(model: model, inputShape: [1] + x.shape.dropFirst())).write(to: onnx)
            try Data(NPY.encode(x)).write(to: input)
            paths += [onnx.path, input.path, dir.appendingPathComponent(name + "-out.npy").path]
        }
        guard let ok = PythonFixtures.run(["--run"] + paths, needs: "onnxruntime, numpy") else { return }
        #expect(ok, "ONNX Runtime could not run the exported models")
        for (name, model, x) in cases {
            let y = try NPY.read(Fixtures.bytes(dir.appendingPathComponent(name + "-out.npy")))
            expectClose(y, try model(x), rtol: 1e-4, atol: 1e-5, "\(name)")
        }
    }
}
