// TEMPORARY interface stub so that parallel work compiles; its owner replaces it with real code in files
// of their own and deletes this file.

// MARK: - H2 (conv): conv, im2col, linear

extension Tensor {
    /// x: N×C×H×W (or C×H×W, H×W), w: K×(C/groups)×R×S (or R×S: every channel filtered separately).
    public static func conv(_ x: Tensor, _ w: Tensor, bias: Tensor? = nil, stride: Size2 = Size2(1),
                            padding: PaddingSpec = .valid, dilation: Size2 = Size2(1), groups: Int = 1) throws -> Tensor {
        throw OpError("conv", "not implemented")
    }
    /// The matrix conv multiplies: x N×C×H×W → N×(C·R·S)×(P·Q) (C×H×W → (C·R·S)×(P·Q)).
    public static func im2col(_ x: Tensor, kernel: Size2, stride: Size2 = Size2(1), padding: PaddingSpec = .valid,
                              dilation: Size2 = Size2(1)) throws -> Tensor { throw OpError("im2col", "not implemented") }
    /// x: …×in, w: out×in, b: out → …×out.
    public static func linear(_ x: Tensor, _ w: Tensor, bias: Tensor? = nil) throws -> Tensor { throw OpError("linear", "not implemented") }
}

