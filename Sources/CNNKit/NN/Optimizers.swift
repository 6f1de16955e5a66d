import Foundation

/// Optimizers update the parameters they were given that require a gradient and have one.
public protocol Optimizer: AnyObject {
    var name: String { get }
    var learningRate: Float { get set }
    func step(_ parameters: [Variable]) throws
    /// The per-parameter state (momentum buffers, Adam's moments and step counts), one entry per
    /// parameter in the order each was first stepped: PyTorch's `optimizer.state_dict()["state"]`,
    /// keyed by the parameter itself rather than by an index. Copies: stepping later changes nothing
    /// returned. `OptimizerStateEntry` says what each buffer holds.
    func exportState() -> [OptimizerStateEntry]
    /// Replaces the whole per-parameter state by `entries` (possibly onto other `Variable`s than the
    /// ones exported, e.g. a model read back from a file), so that the next `step` continues exactly
    /// as the exporting optimizer would have. Checks every entry first and throws `OpError` (changing
    /// nothing) for a buffer whose length is not the parameter's element count, a buffer this
    /// optimizer does not keep, a negative or absurd step count, or a parameter listed twice.
    func restoreState(_ entries: [OptimizerStateEntry]) throws
}

public enum Optimizers {
    public static func sgd(lr: Float, momentum: Float = 0, nesterov: Bool = false, weightDecay: Float = 0) throws -> Optimizer {
        try SGD(lr: lr, momentum: momentum, nesterov: nesterov, weightDecay: weightDecay)
    }
    public static func adam(lr: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8, weightDecay: Float = 0) throws -> Optimizer {
        try Adam(lr: lr, beta1: beta1, beta2: beta2, eps: eps, weightDecay: weightDecay, decoupled: false)
    }
    public static func adamW(lr: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8, weightDecay: Float = 0.01) throws -> Optimizer {
        try Adam(lr: lr, beta1: beta1, beta2: beta2, eps: eps, weightDecay: weightDecay, decoupled: true)
    }
}

/// Per-parameter state, keyed by the parameter's identity. The entry holds the parameter itself so
/// its identity cannot be reused by another object while the state lives.
final class ParameterState {
    let parameter: Variable
    var first: [Float]
    var second: [Float]
    var steps = 0
    init(_ parameter: Variable, buffers: Int) {
        self.parameter = parameter
        first = buffers >= 1 ? [Float](repeating: 0, count: parameter.value.count) : []
        second = buffers >= 2 ? [Float](repeating: 0, count: parameter.value.count) : []
    }
}

/// An optimizer's `ParameterState`s in the order the parameters were first stepped (so exports are
/// deterministic), found by the parameter's identity.
final class ParameterStateTable {
    /// Buffers per parameter: 1 for SGD with momentum (the momentum buffer), 2 for Adam (m and v).
    let buffers: Int
    private(set) var states: [ParameterState] = []
    private var index: [ObjectIdentifier: Int] = [:]

    init(buffers: Int) { self.buffers = buffers }

    /// The state of `p`, new (zero buffers, 0 steps) the first time or when `p` changed its size.
    func state(for p: Variable) -> ParameterState {
        let key = ObjectIdentifier(p)
        if let i = index[key], states[i].first.count == p.value.count { return states[i] }
        let s = ParameterState(p, buffers: buffers)
        if let i = index[key] { states[i] = s } else { index[key] = states.count; states.append(s) }
        return s
    }

    /// Replaces every state; the caller has checked the entries.
    func replace(with entries: [OptimizerStateEntry]) {
        states = []
        index = [:]
        for e in entries {
            let s = ParameterState(e.parameter, buffers: 0)
            s.first = e.first; s.second = e.second; s.steps = e.steps
            index[ObjectIdentifier(e.parameter)] = states.count
            states.append(s)
        }
    }
}

