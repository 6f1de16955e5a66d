// The kernels are written once, as generic code over an instruction set (Generic/), and compiled once
// per set: Generic/ is part of this module (the baseline set, Portable.swift) and, through a symbolic
// link, of CNNKernelsAVX2 and CNNKernelsAVX512, each compiled for its own target CPU. Each module's
// copies are its own internal functions, so no specialisation is shared between modules under one
// symbol (the linker keeps one copy of such a symbol — possibly another instruction set's), and a
// change to Generic/ rebuilds every set. This module also holds what the engine sees of a set: the
// table of its entry points (KernelSet.swift) and the data they take.

/// An instruction set the kernels are instantiated for: its vector, the shape of a register block that
/// fits its registers, and the sizes that keep a GEMM's packed panels in each level of cache.
public protocol KernelISA {
    /// One vector register of floats.
    associatedtype V: SIMD where V.Scalar == Float
    /// Rows of the register block, 1 to 8: values broadcast from the packed left operand (filters of
    /// a convolution, rows of A in a GEMM).
    static var rows: Int { get }
    /// Vectors per row of the register block, 1 to 3: consecutive outputs loaded from the right operand.
    static var vectors: Int { get }
    /// GEMM blocking: depth of one packed panel (its rows × kc floats stay in L1), rows of A packed at
    /// once (L2), and columns of B packed at once (L3).
    static var kc: Int { get }
    static var mc: Int { get }
    static var nc: Int { get }
    /// acc += a · b, one fused multiply-add where the instruction set has one. (On a CPU without FMA, a
    /// fused operation compiles to a library call per lane: baseline x86-64 multiplies, then adds.)
    static func multiplyAdd(_ acc: inout V, _ a: Float, _ b: V)
    /// acc += a · b, lane by lane.
    static func multiplyAdd(_ acc: inout V, _ a: V, _ b: V)
}

/// What happens to a finished block of outputs, in registers, before it is stored: a bias per row,
/// then an activation. (A residual is added by storing onto it with `accumulate`.)
public struct Epilogue: Sendable, Equatable {
    public enum Activation: Sendable, Equatable {
        case identity
        case relu
        /// min(max(x, lower), upper): ReLU6 and clip.
        case clamp(lower: Float, upper: Float)
    }

    public var activation: Activation

    public init(activation: Activation = .identity) {
        self.activation = activation
    }

    public static let none = Epilogue()

    /// Nothing to do beyond a bias: checked per register block, so without reading the `none` global.
    public var isIdentity: Bool {
        if case .identity = activation { return true }
        return false
    }

    /// epilogue(x + bias) for one value, outside the kernels.
    public func apply(_ v: Float, bias: Float) -> Float {
        let x = v + bias
        switch activation {
        case .identity: return x
        case .relu: return x < 0 ? 0 : x
        case .clamp(let lower, let upper): return Swift.min(Swift.max(x, lower), upper)
        }
    }
}

/// One GEMM, C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C, row-major, and what happens to its
/// result: `epilogue(C[i, j] + bias[i])` when a bias or an activation is given.
public struct GEMMProblem {
    public var transA: Bool, transB: Bool
    public var m: Int, n: Int, k: Int
    public var alpha: Float
    public var a: UnsafePointer<Float>, lda: Int
    public var b: UnsafePointer<Float>, ldb: Int
    public var beta: Float
    public var c: UnsafeMutablePointer<Float>, ldc: Int
    /// One value per row of C, added before the activation; nil for none.
    public var bias: UnsafePointer<Float>?
    public var epilogue: Epilogue

    public init(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
                b: UnsafePointer<Float>, ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int,
                bias: UnsafePointer<Float>? = nil, epilogue: Epilogue = .none) {
        (self.transA, self.transB, self.m, self.n, self.k) = (transA, transB, m, n, k)
        (self.alpha, self.a, self.lda, self.b, self.ldb) = (alpha, a, lda, b, ldb)
        (self.beta, self.c, self.ldc, self.bias, self.epilogue) = (beta, c, ldc, bias, epilogue)
    }

    /// Whether anything beyond the plain product is asked for.
    public var hasEpilogue: Bool { bias != nil || !epilogue.isIdentity }
}
