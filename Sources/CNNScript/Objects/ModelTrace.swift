import CNNKit

/// The data flow of a model for one input shape, as rows in execution order: what `summary` tabulates
/// and `explain` walks through. Shapes come only from each layer's `outputShape(for:)` (the one source
/// of truth); nothing is computed.
///
/// Containers are walked the way they run: `Sequential`/`NamedSequential` child after child;
/// `Residual` its block and shortcut on the same input, then an `add` row; torchvision's `BasicBlock`
/// conv1 … bn2, the `downsample` branch on the block's input, the add, and the ReLU applied again. So
/// residual branches and the add appear as rows (pytorch-summary leaves them out). A container of
/// another kind is walked child by child, a child that does not accept the running shape being fed
/// the container's input (a parallel branch).
struct ModelTrace {
    enum Kind {
        case layer(Module)
        /// The sum closing a residual connection: the two operands as read (`bn2 + downsample`).
        case add(String)
    }

    struct Step {
        var kind: Kind
        /// `conv1: Conv(3, 64, 7, …)`; children of a Sequential show the signature alone.
        var label: String
        /// The state-dict path (`layer1.0.conv1`); "" for the model itself.
        var path: String
        var depth: Int
        var input: [Int]
        var output: [Int]
        /// A module already met earlier in the walk (a shared layer, or BasicBlock's ReLU applied again):
        /// its parameters were counted there.
        var repeated: Bool

        var module: Module? {
            if case .layer(let m) = kind { return m }
            return nil
        }
        var isContainer: Bool { !(module?.children.isEmpty ?? true) }
    }

    /// A layer that does not accept the shape reaching it: named by its path and signature, with that
    /// shape and the model's input.
    struct ShapeFailure: Error, CustomStringConvertible {
        var path: String
        var signature: String
        var input: [Int]
        var modelInput: [Int]
        var reason: String

        var description: String {
            let name = path.isEmpty ? signature : "\(path) (\(signature))"
            return "layer \(name) does not fit its input \(Shape.describe(input)) (model input \(Shape.describe(modelInput))): \(reason)"
        }
    }

    private(set) var steps: [Step] = []
    let input: [Int]
    /// Set by `partial`: the first layer that did not fit. The steps before it are complete; it and
    /// the containers around it have an empty `output`.
    private(set) var failure: ShapeFailure?
    private var seen = Set<ObjectIdentifier>()

    /// Traces `model` on `input`; throws `ShapeFailure` naming the first layer that does not fit.
    init(_ model: Module, input: [Int]) throws {
        self.input = input
        try Self.checkInput(model, input)
        _ = try visit(model, input: input, label: model.signature, path: "", depth: 0)
    }

    private static func checkInput(_ model: Module, _ input: [Int]) throws {
        do { _ = try Shape.elementCount(input, op: "input") } catch {
            throw ShapeFailure(path: "", signature: model.signature, input: input, modelInput: input, reason: "\(error)")
        }
    }

    private init(input: [Int]) { self.input = input }

    /// The trace up to the first layer that does not fit (`failure`), for step-by-step views.
    static func partial(_ model: Module, input: [Int]) -> ModelTrace {
        var trace = ModelTrace(input: input)
        do {
            try checkInput(model, input)
            _ = try trace.visit(model, input: input, label: model.signature, path: "", depth: 0)
        } catch let f as ShapeFailure {
            trace.failure = f
        } catch {
            trace.failure = ShapeFailure(path: "", signature: model.signature, input: input, modelInput: input, reason: "\(error)")
        }
        return trace
    }

    var output: [Int] { steps.first?.output ?? input }

    private func fail(_ m: Module, _ path: String, _ input: [Int], _ error: Error) -> ShapeFailure {
        if let inner = error as? ShapeFailure { return inner }
        return ShapeFailure(path: path, signature: m.signature, input: input, modelInput: self.input, reason: "\(error)")
    }

    private static func childLabel(_ name: String, _ m: Module) -> String {
        Int(name) != nil ? m.signature : "\(name): \(m.signature)"
    }

    private static func join(_ path: String, _ name: String) -> String { path.isEmpty ? name : path + "." + name }