enum OptimizerCheck {
    static func learningRate(_ lr: Float, _ op: String) throws {
        guard lr > 0, lr.isFinite else { throw OpError(op, "learning rate must be finite and > 0, got \(lr)") }
    }

    /// The parameters to update: those that require a gradient and have one of their own shape.
    static func updatable(_ parameters: [Variable], _ op: String) throws -> [(Variable, Tensor)] {
        var out: [(Variable, Tensor)] = []
        out.reserveCapacity(parameters.count)
        var seen = Set<ObjectIdentifier>()
        for p in parameters where p.requiresGrad && seen.insert(ObjectIdentifier(p)).inserted {
            guard let g = p.grad else { continue }
            guard g.shape == p.value.shape else {
                throw OpError(op, "gradient \(Shape.describe(g.shape)) does not match its parameter \(Shape.describe(p.value.shape))")
            }
            out.append((p, g))
        }
        return out
    }
}

/// Stochastic gradient descent with PyTorch's semantics (`torch.optim.SGD`, dampening 0):
/// `g = grad + wd·p`; with momentum `b = μ·b + g` (b = g at the first step), then `g = b`, or
/// `g = g + μ·b` with Nesterov; finally `p -= lr·g`.
public final class SGD: Optimizer {
    public var learningRate: Float
    public let momentum: Float, weightDecay: Float
    public let nesterov: Bool
    /// Momentum buffers; none without momentum.
    let table = ParameterStateTable(buffers: 1)

    public init(lr: Float, momentum: Float = 0, nesterov: Bool = false, weightDecay: Float = 0) throws {
        let op = "SGD"
        try OptimizerCheck.learningRate(lr, op)
        guard momentum >= 0, momentum < 1 else { throw OpError(op, "momentum must be in [0, 1), got \(momentum)") }
        guard weightDecay >= 0, weightDecay.isFinite else { throw OpError(op, "weight decay must be finite and ≥ 0, got \(weightDecay)") }
        guard !nesterov || momentum > 0 else { throw OpError(op, "nesterov needs a momentum > 0, got \(momentum)") }
        learningRate = lr; self.momentum = momentum; self.nesterov = nesterov; self.weightDecay = weightDecay
    }

    public var name: String {
        var s = "SGD(lr:\(learningRate)"
        if momentum != 0 { s += ", momentum:\(momentum)" }
        if nesterov { s += ", nesterov:true" }
        if weightDecay != 0 { s += ", decay:\(weightDecay)" }
        return s + ")"
    }

    public func step(_ parameters: [Variable]) throws {
        try OptimizerCheck.learningRate(learningRate, "SGD")
        let lr = learningRate, mu = momentum, wd = weightDecay, nesterov = nesterov
        for (p, g) in try OptimizerCheck.updatable(parameters, "SGD") {
            let n = g.count
            g.scalars.withUnsafeBufferPointer { gb in
                guard let gp = gb.baseAddress else { return }
                if mu == 0 {
                    p.value.scalars.withUnsafeMutableBufferPointer { pb in
                        guard let pp = pb.baseAddress else { return }
                        for i in 0..<n { pp[i] -= lr * (gp[i] + wd * pp[i]) }
                    }
                    return
                }
                let s = table.state(for: p)
                let first = s.steps == 0
                s.steps += 1
                s.first.withUnsafeMutableBufferPointer { bb in
                    guard let bp = bb.baseAddress else { return }
                    p.value.scalars.withUnsafeMutableBufferPointer { pb in
                        guard let pp = pb.baseAddress else { return }
                        for i in 0..<n {
                            let d = gp[i] + wd * pp[i]
                            let b = first ? d : mu * bp[i] + d
                            bp[i] = b
                            pp[i] -= lr * (nesterov ? d + mu * b : b)
                        }
                    }
                }
            }
        }
    }
}

