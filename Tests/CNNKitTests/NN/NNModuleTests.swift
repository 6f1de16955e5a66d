@testable import CNNKit
import Testing

@Suite("NN: modules, parameter counts, names, shapes, init")
struct NNModuleTests {
    @Test("LeNet-5 has SPEC §4's 61,706 parameters, named as PyTorch's Sequential")
    func lenetCount() throws {
        var rng = RandomSource(seed: 1)
        let model = try Zoo.lenet5(rng: &rng)
        #expect(model.parameterCount() == 61_706)
        #expect(model.trainableParameterCount() == 61_706)
        let names = model.namedParameters().map(\.name)
        #expect(names == ["0.weight", "0.bias", "3.weight", "3.bias", "7.weight", "7.bias",
                          "9.weight", "9.bias", "11.weight", "11.bias"])
        #expect(try model.outputShape(for: [5, 1, 28, 28]) == [5, 10])
        #expect(try Zoo.lenet5(classes: 3, rng: &rng).outputShape(for: [2, 1, 28, 28]) == [2, 3])
        #expect(throws: OpError.self) { try Zoo.lenet5(classes: 0, rng: &rng) }
        // 32×32 input reaches the first Dense with 576 features, not 400: named in the error.
        #expect(throws: OpError.self) { try model.outputShape(for: [1, 1, 32, 32]) }
        #expect(model.typeName == "Sequential")
        let seq = try #require(model as? Sequential)
        #expect(seq.layers.map(\.signature) == [
            "Conv(1, 6, 5, pad:2)", "ReLU()", "MaxPool(2)", "Conv(6, 16, 5)", "ReLU()", "MaxPool(2)",
            "Flatten()", "Dense(400, 120)", "ReLU()", "Dense(120, 84)", "ReLU()", "Dense(84, 10)",
        ])
    }

    @Test("ResNet-18 and -34 have torchvision's parameter counts and state_dict names")
    func resnetCounts() throws {
        var rng = RandomSource(seed: 2)
        let r18 = try Zoo.resnet(depth: 18, rng: &rng)
        #expect(r18.parameterCount() == 11_689_512)
        let named = Dictionary(uniqueKeysWithValues: r18.namedParameters().map { ($0.name, $0.variable.shape) })
        #expect(named.count == 62)  // torchvision's resnet18 has 62 parameter tensors
        #expect(named["conv1.weight"] == [64, 3, 7, 7])
        #expect(named["conv1.bias"] == nil)
        #expect(named["bn1.weight"] == [64])
        #expect(named["layer1.0.conv1.weight"] == [64, 64, 3, 3])
        #expect(named["layer1.0.downsample.0.weight"] == nil)
        #expect(named["layer2.0.conv1.weight"] == [128, 64, 3, 3])
        #expect(named["layer2.0.downsample.0.weight"] == [128, 64, 1, 1])
        #expect(named["layer2.0.downsample.1.bias"] == [128])
        #expect(named["layer4.1.bn2.weight"] == [512])
        #expect(named["fc.weight"] == [1000, 512])
        #expect(named["fc.bias"] == [1000])
        let buffers = r18.namedBuffers().map(\.name)
        #expect(buffers.contains("layer3.0.downsample.1.running_var"))
        #expect(buffers.contains("bn1.running_mean"))
        #expect(buffers.count == 40)  // 20 BatchNorms × (mean, var)
        #expect(try r18.outputShape(for: [1, 3, 224, 224]) == [1, 1000])
        #expect(r18.signature == "resnet(18)")
        #expect(r18.children.map(\.name) == ["conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3",
                                             "layer4", "avgpool", "flatten", "fc"])

        let r34 = try Zoo.resnet(depth: 34, rng: &rng)
        #expect(r34.parameterCount() == 21_797_672)
        #expect(try r34.outputShape(for: [2, 3, 224, 224]) == [2, 1000])
        #expect(throws: OpError.self) { try Zoo.resnet(depth: 50, rng: &rng) }
    }

    @Test("small ResNet: 3×3 stem without max-pool for 28×28 and 32×32")
    func resnetSmall() throws {
        var rng = RandomSource(seed: 3)
        let net = try Zoo.resnet(depth: 18, classes: 10, channels: 1, small: true, rng: &rng)
        #expect(try net.outputShape(for: [1, 1, 28, 28]) == [1, 10])
        #expect(try net.outputShape(for: [4, 1, 32, 32]) == [4, 10])
        let names = net.namedParameters().map(\.name)
        #expect(names.first == "conv1.weight")
        #expect(net.namedParameters().first?.variable.shape == [64, 1, 3, 3])
        #expect(!net.children.contains { $0.name == "maxpool" })
        // 11,689,512 − stem (3·64·49 → 1·64·9) − fc (512·1000+1000 → 512·10+10)
        #expect(net.parameterCount() == 11_689_512 - 64 * 3 * 49 + 64 * 9 - 513_000 + 5_130)
        #expect(net.signature == "resnet(18, classes:10, channels:1, small:true)")
        // Conv weights are Kaiming-normal with fan_out: std √(2/(64·9)) ≈ 0.059 for the stem.
        let w = net.namedParameters()[0].variable.value.scalars
        let mean = w.reduce(0, +) / Float(w.count)
        let std = (w.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(w.count)).squareRoot()
        #expect(abs(std - (2 / Float(576)).squareRoot()) < 0.015)
    }

    @Test("output shapes of every layer, with errors naming the layer")
    func layerShapes() throws {
        var rng = RandomSource(seed: 4)
        let conv = try Conv(3, 8, kernel: Size2(3), stride: Size2(2), padding: .explicit(Padding2D(1)), rng: &rng)
        #expect(try conv.outputShape(for: [2, 3, 9, 9]) == [2, 8, 5, 5])
        #expect(try conv.outputShape(for: [3, 9, 9]) == [8, 5, 5])
        #expect(conv.signature == "Conv(3, 8, 3, stride:2, pad:1)")
        #expect(throws: OpError.self) { try conv.outputShape(for: [2, 4, 9, 9]) }
        #expect(throws: OpError.self) { try conv.outputShape(for: [9, 9]) }
        let same = try Conv(4, 4, kernel: Size2(3, 5), stride: Size2(2), padding: .same, groups: 2, bias: false, rng: &rng)
        #expect(try same.outputShape(for: [1, 4, 7, 8]) == [1, 4, 4, 4])
        #expect(same.signature == "Conv(4, 4, [3, 5], stride:2, pad:\"same\", groups:2, bias:false)")
        #expect(same.ownParameters.map(\.name) == ["weight"])
        #expect(same.weight.shape == [4, 2, 3, 5])
        #expect(throws: OpError.self) { try Conv(3, 4, kernel: Size2(3), groups: 2, rng: &rng) }
        #expect(throws: OpError.self) { try Conv(0, 4, kernel: Size2(3), rng: &rng) }
        #expect(throws: OpError.self) { try Conv(1, 4, kernel: Size2(0), rng: &rng) }
        // Too small an input: the error is Window2D's, named for the layer.
        do {
            _ = try Conv(1, 1, kernel: Size2(5), rng: &rng).outputShape(for: [1, 1, 3, 3])
            Issue.record("expected an error")
        } catch let e as OpError {
            #expect(e.op == "Conv")
            #expect(e.message.contains("5×5"))
        }

        let dense = try Dense(6, 4, rng: &rng)
        #expect(try dense.outputShape(for: [5, 6]) == [5, 4])
        #expect(try dense.outputShape(for: [2, 3, 6]) == [2, 3, 4])
        #expect(throws: OpError.self) { try dense.outputShape(for: [5, 7]) }
        #expect(throws: OpError.self) { try dense.outputShape(for: []) }

        let mp = try MaxPool(kernel: Size2(3), stride: Size2(2), padding: .explicit(Padding2D(1)), ceilMode: true)
        #expect(try mp.outputShape(for: [1, 2, 8, 8]) == [1, 2, 5, 5])  // ceil((8+2-3)/2)+1 = 5
        #expect(mp.signature == "MaxPool(3, stride:2, pad:1, ceil:true)")
        #expect(try MaxPool(kernel: Size2(2)).outputShape(for: [3, 7, 7]) == [3, 3, 3])
        #expect(throws: OpError.self) { try MaxPool(kernel: Size2(2), padding: .explicit(Padding2D(2))).outputShape(for: [1, 1, 8, 8]) }
        let ap = try AvgPool(kernel: Size2(2), stride: Size2(1), countPad: false)
        #expect(try ap.outputShape(for: [1, 1, 4, 5]) == [1, 1, 3, 4])
        #expect(ap.signature == "AvgPool(2, stride:1, count_pad:false)")
        #expect(try GlobalAvgPool().outputShape(for: [2, 5, 3, 3]) == [2, 5, 1, 1])
        #expect(throws: OpError.self) { try GlobalAvgPool().outputShape(for: [5]) }
        #expect(try Flatten().outputShape(for: [2, 5, 3, 3]) == [2, 45])
        #expect(try Flatten(axis: 0).outputShape(for: [2, 5]) == [1, 10])
        #expect(try Flatten(axis: -1).outputShape(for: [2, 5, 3]) == [2, 5, 3])
        #expect(throws: OpError.self) { try Flatten(axis: 4).outputShape(for: [2, 5, 3]) }
        for layer in [Layers.relu(), Layers.leakyRelu(slope: 0.2), Layers.sigmoid(), Layers.tanh(), Layers.softmax()] {
            #expect(try layer.outputShape(for: [2, 7]) == [2, 7])
        }
        #expect(Layers.leakyRelu(slope: 0.2).signature == "LeakyReLU(0.2)")
        #expect(throws: OpError.self) { try Layers.softmax(axis: 3).outputShape(for: [2, 7]) }
        let bn = try BatchNorm(5)
        #expect(try bn.outputShape(for: [2, 5, 3, 3]) == [2, 5, 3, 3])
        #expect(throws: OpError.self) { try bn.outputShape(for: [2, 4, 3, 3]) }
        #expect(bn.weight.value.scalars == [1, 1, 1, 1, 1] && bn.bias.value.scalars == [0, 0, 0, 0, 0])
        #expect(bn.runningMean.scalars == [0, 0, 0, 0, 0] && bn.runningVar.scalars == [1, 1, 1, 1, 1])
        #expect(bn.ownBuffers.map(\.name) == ["running_mean", "running_var"])
        #expect(throws: OpError.self) { try BatchNorm(0) }
        let drop = try Dropout(p: 0.25, seed: 1)
        #expect(try drop.outputShape(for: [3, 4]) == [3, 4])
        #expect(throws: OpError.self) { try Dropout(p: 1, seed: 1) }
        #expect(throws: OpError.self) { try Dropout(p: -0.1, seed: 1) }

        let block = Sequential([try Conv(4, 8, kernel: Size2(3), padding: .explicit(Padding2D(1)), rng: &rng), try BatchNorm(8)])
        #expect(throws: OpError.self) { try Residual(block).outputShape(for: [1, 4, 6, 6]) }
        let projected = Residual(block, shortcut: try Conv(4, 8, kernel: Size2(1), bias: false, rng: &rng))
        #expect(try projected.outputShape(for: [1, 4, 6, 6]) == [1, 8, 6, 6])
        #expect(projected.namedParameters().map(\.name) == ["block.0.weight", "block.0.bias", "block.1.weight", "block.1.bias", "shortcut.weight"])
        let bb = try BasicBlock(8, 16, stride: 2, rng: &rng)
        #expect(try bb.outputShape(for: [2, 8, 9, 9]) == [2, 16, 5, 5])
        #expect(bb.signature == "BasicBlock(8, 16, stride:2)")
    }

    @Test("PyTorch default init: weights and biases in ±1/√fan_in, spread over it, seeded")
    func initRanges() throws {
        for (cin, cout, k, groups) in [(1, 6, 5, 1), (6, 16, 5, 1), (8, 32, 3, 4), (64, 64, 1, 1)] {
            var rng = RandomSource(seed: UInt64(cin * 100 + k))
            let conv = try Conv(cin, cout, kernel: Size2(k), groups: groups, rng: &rng)
            let bound = 1 / Float(cin / groups * k * k).squareRoot()
            let w = conv.weight.value.scalars, b = try #require(conv.bias).value.scalars
            #expect(w.allSatisfy { abs($0) <= bound } && b.allSatisfy { abs($0) <= bound })
            // Uniform: the extremes come close to the bound, the mean close to 0.
            #expect((w.max() ?? 0) > 0.8 * bound && (w.min() ?? 0) < -0.8 * bound)
            #expect(abs(w.reduce(0, +) / Float(w.count)) < 0.2 * bound)
        }
        var r1 = RandomSource(seed: 9), r2 = RandomSource(seed: 9)
        let d1 = try Dense(400, 120, rng: &r1), d2 = try Dense(400, 120, rng: &r2)
        #expect(d1.weight.value == d2.weight.value)
        let bound = 1 / Float(400).squareRoot()
        #expect(d1.weight.value.scalars.allSatisfy { abs($0) <= bound })
        #expect(try #require(d1.bias).value.scalars.allSatisfy { abs($0) <= bound })
        #expect(d1.weight.requiresGrad)
        #expect(Init.kaimingUniformBound(fanIn: 25) == 0.2)
    }

    @Test("shared parameters and modules are listed and counted once")
    func shared() throws {
        var rng = RandomSource(seed: 5)
        let d = try Dense(4, 4, rng: &rng)
        let model = Sequential([d, Layers.relu(), d])
        #expect(model.parameterCount() == 20)
        #expect(model.namedParameters().map(\.name) == ["0.weight", "0.bias"])
        // A parameter tied between two different layers (weight tying).
        let e = try Dense(4, 4, rng: &rng)
        e.weight = d.weight
        let tied = Sequential([d, e])
        #expect(tied.parameterCount() == 16 + 4 + 4)
        #expect(tied.namedParameters().map(\.name) == ["0.weight", "0.bias", "1.bias"])
        #expect(tied.modules().count == 3)
    }

    @Test("setTraining reaches every module; setChild replaces named and indexed children")
    func modesAndReplacement() throws {
        var rng = RandomSource(seed: 6)
        let net = try Zoo.resnet(depth: 18, classes: 10, channels: 1, small: true, rng: &rng)
        net.setTraining(false)
        #expect(net.modules().allSatisfy { !$0.isTraining })
        net.setTraining(true)
        #expect(net.modules().allSatisfy { $0.isTraining })

        try net.setChild(name: "fc", module: try Dense(512, 5, rng: &rng))
        #expect(try net.outputShape(for: [1, 1, 28, 28]) == [1, 5])
        #expect(net.namedParameters().last?.name == "fc.bias")
        #expect(net.namedParameters().last?.variable.shape == [5])
        #expect(throws: OpError.self) { try net.setChild(name: "nope", module: Flatten()) }

        let seq = Sequential([Layers.relu(), Layers.tanh()])
        try seq.setChild(name: "1", module: Layers.sigmoid())
        try seq.setChild(name: "-2", module: Flatten())
        #expect(seq.layers.map(\.typeName) == ["Flatten", "Sigmoid"])
        #expect(throws: OpError.self) { try seq.setChild(name: "2", module: Flatten()) }
        #expect(throws: OpError.self) { try seq.setChild(name: "x", module: Flatten()) }
        #expect(throws: OpError.self) { try Layers.relu().setChild(name: "0", module: Flatten()) }
        let block = try BasicBlock(4, 4, rng: &rng)
        try block.setChild(name: "downsample", module: Sequential([]))
        #expect(block.children.last?.name == "downsample")
        #expect(throws: OpError.self) {
            try NamedSequential(typeName: "T", signature: "T()", [("a", Flatten()), ("a", Flatten())])
        }
    }
}
