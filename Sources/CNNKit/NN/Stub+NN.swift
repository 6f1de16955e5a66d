// TEMPORARY interface stub (owner: G3 "nn"): layers, models, optimizers, training, model zoo. The owner
// replaces it with real files under Sources/CNNKit/NN/ and deletes it, keeping these signatures.

/// A layer or a model: a function of one input with named parameters and named sub-layers
/// (PyTorch's `nn.Module`; names follow PyTorch's `state_dict`, e.g. `layer1.0.conv1.weight`).
public protocol Module: AnyObject {
    /// The constructor's name as users write it: "Conv", "Dense", "Sequential", "Residual", …
    var typeName: String { get }
    /// A one-line description of the hyper-parameters, e.g. `Conv(1, 6, 5, pad:2)`.
    var signature: String { get }
    /// Named direct sub-layers in order ("0", "1", … for Sequential; "conv1", "fc", … for named ones).
    var children: [(name: String, module: Module)] { get }
    /// The layer's own parameters (not its children's): ("weight", w), ("bias", b).
    var ownParameters: [(name: String, variable: Variable)] { get }
    /// Non-learned state saved with the model (BatchNorm's running_mean, running_var).
    var ownBuffers: [(name: String, tensor: Tensor)] { get }
    /// Training mode (BatchNorm uses batch statistics, Dropout drops); set recursively by `setTraining`.
    var isTraining: Bool { get set }
    func forward(_ x: Variable) throws -> Variable
    /// The output shape for an input shape, without computing anything (summary, explain, error
    /// messages that name the layer and the input size).
    func outputShape(for input: [Int]) throws -> [Int]
}

extension Module {
    /// Every parameter of the module tree with its dotted path, each shared parameter once.
    public func namedParameters() -> [(name: String, variable: Variable)] { [] }
    public func parameterCount() -> Int { 0 }
    public func setTraining(_ on: Bool) {}
    /// Runs the model on a plain tensor without recording a graph.
    public func callAsFunction(_ x: Tensor) throws -> Tensor { throw OpError(typeName, "not implemented") }
}

public final class Sequential: Module {
    public var layers: [Module]
    public init(_ layers: [Module]) { self.layers = layers }
    public var typeName: String { "Sequential" }
    public var signature: String { "Sequential" }
    public var children: [(name: String, module: Module)] { [] }
    public var ownParameters: [(name: String, variable: Variable)] { [] }
    public var ownBuffers: [(name: String, tensor: Tensor)] { [] }
    public var isTraining = true
    public func forward(_ x: Variable) throws -> Variable { throw OpError("Sequential", "not implemented") }
    public func outputShape(for input: [Int]) throws -> [Int] { throw OpError("Sequential", "not implemented") }
}

/// Layer constructors as the language exposes them (SPEC §4). Initialisation follows PyTorch's
/// defaults (Kaiming-uniform weights, uniform biases) from the given random source.
public enum Layers {
    public static func conv(_ inChannels: Int, _ outChannels: Int, kernel: Size2, stride: Size2 = Size2(1),
                            padding: PaddingSpec = .explicit(.zero), dilation: Size2 = Size2(1), groups: Int = 1,
                            bias: Bool = true, rng: inout RandomSource) throws -> Module { throw OpError("Conv", "not implemented") }
    public static func dense(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, rng: inout RandomSource) throws -> Module { throw OpError("Dense", "not implemented") }
    public static func maxPool(kernel: Size2, stride: Size2? = nil, padding: PaddingSpec = .explicit(.zero),
                               dilation: Size2 = Size2(1), ceilMode: Bool = false) throws -> Module { throw OpError("MaxPool", "not implemented") }
    public static func avgPool(kernel: Size2, stride: Size2? = nil, padding: PaddingSpec = .explicit(.zero),
                               ceilMode: Bool = false, countPad: Bool = true) throws -> Module { throw OpError("AvgPool", "not implemented") }
    public static func globalAvgPool() -> Module { Sequential([]) }
    public static func flatten(axis: Int = 1) -> Module { Sequential([]) }
    public static func relu() -> Module { Sequential([]) }
    public static func leakyRelu(slope: Float = 0.01) -> Module { Sequential([]) }
    public static func sigmoid() -> Module { Sequential([]) }
    public static func tanh() -> Module { Sequential([]) }
    public static func softmax(axis: Int = 1) -> Module { Sequential([]) }
    public static func batchNorm(_ channels: Int, eps: Float = 1e-5, momentum: Float = 0.1) throws -> Module { throw OpError("BatchNorm", "not implemented") }
    public static func dropout(p: Float, seed: UInt64) throws -> Module { throw OpError("Dropout", "not implemented") }
    /// `block(x) + shortcut(x)` (identity shortcut when nil), then nothing else: add a ReLU after it.
    public static func residual(_ block: Module, shortcut: Module? = nil) -> Module { Sequential([]) }
}

