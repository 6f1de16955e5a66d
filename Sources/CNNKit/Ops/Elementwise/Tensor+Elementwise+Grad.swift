import Foundation

// Gradients of the elementwise ops in Tensor+Elementwise.swift, and their differentiable `Variable`
// versions. a: any shape, b: broadcastable with a → broadcast shape; each operand's gradient is summed
// back over the axes it was broadcast along (`Tensor.sum(toShape:)`).

extension Tensor {
    /// `f(self[i], other[i])` for two tensors of one shape (the gradient and a saved tensor), split
    /// over cores for large tensors. Callers guarantee the shapes match.
    @inline(__always)
    func zipScalars(_ other: Tensor, _ f: (Float, Float) -> Float) -> Tensor {
        let n = count
        let values = [Float](unsafeUninitializedCapacity: n) { buf, initialized in
            initialized = n
            guard let o = buf.baseAddress else { return }
            scalars.withUnsafeBufferPointer { ab in
                other.scalars.withUnsafeBufferPointer { bb in
                    guard let pa = ab.baseAddress, let pb = bb.baseAddress else { return }
                    forChunks(n) { lo, hi in for i in lo..<hi { o[i] = f(pa[i], pb[i]) } }
                }
            }
        }
        return Tensor(unchecked: shape, scalars: values)
    }

    /// `f(self[i], b[i], c[i])` after broadcasting all three to `shape` (the op's output shape).
    static func zipBroadcast3(_ a: Tensor, _ b: Tensor, _ c: Tensor, shape: [Int],
                              _ f: (Float, Float, Float) -> Float) throws -> Tensor {
        let a = try a.broadcasted(to: shape), b = try b.broadcasted(to: shape), c = try c.broadcasted(to: shape)
        let n = a.count
        let values = [Float](unsafeUninitializedCapacity: n) { buf, initialized in
            initialized = n
            guard let o = buf.baseAddress else { return }
            a.scalars.withUnsafeBufferPointer { ab in
                b.scalars.withUnsafeBufferPointer { bb in
                    c.scalars.withUnsafeBufferPointer { cb in
                        guard let pa = ab.baseAddress, let pb = bb.baseAddress, let pc = cb.baseAddress else { return }
                        forChunks(n) { lo, hi in for i in lo..<hi { o[i] = f(pa[i], pb[i], pc[i]) } }
                    }
                }
            }
        }
        return Tensor(unchecked: shape, scalars: values)
    }
}

extension BinaryOp {
    /// Arithmetic has a gradient; comparisons give 0/1 masks, constants for autograd (as in PyTorch).
    var isDifferentiable: Bool {
        switch self {
        case .add, .sub, .mul, .div, .pow, .maximum, .minimum: return true
        case .eq, .ne, .lt, .le, .gt, .ge: return false
        }
    }
}

extension UnaryOp {
    /// Rounding has no useful gradient (zero almost everywhere).
    var isDifferentiable: Bool {
        switch self {
        case .neg, .abs, .exp, .log, .sqrt: return true
        case .floor, .ceil, .round: return false
        }
    }
}

extension Variable {
    /// Differentiable `a op b` with NumPy broadcasting (`Tensor.binary`).
    ///
    /// Gradients follow PyTorch: `**` differentiates both operands (the exponent's gradient is
    /// `y·ln a`, taken as 0 where a = 0 and b ≥ 0; the base's is `b·a^(b-1)`, 0 where b = 0);
    /// `maximum`/`minimum` send the gradient to the larger/smaller operand and split it half and half
    /// on ties (as `torch.maximum`); comparisons return a constant with no gradient.
    public static func binary(_ op: BinaryOp, _ a: Variable, _ b: Variable) throws -> Variable {
        let x = a.value, w = b.value
        let y = try Tensor.binary(op, x, w)
        // Comparisons are piecewise constant: no gradient, so no graph node either.
        guard op.isDifferentiable, Autograd.needsGraph(a, b) else { return Variable(y) }
        let sa = x.shape, sb = w.shape
        let needA = a.requiresGrad, needB = b.requiresGrad
        // Saved operands only when the other side's gradient needs them.
        let keepX: Tensor? = needB ? x : nil, keepW: Tensor? = needA ? w : nil
        switch op {
        case .add:
            return Autograd.record(y, parents: [a, b]) { g in
                [needA ? try g.sum(toShape: sa) : nil, needB ? try g.sum(toShape: sb) : nil]
            }
        case .sub:
            return Autograd.record(y, parents: [a, b]) { g in
                [needA ? try g.sum(toShape: sa) : nil, needB ? try g.sum(toShape: sb).unary(.neg) : nil]
            }
        case .mul:
            return Autograd.record(y, parents: [a, b]) { g in
                [try keepW.map { try (g * $0).sum(toShape: sa) }, try keepX.map { try (g * $0).sum(toShape: sb) }]
            }
        case .div:
            let keepY: Tensor? = needB ? y : nil
            let divisor = w
            return Autograd.record(y, parents: [a, b]) { g in
                let gq = try g / divisor
                // d(a/b)/db = -a/b² = -(a/b)/b.
                return [needA ? try gq.sum(toShape: sa) : nil,
                        try keepY.map { try (gq * $0).sum(toShape: sb).unary(.neg) }]
            }
        case .pow:
            let keepY: Tensor? = needB ? y : nil
            return Autograd.record(y, parents: [a, b]) { [x, w] g in
                let out = g.shape
                var ga: Tensor?, gb: Tensor?
                if needA {
                    let d = try Tensor.zipBroadcast3(g, x, w, shape: out) { g, x, e in
                        e == 0 ? 0 : g * e * Foundation.pow(x, e - 1)
                    }
                    ga = try d.sum(toShape: sa)
                }
                if let y = keepY {
                    let d = try Tensor.zipBroadcast3(g, x, w, shape: out) { g, x, e in
                        x == 0 && e >= 0 ? 0 : g * Foundation.log(x)
                    }
                    gb = try (d * y).sum(toShape: sb)
                }
                return [ga, gb]
            }
        case .maximum, .minimum:
            let larger = op == .maximum
            return Autograd.record(y, parents: [a, b]) { [x, w] g in
                // Share of the gradient that goes to a; b gets the rest. A NaN operand won the forward
                // pass (NumPy's propagation), so it gets the gradient.
                let d = try Tensor.zipBroadcast3(g, x, w, shape: g.shape) { g, x, e in
                    if x.isNaN { return g }
                    if x == e { return g * 0.5 }
                    return (larger ? x > e : x < e) ? g : 0
                }
                return [needA ? try d.sum(toShape: sa) : nil,
                        needB ? try (g - d).sum(toShape: sb) : nil]
            }
        case .eq, .ne, .lt, .le, .gt, .ge:
            return Variable(y)
        }
    }

