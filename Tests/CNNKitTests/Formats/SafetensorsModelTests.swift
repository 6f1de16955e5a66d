@testable import CNNKit
import Foundation
import Testing
import CNNTestSupport

/// Models through safetensors (architecture metadata + state dict), loading by name with its report,
/// and freezing for fine-tuning.
@Suite("Formats: safetensors models, state dicts and freezing")
struct SafetensorsModelTests {
    /// Saves, loads and checks the same architecture, names and outputs (inference mode).
    func roundTrip(_ model: Module, input: [Int], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let bytes = try Safetensors.encode(model: model)
        var rng = RandomSource(seed: 99)
        let back = try Safetensors.decodeModel(try Safetensors.decode(bytes), rng: &rng)
        #expect(try ModelSpec.describe(back) == (try ModelSpec.describe(model)), sourceLocation: sourceLocation)
        #expect(back.stateDict().map(\.name) == model.stateDict().map(\.name), sourceLocation: sourceLocation)
        model.setTraining(false); back.setTraining(false)
        var t = TestRNG(5)
        let x = t.tensor(input)
        #expect(try back(x).scalars == (try model(x)).scalars, sourceLocation: sourceLocation)
    }

    @Test("LeNet-5, a small ResNet-18 (PyTorch names) and hand-built models with every layer type survive save and load")
    func architectures() throws {
        var rng = RandomSource(seed: 3)
        try roundTrip(try Zoo.lenet5(classes: 7, rng: &rng), input: [2, 1, 28, 28])
        let resnet = try Zoo.resnet(depth: 18, classes: 4, channels: 1, small: true, rng: &rng)
        // Move the running statistics off their defaults so the buffers are really saved.
        resnet.setTraining(true)
        var t = TestRNG(1)
        _ = try resnet(t.tensor([2, 1, 12, 12]))
        try roundTrip(resnet, input: [1, 1, 12, 12])
        // Tensor names are PyTorch's state_dict names, with num_batches_tracked for each BatchNorm.
        let contents = try Safetensors.decode(try Safetensors.encode(model: resnet))
        let names = Set(contents.entries.map(\.name))
        for n in ["conv1.weight", "bn1.running_var", "bn1.num_batches_tracked", "layer2.0.downsample.0.weight",
                  "layer2.0.downsample.1.running_mean", "layer4.1.bn2.bias", "fc.weight", "fc.bias"] {
            #expect(names.contains(n), "\(n)")
        }
        #expect(contents.metadata[Safetensors.architectureKey]?.contains("\"ResNet\"") == true)
        let shared = try Dense(6, 6, rng: &rng)
        let mixed = Sequential([
            try Conv(2, 4, kernel: Size2(3, 2), stride: Size2(2, 1), padding: .explicit(Padding2D(top: 1, left: 0, bottom: 2, right: 1)),
                     dilation: Size2(1, 2), groups: 2, bias: false, rng: &rng),
            try BatchNorm(4, eps: 1e-3, momentum: 0.25), Activation(.leakyRelu(slope: 0.2)),
            try MaxPool(kernel: Size2(2), stride: Size2(1), padding: .same, ceilMode: true),
            try AvgPool(kernel: Size2(2), padding: .valid, countPad: false),
            Residual(Sequential([try Conv(4, 4, kernel: Size2(3), padding: .same, rng: &rng), Activation(.tanh)])),
            Residual(try Conv(4, 6, kernel: Size2(1), rng: &rng), shortcut: try Conv(4, 6, kernel: Size2(1), bias: false, rng: &rng)),
            GlobalAvgPool(), Flatten(), shared, Activation(.sigmoid), shared, try Dropout(p: 0.3, seed: 12345678901234),
            Activation(.softmax(axis: -1)), Activation(.relu),
        ])
        try roundTrip(mixed, input: [2, 2, 9, 8])
        // The shared Dense is shared again after loading: one set of parameters.
        var r2 = RandomSource(seed: 0)
        let back = try Safetensors.decodeModel(try Safetensors.decode(try Safetensors.encode(model: mixed)), rng: &r2)
        let layers = try #require((back as? Sequential)?.layers)
        #expect(layers[9] === layers[11])
    }

    @Test("bad architecture descriptions are load errors naming the layer path")
    func badSpecs() {
        func build(_ model: String) throws -> Module {
            var rng = RandomSource(seed: 0)
            return try ModelSpec.build("{\"format\":\"cnns.architecture\",\"version\":1,\"model\":\(model)}", rng: &rng)
        }
        expectOpError("load", "unknown layer type \"Magic\"") { try build("{\"type\":\"Magic\"}") }
        expectOpError("load", "model.1", "missing \"in\"") { try build("{\"type\":\"Sequential\",\"layers\":[{\"type\":\"ReLU\"},{\"type\":\"Dense\",\"out\":3}]}") }
        expectOpError("load", "refers to layer 5") { try build("{\"type\":\"Sequential\",\"layers\":[{\"type\":\"ref\",\"id\":5}]}") }
        expectOpError("load", "contains it") { try build("{\"type\":\"Sequential\",\"layers\":[{\"type\":\"ref\",\"id\":0}]}") }
        expectOpError("load", "MaxPool") { try build("{\"type\":\"MaxPool\",\"kernel\":[0,2]}") }
        expectOpError("load", "nested deeper") {
            try build(String(repeating: "{\"type\":\"Sequential\",\"layers\":[", count: 60) + "{\"type\":\"ReLU\"}" + String(repeating: "]}", count: 60))
        }
        expectOpError("load", "version") {
            var rng = RandomSource(seed: 0)
            return try ModelSpec.build("{\"format\":\"cnns.architecture\",\"version\":2,\"model\":{}}", rng: &rng)
        }
    }