/// Optimizers update the parameters they were given that require a gradient and have one.
public protocol Optimizer: AnyObject {
    var name: String { get }
    var learningRate: Float { get set }
    func step(_ parameters: [Variable]) throws
}

public enum Optimizers {
    public static func sgd(lr: Float, momentum: Float = 0, nesterov: Bool = false, weightDecay: Float = 0) throws -> Optimizer { throw OpError("SGD", "not implemented") }
    public static func adam(lr: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8, weightDecay: Float = 0) throws -> Optimizer { throw OpError("Adam", "not implemented") }
    public static func adamW(lr: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8, weightDecay: Float = 0.01) throws -> Optimizer { throw OpError("AdamW", "not implemented") }
}

/// Learning-rate schedules, applied once per epoch.
public enum Schedule: Sendable, Equatable {
    case constant
    /// lr · gamma^(epoch / every)
    case step(every: Int, gamma: Float)
    /// Cosine from lr down to `minimum` over `epochs` epochs.
    case cosine(epochs: Int, minimum: Float)
    public func rate(base: Float, epoch: Int) -> Float { base }
}

public enum LossKind: String, Sendable { case crossEntropy = "cross_entropy", nll, mse }

public struct FitOptions: Sendable {
    public var epochs = 1
    public var batchSize = 32
    public var shuffle = true
    public var seed: UInt64 = 0
    public var schedule: Schedule = .constant
    public var loss: LossKind = .crossEntropy
    public init() {}
}

/// What `fit` reports as it goes: after every batch (`phase == .batch`) and at the end of each epoch.
public struct FitProgress: Sendable {
    public enum Phase: Sendable { case batch, epochEnd }
    public var phase: Phase
    public var epoch: Int           // 1-based
    public var epochs: Int
    public var batch: Int           // 1-based, within the epoch
    public var batches: Int
    public var imagesPerSecond: Double
    public var elapsed: Double      // seconds in this epoch
    public var loss: Float          // running mean over the epoch so far
    public var accuracy: Float      // running, 0…1
    public var valLoss: Float?      // at epochEnd when validation data was given
    public var valAccuracy: Float?
}

public struct History: Sendable {
    public var loss: [Float] = []
    public var accuracy: [Float] = []
    public var valLoss: [Float] = []
    public var valAccuracy: [Float] = []
    /// True when the user stopped training (Ctrl-C) before the last epoch finished.
    public var interrupted = false
    public init() {}
}

public struct Evaluation: Sendable {
    public var loss: Float
    public var accuracy: Float
    /// confusion[true][predicted] counts.
    public var confusion: [[Int]]
    public var classNames: [String]
}

public enum Training {
    /// Trains `model` on `data`; stops cleanly between batches when `Engine.isCancelled`, keeping the
    /// weights learned so far (History.interrupted). Same seed → same run.
    public static func fit(_ model: Module, data: Dataset, optimizer: Optimizer, options: FitOptions,
                           validation: Dataset? = nil, progress: (FitProgress) -> Void = { _ in }) throws -> History { throw OpError("fit", "not implemented") }
    public static func evaluate(_ model: Module, data: Dataset, batchSize: Int = 256, loss: LossKind = .crossEntropy) throws -> Evaluation { throw OpError("evaluate", "not implemented") }
    /// Class probabilities (softmax of the model's outputs), N×classes.
    public static func predict(_ model: Module, _ x: Tensor, batchSize: Int = 256) throws -> Tensor { throw OpError("predict", "not implemented") }
}

public enum Zoo {
    /// SPEC §4's LeNet-5 for 1×28×28 inputs: 61,706 parameters.
    public static func lenet5(classes: Int = 10, rng: inout RandomSource) throws -> Module { throw OpError("lenet5", "not implemented") }
    /// torchvision's ResNet-18/34 layout (11,689,512 / 21,797,672 parameters at 1000 classes, 3 channels);
    /// `small` swaps the 7×7/2 stem and max-pool for a 3×3/1 stem for 28×28 or 32×32 inputs.
    public static func resnet(depth: Int, classes: Int = 1000, channels: Int = 3, small: Bool = false,
                              rng: inout RandomSource) throws -> Module { throw OpError("resnet", "not implemented") }
}
