@testable import CNNScript
import CNNKit
import Testing

/// A session whose output is captured, with `live` progress or not.
final class CapturingSession {
    var text = ""
    let session: Session

    init(live: Bool = false, unicode: Bool = true, seed: UInt64 = 0) {
        session = Session(presentation: Presentation(unicode: unicode, live: live), seed: seed, output: { _ in })
        session.output = { [unowned self] in self.text += $0 }
    }

    /// Runs `source`, recording an issue on error; returns the output of this run.
    @discardableResult
    func run(_ source: String, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        let before = text.count
        // `run(_:session:)` of the other tests installs its own output closure: take it back.
        session.output = { [unowned self] in self.text += $0 }
        do {
            try session.run(source, file: "test.cnns", echo: .all)
        } catch let e as ScriptError {
            Issue.record("unexpected error: \(e.rendered)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected error: \(error)", sourceLocation: sourceLocation)
        }
        return String(text.dropFirst(before))
    }

    func value(_ name: String) -> Value? { session.globals.lookup(name) }
}

// MARK: - Stand-in modules (real autograd core, no engine layer code), for the language's plumbing

/// y = x · w elementwise with a learnable scalar w, recorded with the real autograd core.
final class ScaleLayer: Module {
    let weight: Variable
    var isTraining = true
    init(_ w: Float) { weight = Variable(Tensor(w), requiresGrad: true) }
    var typeName: String { "Scale" }
    var signature: String { "Scale(\(weight.value.scalars[0]))" }
    var children: [(name: String, module: Module)] { [] }
    var ownParameters: [(name: String, variable: Variable)] { [("weight", weight)] }
    var ownBuffers: [(name: String, tensor: Tensor)] { [("calls", Tensor(0))] }
    func forward(_ x: Variable) throws -> Variable {
        let w = weight
        let y = try Tensor.binary(.mul, x.value, w.value)
        return Autograd.record(y, parents: [x, w]) { g in
            [try Tensor.binary(.mul, g, w.value), try Tensor.binary(.mul, g, x.value).sum()]
        }
    }
    func outputShape(for input: [Int]) throws -> [Int] { input }
}

/// Two named sub-layers applied in turn (a stand-in for a model with `.fc`-style children).
final class PairLayer: Module {
    var first: Module
    var second: Module
    var isTraining = true
    init(_ a: Module, _ b: Module) { first = a; second = b }
    var typeName: String { "Pair" }
    var signature: String { "Pair" }
    var children: [(name: String, module: Module)] { [("first", first), ("second", second)] }
    var ownParameters: [(name: String, variable: Variable)] { [] }
    var ownBuffers: [(name: String, tensor: Tensor)] { [] }
    func forward(_ x: Variable) throws -> Variable { try second.forward(try first.forward(x)) }
    func outputShape(for input: [Int]) throws -> [Int] { try second.outputShape(for: try first.outputShape(for: input)) }
}
