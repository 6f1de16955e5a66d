import Foundation

// Elementwise arithmetic. a: any shape, b: any shape broadcastable with it (NumPy rules) → broadcast shape.

/// A binary elementwise op; `rawValue` is the name used in error messages and by the language.
public enum BinaryOp: String, Sendable {
    case add = "+", sub = "-", mul = "*", div = "/", pow = "**",
         maximum = "maximum", minimum = "minimum", eq = "==", ne = "!=", lt = "<", le = "<=", gt = ">", ge = ">="
}

/// A unary elementwise op.
public enum UnaryOp: String, Sendable { case neg, abs, exp, log, sqrt, floor, ceil, round }

/// Elements per parallel chunk: large enough that dispatch costs are noise, small enough to split
/// medium tensors over two cores.
let elementwiseChunk = 1 << 15

/// Runs `body(lo, hi)` over 0..<count in chunks of `chunk`, in parallel when there is more than one chunk.
@inline(__always)
func forChunks(_ count: Int, chunk: Int = elementwiseChunk, _ body: (Int, Int) -> Void) {
    let chunks = (count + chunk - 1) / chunk
    parallelFor(chunks) { c in body(c * chunk, Swift.min(count, (c + 1) * chunk)) }
}

extension Tensor {
    /// Elementwise `a op b` with NumPy broadcasting. Comparisons give 1 (true) or 0 (false), NaN compares
    /// unequal to everything as in IEEE 754. `**` is Foundation's `pow` (so `(-8) ** (1/3)` is NaN, as in
    /// NumPy); `maximum`/`minimum` propagate NaN like NumPy's (not like `fmax`).
    /// Throws when the shapes do not broadcast: `+: shapes 2×3 and 4×3 cannot broadcast (axis 0: 2 vs 4)`.
    public static func binary(_ op: BinaryOp, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        let out = try Shape.broadcast(a.shape, b.shape, op: op.rawValue)
        let n = try Shape.elementCount(out, op: op.rawValue)
        switch op {
        case .add: return broadcastZip(a, b, out, n) { $0 + $1 }
        case .sub: return broadcastZip(a, b, out, n) { $0 - $1 }
        case .mul: return broadcastZip(a, b, out, n) { $0 * $1 }
        case .div: return broadcastZip(a, b, out, n) { $0 / $1 }
        case .pow: return broadcastZip(a, b, out, n) { Foundation.pow($0, $1) }
        case .maximum: return broadcastZip(a, b, out, n) { ($0 > $1 || $0.isNaN) ? $0 : $1 }
        case .minimum: return broadcastZip(a, b, out, n) { ($0 < $1 || $0.isNaN) ? $0 : $1 }
        case .eq: return broadcastZip(a, b, out, n) { $0 == $1 ? 1 : 0 }
        case .ne: return broadcastZip(a, b, out, n) { $0 != $1 ? 1 : 0 }
        case .lt: return broadcastZip(a, b, out, n) { $0 < $1 ? 1 : 0 }
        case .le: return broadcastZip(a, b, out, n) { $0 <= $1 ? 1 : 0 }
        case .gt: return broadcastZip(a, b, out, n) { $0 > $1 ? 1 : 0 }
        case .ge: return broadcastZip(a, b, out, n) { $0 >= $1 ? 1 : 0 }
        }
    }

    /// The broadcast loop behind `binary`; `out` and `n` are already validated. Same-shape and scalar
    /// operands get contiguous loops; anything else walks merged innermost rows.
    @inline(__always)
    private static func broadcastZip(_ a: Tensor, _ b: Tensor, _ out: [Int], _ n: Int,
                            _ f: (Float, Float) -> Float) -> Tensor {
        let values = [Float](unsafeUninitializedCapacity: n) { buf, initialized in
            initialized = n
            guard n > 0, let o = buf.baseAddress else { return }
            a.scalars.withUnsafeBufferPointer { ab in
                b.scalars.withUnsafeBufferPointer { bb in
                    guard let pa = ab.baseAddress, let pb = bb.baseAddress else { return }
                    if a.count == n && b.count == n {
                        // Equal counts after broadcasting means equal shapes up to size-1 axes: the
                        // row-major orders coincide.
                        forChunks(n) { lo, hi in for i in lo..<hi { o[i] = f(pa[i], pb[i]) } }
                    } else if b.count == 1 && a.count == n {
                        let s = pb[0]
                        forChunks(n) { lo, hi in for i in lo..<hi { o[i] = f(pa[i], s) } }
                    } else if a.count == 1 && b.count == n {
                        let s = pa[0]
                        forChunks(n) { lo, hi in for i in lo..<hi { o[i] = f(s, pb[i]) } }
                    } else {
                        let walk = BroadcastWalk(out: out, operands: [a.shape, b.shape])
                        let inner = walk.inner, last = walk.dims.count - 1
                        let sa = walk.strides[0][last], sb = walk.strides[1][last]
                        let rowsPerChunk = Swift.max(1, elementwiseChunk / inner)
                        forChunks(walk.rows, chunk: rowsPerChunk) { lo, hi in
                            for row in lo..<hi {
                                let xa = pa + walk.offset(row: row, operand: 0)
                                let xb = pb + walk.offset(row: row, operand: 1)
                                let dst = o + row * inner
                                if sa == 1 && sb == 1 {
                                    for j in 0..<inner { dst[j] = f(xa[j], xb[j]) }
                                } else if sb == 0 {
                                    let s = xb[0]
                                    for j in 0..<inner { dst[j] = f(xa[j * sa], s) }
                                } else if sa == 0 {
                                    let s = xa[0]
                                    for j in 0..<inner { dst[j] = f(s, xb[j * sb]) }
                                } else {
                                    for j in 0..<inner { dst[j] = f(xa[j * sa], xb[j * sb]) }
                                }
                            }
                        }
                    }
                }
            }
        }
        return Tensor(unchecked: out, scalars: values)
    }