    @Test("loadStateDict reports missing, unexpected and mis-shaped names; strict changes nothing")
    func report() throws {
        var rng = RandomSource(seed: 4)
        let source = try Zoo.lenet5(rng: &rng)
        let target = try Zoo.lenet5(classes: 5, rng: &rng)
        let before = target.stateDict()
        var tensors = source.stateDict().filter { $0.name != "0.bias" }
        tensors.append(("extra.weight", Tensor(1)))
        expectOpError("load_weights", "missing (in the model, not in the file): 0.bias",
                         "unexpected (in the file, not in the model): extra.weight",
                         "mis-shaped: 11.weight (file 10×84, model 5×84), 11.bias (file 10, model 5)") {
            try target.loadStateDict(tensors)
        }
        #expect(zip(target.stateDict(), before).allSatisfy { $0.tensor.scalars == $1.tensor.scalars })
        let r = try target.loadStateDict(tensors, strict: false)
        #expect(r.loaded.count == 7 && r.missing == ["0.bias"] && r.unexpected == ["extra.weight"] && r.misshaped.count == 2)
        let dict = Dictionary(uniqueKeysWithValues: target.stateDict().map { ($0.name, $0.tensor) })
        let src = Dictionary(uniqueKeysWithValues: source.stateDict().map { ($0.name, $0.tensor) })
        #expect(dict["3.weight"]?.scalars == src["3.weight"]?.scalars)
        #expect(dict["11.weight"]?.scalars != src["11.weight"]?.scalars)
    }

    @Test("freeze: no gradients, the optimizer leaves frozen weights alone, BatchNorm keeps its statistics")
    func freezing() throws {
        var rng = RandomSource(seed: 5)
        let bn = try BatchNorm(3)
        let head = try Dense(3, 2, rng: &rng)
        let model = Sequential([try Conv(1, 3, kernel: Size2(3), rng: &rng), bn, GlobalAvgPool(), Flatten(), head])
        let frozenNames = try model.freeze(upTo: "1")
        #expect(frozenNames == ["0", "1"])
        #expect(model.frozenParameterCount() == 30 + 6 && model.trainableParameterCount() == 8)
        #expect(bn.frozen)
        model.setTraining(true)
        let before = model.stateDict()
        var t = TestRNG(2)
        let x = Variable(t.tensor([4, 1, 6, 6], -3, 5))
        let y = try model.forward(x)
        // A frozen BatchNorm normalises with its running statistics (mean 0, var 1) even in training mode.
        let conv = try model.layers[0](x.value)
        let expected = try Tensor(shape: conv.shape, scalars: conv.scalars.map { $0 / (1 + 1e-5).squareRoot() })
        expectClose(try Sequential([GlobalAvgPool(), Flatten(), head])(expected), y.value, rtol: 1e-5, atol: 1e-6)
        #expect(bn.runningMean.scalars == [0, 0, 0] && bn.runningVar.scalars == [1, 1, 1])
        try Autograd.backward(try y.sum())
        try Optimizers.sgd(lr: 0.1).step(model.parameters())
        let after = model.stateDict()
        for (a, b) in zip(before, after) {
            let changed = a.tensor.scalars != b.tensor.scalars
            #expect(changed == a.name.hasPrefix("4."), "\(a.name) changed: \(changed)")
        }
        model.unfreeze()
        #expect(!bn.frozen && model.trainableParameterCount() == model.parameterCount())
        expectOpError("freeze", "no such", "0…4") { try model.freeze(upTo: "no such") }
        #expect(try model.freeze(upTo: "-2") == ["0", "1", "2", "3"])
    }
}

@Suite("Formats: state dict names from PyTorch")
struct StateDictNameTests {
    @Test("names saved through DataParallel (module.…) match without the prefix, and the report says so")
    func dataParallelPrefix() throws {
        var rng = RandomSource(seed: 8)
        let source = Sequential([try Conv(1, 2, kernel: Size2(3), rng: &rng), try BatchNorm(2)])
        let target = Sequential([try Conv(1, 2, kernel: Size2(3), rng: &rng), try BatchNorm(2)])
        var tensors = source.stateDict().map { ("module." + $0.name, $0.tensor) }
        tensors.append(("module.1.num_batches_tracked", Tensor(3)))
        let report = try target.loadStateDict(tensors)
        #expect(report.unprefixed == 7 && report.ignored == ["module.1.num_batches_tracked"] && report.isComplete)
        #expect(report.description == "loaded 6 tensors (7 matched without their \"module.\" prefix)")
        #expect(target.stateDict().map(\.tensor.scalars) == source.stateDict().map(\.tensor.scalars))
        // A name that matches neither way stays unexpected, under its file name.
        let r2 = try target.loadStateDict([("module.9.weight", Tensor(1))], strict: false)
        #expect(r2.unexpected == ["module.9.weight"] && r2.unprefixed == 0)
    }
}
