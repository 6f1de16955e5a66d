// lenet5: N×1×28×28 → N×classes. resnet: N×channels×H×W → N×classes (224×224 for the ImageNet stem,
// 28×28 or 32×32 with `small`).

public enum Zoo {
    /// SPEC §4's LeNet-5 for 1×28×28 inputs: 61,706 parameters at 10 classes.
    public static func lenet5(classes: Int = 10, rng: inout RandomSource) throws -> Module {
        guard classes >= 1 else { throw OpError("lenet5", "classes must be ≥ 1, got \(classes)") }
        return Sequential([
            try Conv(1, 6, kernel: Size2(5), padding: .explicit(Padding2D(2)), rng: &rng), Activation(.relu),
            try MaxPool(kernel: Size2(2)),
            try Conv(6, 16, kernel: Size2(5), rng: &rng), Activation(.relu), try MaxPool(kernel: Size2(2)),
            Flatten(), try Dense(400, 120, rng: &rng), Activation(.relu),
            try Dense(120, 84, rng: &rng), Activation(.relu), try Dense(84, classes, rng: &rng),
        ])
    }

    /// torchvision's ResNet-18/34 layout (11,689,512 / 21,797,672 parameters at 1000 classes, 3 channels);
    /// `small` swaps the 7×7/2 stem and max-pool for a 3×3/1 stem for 28×28 or 32×32 inputs.
    ///
    /// Children and state-dict names as torchvision's: conv1, bn1, relu, maxpool, layer1…layer4 (each a
    /// Sequential of `BasicBlock`s), avgpool, flatten (parameter-free, a function call in torchvision),
    /// fc. Initialised as torchvision does: convs Kaiming-normal with fan_out and ReLU gain
    /// (std = √(2 / (Cout·k·k))), BatchNorm weight 1 and bias 0, fc PyTorch's Linear default.
    public static func resnet(depth: Int, classes: Int = 1000, channels: Int = 3, small: Bool = false,
                              rng: inout RandomSource) throws -> Module {
        let op = "resnet"
        let stages: [Int]
        switch depth {
        case 18: stages = [2, 2, 2, 2]
        case 34: stages = [3, 4, 6, 3]
        default: throw OpError(op, "depth must be 18 or 34, got \(depth)")
        }
        guard classes >= 1 else { throw OpError(op, "classes must be ≥ 1, got \(classes)") }
        guard channels >= 1 else { throw OpError(op, "channels must be ≥ 1, got \(channels)") }

        var entries: [(name: String, module: Module)] = []
        let he = Conv.WeightInit.kaimingNormalFanOut
        if small {
            entries.append(("conv1", try Conv(channels, 64, kernel: Size2(3), padding: .explicit(Padding2D(1)), bias: false,
                                              weightInit: he, rng: &rng)))
        } else {
            entries.append(("conv1", try Conv(channels, 64, kernel: Size2(7), stride: Size2(2),
                                              padding: .explicit(Padding2D(3)), bias: false, weightInit: he, rng: &rng)))
        }
        entries.append(("bn1", try BatchNorm(64)))
        entries.append(("relu", Activation(.relu)))
        if !small {
            entries.append(("maxpool", try MaxPool(kernel: Size2(3), stride: Size2(2), padding: .explicit(Padding2D(1)))))
        }
        var inChannels = 64
        for (i, blocks) in stages.enumerated() {
            let width = 64 << i
            var layer: [Module] = []
            for b in 0..<blocks {
                layer.append(try BasicBlock(inChannels, width, stride: b == 0 && i > 0 ? 2 : 1, rng: &rng))
                inChannels = width
            }
            entries.append(("layer\(i + 1)", Sequential(layer)))
        }
        entries.append(("avgpool", GlobalAvgPool()))
        entries.append(("flatten", Flatten()))
        entries.append(("fc", try Dense(512, classes, rng: &rng)))

        var signature = "resnet(\(depth)"
        if classes != 1000 { signature += ", classes:\(classes)" }
        if channels != 3 { signature += ", channels:\(channels)" }
        if small { signature += ", small:true" }
        return try NamedSequential(typeName: "ResNet", signature: signature + ")", entries)
    }
}