    /// Differentiable `-x`, `|x|`, `eˣ`, `ln x`, `√x`, and the rounding functions (no gradient). `|x|` has gradient `sign(x)`, 0 at 0 (as PyTorch).
    public func unary(_ op: UnaryOp) throws -> Variable {
        let x = value
        let y = x.unary(op)
        // The rounding functions are piecewise constant: zero gradient almost everywhere (as PyTorch).
        guard op.isDifferentiable, Autograd.needsGraph(self) else { return Variable(y) }
        switch op {
        case .neg:
            return Autograd.record(y, parents: [self]) { g in [g.unary(.neg)] }
        case .abs:
            return Autograd.record(y, parents: [self]) { g in
                [g.zipScalars(x) { g, x in x > 0 ? g : (x < 0 ? -g : 0) }]
            }
        case .exp:
            return Autograd.record(y, parents: [self]) { g in [g.zipScalars(y) { $0 * $1 }] }
        case .log:
            return Autograd.record(y, parents: [self]) { g in [g.zipScalars(x) { $0 / $1 }] }
        case .sqrt:
            return Autograd.record(y, parents: [self]) { g in [g.zipScalars(y) { $0 / (2 * $1) }] }
        case .floor, .ceil, .round:
            return Variable(y)
        }
    }

    /// Differentiable `clip` (`Tensor.clip`): gradient 1 where `min ≤ x ≤ max` (bounds included, as
    /// PyTorch's `clamp`), 0 where the value was clipped.
    public func clip(min lower: Float?, max upper: Float?) throws -> Variable {
        let x = value
        let y = x.clip(min: lower, max: upper)
        guard Autograd.needsGraph(self) else { return Variable(y) }
        let lo = lower ?? -.infinity, hi = upper ?? .infinity
        return Autograd.record(y, parents: [self]) { g in
            [g.zipScalars(x) { g, x in x >= lo && x <= hi ? g : 0 }]
        }
    }

    // MARK: Operators (NumPy broadcasting; throw when the shapes do not fit)

    public static func + (a: Variable, b: Variable) throws -> Variable { try binary(.add, a, b) }
    public static func - (a: Variable, b: Variable) throws -> Variable { try binary(.sub, a, b) }
    public static func * (a: Variable, b: Variable) throws -> Variable { try binary(.mul, a, b) }
    public static func / (a: Variable, b: Variable) throws -> Variable { try binary(.div, a, b) }

    public static func + (a: Variable, b: Float) throws -> Variable { try binary(.add, a, Variable(Tensor(b))) }
    public static func - (a: Variable, b: Float) throws -> Variable { try binary(.sub, a, Variable(Tensor(b))) }
    public static func * (a: Variable, b: Float) throws -> Variable { try binary(.mul, a, Variable(Tensor(b))) }
    public static func / (a: Variable, b: Float) throws -> Variable { try binary(.div, a, Variable(Tensor(b))) }

    public static func + (a: Float, b: Variable) throws -> Variable { try binary(.add, Variable(Tensor(a)), b) }
    public static func - (a: Float, b: Variable) throws -> Variable { try binary(.sub, Variable(Tensor(a)), b) }
    public static func * (a: Float, b: Variable) throws -> Variable { try binary(.mul, Variable(Tensor(a)), b) }
    public static func / (a: Float, b: Variable) throws -> Variable { try binary(.div, Variable(Tensor(a)), b) }

    /// Differentiable negation; cannot fail, so it does not throw.
    public static prefix func - (x: Variable) -> Variable {
        let y = x.value.unary(.neg)
        guard Autograd.needsGraph(x) else { return Variable(y) }
        return Autograd.record(y, parents: [x]) { g in [g.unary(.neg)] }
    }
}
