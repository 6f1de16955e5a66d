/// A layer or a model: a function of one input with named parameters and named sub-layers
/// (PyTorch's `nn.Module`; names follow PyTorch's `state_dict`, e.g. `layer1.0.conv1.weight`).
///
/// Modules are classes: a model is a tree of shared references, so an optimizer updates the very
/// `Variable`s the layers hold, and a layer used twice shares its parameters (listed once).
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
    /// messages that name the layer and the input size). Sliding windows use `Window2D.outputSize`.
    func outputShape(for input: [Int]) throws -> [Int]
    /// Replaces the direct child called `name` (`model.fc = Dense(512, 5)`). Containers with named or
    /// indexed children implement it; leaves throw.
    func setChild(name: String, module: Module) throws
}

extension Module {
    public func setChild(name: String, module: Module) throws {
        throw OpError(typeName, "has no sub-layer '\(name)' to replace")
    }

    /// Every parameter of the module tree with its dotted path, each shared parameter once (under the
    /// first path that reaches it, in depth-first order as PyTorch's `named_parameters`).
    public func namedParameters() -> [(name: String, variable: Variable)] {
        var seen = Set<ObjectIdentifier>()
        var out: [(name: String, variable: Variable)] = []
        visit(prefix: "") { prefix, module in
            for (name, v) in module.ownParameters where seen.insert(ObjectIdentifier(v)).inserted {
                out.append((prefix + name, v))
            }
        }
        return out
    }

    /// Every buffer (running statistics) with its dotted path; a module reached twice is listed once.
    public func namedBuffers() -> [(name: String, tensor: Tensor)] {
        var out: [(name: String, tensor: Tensor)] = []
        visit(prefix: "") { prefix, module in
            for (name, t) in module.ownBuffers { out.append((prefix + name, t)) }
        }
        return out
    }

    /// The parameters alone, in `namedParameters` order.
    public func parameters() -> [Variable] { namedParameters().map(\.variable) }

    /// The number of scalars over all parameters, shared ones counted once.
    public func parameterCount() -> Int {
        namedParameters().reduce(0) { $0 + $1.variable.value.count }
    }

    /// Scalars in parameters that take part in training (`requiresGrad`).
    public func trainableParameterCount() -> Int {
        namedParameters().reduce(0) { $0 + ($1.variable.requiresGrad ? $1.variable.value.count : 0) }
    }

    /// Switches this module and every module below it into training (`true`) or inference mode.
    public func setTraining(_ on: Bool) {
        visit(prefix: "") { _, module in module.isTraining = on }
    }

    /// Forgets every parameter's gradient (PyTorch's `zero_grad(set_to_none=True)`): the next
    /// backward pass stores its gradient without adding to an old one.
    public func zeroGrad() {
        for (_, v) in namedParameters() { v.zeroGrad() }
    }

    /// Runs the model on a plain tensor without recording a graph.
    public func callAsFunction(_ x: Tensor) throws -> Tensor {
        try Autograd.noGrad { try forward(Variable(x)).value }
    }

    /// Runs the model on a variable, recording the graph when autograd is on: `forward`.
    public func callAsFunction(_ x: Variable) throws -> Variable { try forward(x) }

    /// Every module of the tree (this one first, depth-first), each distinct module once.
    public func modules() -> [Module] {
        var out: [Module] = []
        visit(prefix: "") { _, m in out.append(m) }
        return out
    }

    /// Depth-first walk calling `body(prefix, module)` where `prefix` is the module's dotted path plus
    /// a trailing dot ("" for the root). A module reached twice (shared) is visited once.
    func visit(prefix: String, _ body: (String, Module) -> Void) {
        var seen = Set<ObjectIdentifier>()
        func walk(_ m: Module, _ prefix: String) {
            guard seen.insert(ObjectIdentifier(m)).inserted else { return }
            body(prefix, m)
            for (name, child) in m.children { walk(child, prefix + name + ".") }
        }
        walk(self, prefix)
    }
}

/// Shape checks shared by layers: the messages name the layer by its signature and the input shape.
enum LayerCheck {
    static func rank(_ input: [Int], atLeast minimum: Int, _ layer: Module, expected: String) throws {
        guard input.count >= minimum, input.allSatisfy({ $0 >= 0 }) else {
            throw OpError(layer.typeName, "\(layer.signature) expects \(expected), got \(Shape.describe(input))")
        }
    }
}