/// Adam (`torch.optim.Adam`) and AdamW (`torch.optim.AdamW`) with PyTorch's semantics:
/// Adam adds `wd·p` to the gradient (L2); AdamW decays the weights apart from it, `p -= lr·wd·p`
/// first. Then `m = β1·m + (1−β1)·g`, `v = β2·v + (1−β2)·g²`,
/// `p -= (lr / (1−β1ᵗ)) · m / (√v / √(1−β2ᵗ) + eps)`, t counted per parameter from 1.
public final class Adam: Optimizer {
    public var learningRate: Float
    public let beta1: Float, beta2: Float, eps: Float, weightDecay: Float
    /// AdamW's decoupled weight decay.
    public let decoupled: Bool
    /// First and second moments with each parameter's step count.
    let table = ParameterStateTable(buffers: 2)

    public init(lr: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, eps: Float = 1e-8,
                weightDecay: Float = 0, decoupled: Bool = false) throws {
        let op = decoupled ? "AdamW" : "Adam"
        try OptimizerCheck.learningRate(lr, op)
        guard beta1 >= 0, beta1 < 1 else { throw OpError(op, "beta1 must be in [0, 1), got \(beta1)") }
        guard beta2 >= 0, beta2 < 1 else { throw OpError(op, "beta2 must be in [0, 1), got \(beta2)") }
        guard eps >= 0, eps.isFinite else { throw OpError(op, "eps must be finite and ≥ 0, got \(eps)") }
        guard weightDecay >= 0, weightDecay.isFinite else { throw OpError(op, "weight decay must be finite and ≥ 0, got \(weightDecay)") }
        learningRate = lr; self.beta1 = beta1; self.beta2 = beta2; self.eps = eps
        self.weightDecay = weightDecay; self.decoupled = decoupled
    }

    public var name: String {
        var s = "\(decoupled ? "AdamW" : "Adam")(lr:\(learningRate)"
        if beta1 != 0.9 || beta2 != 0.999 { s += ", betas:[\(beta1), \(beta2)]" }
        if eps != 1e-8 { s += ", eps:\(eps)" }
        if weightDecay != (decoupled ? 0.01 : 0) { s += ", decay:\(weightDecay)" }
        return s + ")"
    }

    public func step(_ parameters: [Variable]) throws {
        let op = decoupled ? "AdamW" : "Adam"
        try OptimizerCheck.learningRate(learningRate, op)
        let lr = learningRate, b1 = beta1, b2 = beta2, eps = eps, wd = weightDecay, decoupled = decoupled
        for (p, g) in try OptimizerCheck.updatable(parameters, op) {
            let s = table.state(for: p)
            s.steps += 1
            // Bias corrections in Double: 1 − β2ᵗ is tiny for small t.
            let t = Double(s.steps)
            let c1 = 1 - Foundation.pow(Double(b1), t), c2 = 1 - Foundation.pow(Double(b2), t)
            let stepSize = Float(Double(lr) / c1)
            let root2 = Float(c2.squareRoot())
            let decay = decoupled ? 1 - lr * wd : 1
            let l2 = decoupled ? 0 : wd
            let n = g.count
            g.scalars.withUnsafeBufferPointer { gb in
                s.first.withUnsafeMutableBufferPointer { mb in
                    s.second.withUnsafeMutableBufferPointer { vb in
                        p.value.scalars.withUnsafeMutableBufferPointer { pb in
                            guard let gp = gb.baseAddress, let mp = mb.baseAddress, let vp = vb.baseAddress,
                                  let pp = pb.baseAddress else { return }
                            for i in 0..<n {
                                let x = pp[i] * decay
                                let d = gp[i] + l2 * x
                                let m = b1 * mp[i] + (1 - b1) * d
                                let v = b2 * vp[i] + (1 - b2) * d * d
                                mp[i] = m; vp[i] = v
                                pp[i] = x - stepSize * m / (v.squareRoot() / root2 + eps)
                            }
                        }
                    }
                }
            }
        }
    }
}