    /// `f` applied to every element, split over cores for large tensors.
    @inline(__always)
    func mapScalars(_ f: (Float) -> Float) -> Tensor {
        let n = count
        let values = [Float](unsafeUninitializedCapacity: n) { buf, initialized in
            initialized = n
            guard let o = buf.baseAddress else { return }
            scalars.withUnsafeBufferPointer { src in
                guard let s = src.baseAddress else { return }
                forChunks(n) { lo, hi in for i in lo..<hi { o[i] = f(s[i]) } }
            }
        }
        return Tensor(unchecked: shape, scalars: values)
    }

    /// Elementwise `-x`, `|x|`, `eˣ`, `ln x`, `√x`, floor, ceiling and rounding (half to even). Out-of-domain inputs give NaN or ±inf as in NumPy
    /// (`log(-1)` is NaN, `log(0)` is -inf), never an error.
    public func unary(_ op: UnaryOp) -> Tensor {
        switch op {
        case .neg: return mapScalars { -$0 }
        case .abs: return mapScalars { Swift.abs($0) }
        case .exp: return mapScalars { Foundation.exp($0) }
        case .log: return mapScalars { Foundation.log($0) }
        case .sqrt: return mapScalars { $0.squareRoot() }
        case .floor: return mapScalars { $0.rounded(.down) }
        case .ceil: return mapScalars { $0.rounded(.up) }
        // Half to even, as NumPy's round and PyTorch's torch.round.
        case .round: return mapScalars { $0.rounded(.toNearestOrEven) }
        }
    }

    /// Limits every element to `min...max`; a nil bound leaves that side open. As NumPy's `clip`
    /// (`minimum(maximum(x, min), max)`): when `min > max` every element becomes `max`; NaN stays NaN.
    public func clip(min lower: Float?, max upper: Float?) -> Tensor {
        switch (lower, upper) {
        case (nil, nil): return self
        case (let lo?, nil): return mapScalars { $0 < lo ? lo : $0 }
        case (nil, let hi?): return mapScalars { $0 > hi ? hi : $0 }
        case (let lo?, let hi?): return mapScalars { x in
            let y = x < lo ? lo : x
            return y > hi ? hi : y
        }
        }
    }

    // MARK: Operators for engine users and tests (NumPy broadcasting; throw when shapes do not fit)

    public static func + (a: Tensor, b: Tensor) throws -> Tensor { try binary(.add, a, b) }
    public static func - (a: Tensor, b: Tensor) throws -> Tensor { try binary(.sub, a, b) }
    public static func * (a: Tensor, b: Tensor) throws -> Tensor { try binary(.mul, a, b) }
    public static func / (a: Tensor, b: Tensor) throws -> Tensor { try binary(.div, a, b) }

    public static func + (a: Tensor, b: Float) throws -> Tensor { try binary(.add, a, Tensor(b)) }
    public static func - (a: Tensor, b: Float) throws -> Tensor { try binary(.sub, a, Tensor(b)) }
    public static func * (a: Tensor, b: Float) throws -> Tensor { try binary(.mul, a, Tensor(b)) }
    public static func / (a: Tensor, b: Float) throws -> Tensor { try binary(.div, a, Tensor(b)) }

    public static func + (a: Float, b: Tensor) throws -> Tensor { try binary(.add, Tensor(a), b) }
    public static func - (a: Float, b: Tensor) throws -> Tensor { try binary(.sub, Tensor(a), b) }
    public static func * (a: Float, b: Tensor) throws -> Tensor { try binary(.mul, Tensor(a), b) }
    public static func / (a: Float, b: Tensor) throws -> Tensor { try binary(.div, Tensor(a), b) }

    /// Elementwise negation.
    public static prefix func - (x: Tensor) -> Tensor { x.unary(.neg) }
}