    /// Appends `m`'s row and its children's; returns `m`'s output shape.
    private mutating func visit(_ m: Module, input: [Int], label: String, path: String, depth: Int) throws -> [Int] {
        let repeated = !seen.insert(ObjectIdentifier(m)).inserted
        let index = steps.count
        steps.append(Step(kind: .layer(m), label: label, path: path, depth: depth, input: input, output: [],
                          repeated: repeated))
        let output: [Int]
        if m.children.isEmpty || repeated {
            do { output = try m.outputShape(for: input) } catch { throw fail(m, path, input, error) }
        } else if let block = m as? BasicBlock {
            output = try visitBasicBlock(block, input: input, path: path, depth: depth + 1)
        } else if let residual = m as? Residual {
            output = try visitResidual(residual, input: input, path: path, depth: depth + 1)
        } else if m is Sequential || m is NamedSequential {
            var current = input
            for (name, child) in m.children {
                current = try visit(child, input: current, label: Self.childLabel(name, child),
                                    path: Self.join(path, name), depth: depth + 1)
            }
            output = current
        } else {
            output = try visitOther(m, input: input, path: path, depth: depth + 1)
        }
        // Counts stay within what a tensor can hold, so the summary's products cannot overflow.
        do { _ = try Shape.elementCount(output, op: m.typeName) } catch { throw fail(m, path, input, error) }
        steps[index].output = output
        return output
    }

    private mutating func visitBasicBlock(_ b: BasicBlock, input: [Int], path: String, depth: Int) throws -> [Int] {
        var current = input
        for (name, child) in [("conv1", b.conv1), ("bn1", b.bn1), ("relu", b.relu), ("conv2", b.conv2), ("bn2", b.bn2)] {
            current = try visit(child, input: current, label: Self.childLabel(name, child), path: Self.join(path, name), depth: depth)
        }
        var side = input
        if let d = b.downsample {
            side = try visit(d, input: input, label: Self.childLabel("downsample", d), path: Self.join(path, "downsample"), depth: depth)
        }
        let sum = try add(current, side, operands: b.downsample == nil ? "bn2 + input" : "bn2 + downsample",
                          owner: b, path: path, depth: depth)
        return try visit(b.relu, input: sum, label: Self.childLabel("relu", b.relu), path: Self.join(path, "relu"), depth: depth)
    }

    private mutating func visitResidual(_ r: Residual, input: [Int], path: String, depth: Int) throws -> [Int] {
        let main = try visit(r.block, input: input, label: Self.childLabel("block", r.block), path: Self.join(path, "block"), depth: depth)
        var side = input
        if let s = r.shortcut {
            side = try visit(s, input: input, label: Self.childLabel("shortcut", s), path: Self.join(path, "shortcut"), depth: depth)
        }
        return try add(main, side, operands: r.shortcut == nil ? "block + input" : "block + shortcut",
                       owner: r, path: path, depth: depth)
    }

    /// The add row; the shapes must agree, else the owner's own check explains why.
    private mutating func add(_ a: [Int], _ b: [Int], operands: String, owner: Module, path: String, depth: Int) throws -> [Int] {
        guard a == b else {
            throw ShapeFailure(path: Self.join(path, "add"), signature: operands, input: a, modelInput: input,
                               reason: "the two operands are \(Shape.describe(a)) and \(Shape.describe(b)); they must be equal")
        }
        steps.append(Step(kind: .add(operands), label: "add (\(operands))", path: Self.join(path, "add"), depth: depth,
                          input: a, output: a, repeated: false))
        return a
    }

    /// A container of a kind not known here: its own `outputShape` is the truth; children are fed the
    /// running shape, or the container's input when they do not accept it.
    private mutating func visitOther(_ m: Module, input: [Int], path: String, depth: Int) throws -> [Int] {
        let output: [Int]
        do { output = try m.outputShape(for: input) } catch {
            // Find the child that fails, to name it; else name the container.
            var current = input
            for (name, child) in m.children {
                var probe = self
                do {
                    current = try probe.visit(child, input: current, label: Self.childLabel(name, child),
                                              path: Self.join(path, name), depth: depth)
                } catch let childError {
                    throw fail(child, Self.join(path, name), current, childError)
                }
            }
            throw fail(m, path, input, error)
        }
        // A graph's layers are not a chain: each is fed the shape its node reads.
        let graphInputs = (m as? GraphModel).flatMap { try? $0.layerInputShapes(for: input) }
        var current = input
        for (name, child) in m.children {
            if let shape = graphInputs?[name] { current = shape }
            var probe = self
            if let next = try? probe.visit(child, input: current, label: Self.childLabel(name, child),
                                           path: Self.join(path, name), depth: depth) {
                self = probe
                current = next
            } else {
                probe = self
                _ = try? probe.visit(child, input: input, label: Self.childLabel(name, child), path: Self.join(path, name), depth: depth)
                self = probe
            }
        }
        return output
    }
}
