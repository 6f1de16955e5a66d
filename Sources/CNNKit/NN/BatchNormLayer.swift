// x: N×C×… (rank ≥ 2) → same shape; weight, bias, running_mean, running_var: C.

/// Batch normalisation over axis 1 (PyTorch's `nn.BatchNorm2d`/`1d`): in training mode it normalises
/// with the batch's statistics and updates the running ones as
/// `running = (1 − momentum)·running + momentum·batch` (PyTorch's momentum 0.1 is ONNX/Keras' 0.9);
/// in inference mode it uses the running statistics. Starts at weight 1, bias 0, mean 0, variance 1.
/// A `frozen` layer (set by `freeze`) stays in inference mode even under `train()`: fine-tuning keeps
/// the pretrained statistics, as the usual PyTorch recipe does by calling `eval()` on frozen BN layers.
public final class BatchNorm: Module {
    public let channels: Int
    public let eps: Float
    public let momentum: Float
    public var weight: Variable
    public var bias: Variable
    public var runningMean: Tensor
    public var runningVar: Tensor
    public var isTraining = true
    /// Set by `Module.freeze`: running statistics are used and not updated, whatever `isTraining` is.
    public var frozen = false

    public init(_ channels: Int, eps: Float = 1e-5, momentum: Float = 0.1) throws {
        let op = "BatchNorm"
        guard channels >= 1 else { throw OpError(op, "channels must be ≥ 1, got \(channels)") }
        guard eps >= 0, eps.isFinite else { throw OpError(op, "eps must be finite and ≥ 0, got \(eps)") }
        guard momentum >= 0, momentum <= 1 else { throw OpError(op, "momentum must be in [0, 1], got \(momentum)") }
        self.channels = channels; self.eps = eps; self.momentum = momentum
        weight = Variable(try Tensor(shape: [channels], repeating: 1), requiresGrad: true)
        bias = Variable(try Tensor(shape: [channels], repeating: 0), requiresGrad: true)
        runningMean = try Tensor(shape: [channels], repeating: 0)
        runningVar = try Tensor(shape: [channels], repeating: 1)
    }

    public var typeName: String { "BatchNorm" }
    public var signature: String {
        var s = "BatchNorm(\(channels)"
        if eps != 1e-5 { s += ", eps:\(eps)" }
        if momentum != 0.1 { s += ", momentum:\(momentum)" }
        return s + ")"
    }
    public var children: [(name: String, module: Module)] { [] }
    public var ownParameters: [(name: String, variable: Variable)] { [("weight", weight), ("bias", bias)] }
    public var ownBuffers: [(name: String, tensor: Tensor)] { [("running_mean", runningMean), ("running_var", runningVar)] }

    public func forward(_ x: Variable) throws -> Variable {
        _ = try outputShape(for: x.shape)
        return try Variable.batchNorm(x, scale: weight, bias: bias, runningMean: &runningMean, runningVar: &runningVar,
                                      momentum: momentum, eps: eps, training: isTraining && !frozen)
    }

    public func outputShape(for input: [Int]) throws -> [Int] {
        guard input.count >= 2, input.allSatisfy({ $0 >= 0 }) else {
            throw OpError(typeName, "\(signature) expects an N×C×… input, got \(Shape.describe(input))")
        }
        guard input[1] == channels else {
            throw OpError(typeName, "\(signature) expects \(channels) channels on axis 1, got \(input[1]) (input \(Shape.describe(input)))")
        }
        return input
    }
}

extension BatchNorm: DescribedLayer {
    public static var specKinds: [String] { ["BatchNorm"] }

    public func specFields(_ writer: inout ModelSpec.Writer) throws -> [(key: String, value: JSONValue)] {
        [("channels", .int(channels)), ("eps", ModelSpec.Writer.number(eps)), ("momentum", ModelSpec.Writer.number(momentum))]
    }

    public static func rebuild(_ spec: ModelSpec.Reader, rng: inout RandomSource) throws -> Module {
        let c = try spec.int("channels", minimum: 1)
        let eps = try spec.float("eps", default: 1e-5), momentum = try spec.float("momentum", default: 0.1)
        return try BatchNorm(c, eps: eps, momentum: momentum)
    }

    public func emitONNX(_ onnx: inout ONNXEmitter, input x: String, shape: [Int], prefix p: String) throws -> String {
        let ins = [x, onnx.initializer(p + "weight", weight.value), onnx.initializer(p + "bias", bias.value),
                   onnx.initializer(p + "running_mean", runningMean), onnx.initializer(p + "running_var", runningVar)]
        // PyTorch's momentum 0.1 is ONNX's 0.9.
        return onnx.op("BatchNormalization", ins, p, [("epsilon", .float(eps)), ("momentum", .float(1 - momentum))])
    }

    public func explanation(input: [Int], output: [Int]) -> [String] {
        ["normalises each of \(channels) channels, then scales and shifts it",
         "parameters: 2·\(channels) = \(Shape.grouped(2 * channels)) (scale γ, shift β); buffers: running mean and variance, 2·\(channels)"]
    }
}
