@testable import CNNKit
import Testing

/// Every way conv, im2col and linear reject their input, checked by message.
@Suite("ConvErrors")
struct ConvErrorTests {
    static func zeros(_ shape: [Int]) -> Tensor {
        Tensor(unchecked: shape, scalars: [Float](repeating: 0, count: shape.reduce(1, *)))
    }

    /// Expects `body` to throw an OpError whose description is exactly `message`.
    func expectError(_ message: String, sourceLocation: SourceLocation = #_sourceLocation,
                     _ body: () throws -> Tensor) {
        do {
            let y = try body()
            Issue.record("expected \"\(message)\", got a result of shape \(y.shape)", sourceLocation: sourceLocation)
        } catch let error as OpError {
            #expect(error.description == message, sourceLocation: sourceLocation)
        } catch {
            Issue.record("expected an OpError, got \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test("conv errors name the op, the shapes and the need")
    func convErrors() {
        let z = Self.zeros
        expectError("conv: kernel 5×5 does not fit padded input 3×3 (H=3, pad=0)") {
            try Tensor.conv(z([1, 1, 3, 3]), z([1, 1, 5, 5]), padding: .explicit(Padding2D(0)))
        }
        expectError("conv: kernel 3×3 does not fit padded input 4×2 (W=2, pad=[1, 0])") {
            try Tensor.conv(z([1, 1, 2, 2]), z([1, 1, 3, 3]), padding: .explicit(Padding2D(h: 1, w: 0)))
        }
        expectError("conv: input must be N×C×H×W, C×H×W or H×W, got shape 5 (rank 1)") {
            try Tensor.conv(z([5]), z([1, 1, 1, 1]))
        }
        expectError("conv: input must be N×C×H×W, C×H×W or H×W, got shape 1×1×1×1×1 (rank 5)") {
            try Tensor.conv(z([1, 1, 1, 1, 1]), z([1, 1, 1, 1]))
        }
        expectError("conv: weight must be K×(C/groups)×R×S or R×S, got shape 1×3×3") {
            try Tensor.conv(z([1, 1, 4, 4]), z([1, 3, 3]))
        }
        expectError("conv: input channels C=3 of input 1×3×4×4 must be divisible by groups=2") {
            try Tensor.conv(z([1, 3, 4, 4]), z([4, 1, 3, 3]), groups: 2)
        }
        expectError("conv: output channels K=3 of weight 3×2×3×3 must be divisible by groups=2") {
            try Tensor.conv(z([1, 4, 4, 4]), z([3, 2, 3, 3]), groups: 2)
        }
        expectError("conv: weight 8×3×3×3 needs 4 input channels per group (C/groups = 4/1) to match input 1×4×5×5, got 3") {
            try Tensor.conv(z([1, 4, 5, 5]), z([8, 3, 3, 3]))
        }
        expectError("conv: groups must be at least 1, got 0") {
            try Tensor.conv(z([1, 4, 5, 5]), z([8, 4, 3, 3]), groups: 0)
        }
        expectError("conv: bias must hold one value per output channel (8), got shape 7") {
            try Tensor.conv(z([1, 4, 5, 5]), z([8, 4, 3, 3]), bias: z([7]))
        }
        expectError("conv: bias must hold one value per output channel (8), got shape 1×8") {
            try Tensor.conv(z([1, 4, 5, 5]), z([8, 4, 3, 3]), bias: z([1, 8]))
        }
        expectError("conv: stride must be at least 1, got 0×1") {
            try Tensor.conv(z([1, 1, 5, 5]), z([1, 1, 3, 3]), stride: Size2(0, 1))
        }
        expectError("conv: dilation must be at least 1, got 1×-1") {
            try Tensor.conv(z([1, 1, 5, 5]), z([1, 1, 3, 3]), dilation: Size2(1, -1))
        }
        expectError("conv: padding must not be negative, got [0, -1, 0, 0]") {
            try Tensor.conv(z([1, 1, 5, 5]), z([1, 1, 3, 3]), padding: .explicit(Padding2D(top: 0, left: -1, bottom: 0, right: 0)))
        }
        expectError("conv: kernel size must be at least 1, got 0×3") {
            try Tensor.conv(z([1, 1, 5, 5]), z([1, 1, 0, 3]))
        }
        expectError("conv: a 2-D weight 3×3 filters each of the 4 channels separately (groups = 4), got groups=2") {
            try Tensor.conv(z([4, 5, 5]), z([3, 3]), groups: 2)
        }
        expectError("conv: kernel 3×3 does not fit padded input 4×4 (H=4, pad=\"valid\")") {
            try Tensor.conv(z([4, 4]), z([3, 3]), dilation: Size2(2))
        }
    }

    @Test("im2col errors")
    func im2colErrors() {
        let z = Self.zeros
        expectError("im2col: input must be N×C×H×W, C×H×W or H×W, got shape 3 (rank 1)") {
            try Tensor.im2col(z([3]), kernel: Size2(1))
        }
        expectError("im2col: kernel 4×4 does not fit padded input 3×3 (H=3, pad=\"valid\")") {
            try Tensor.im2col(z([3, 3]), kernel: Size2(4))
        }
        expectError("im2col: stride must be at least 1, got -2×-2") {
            try Tensor.im2col(z([3, 3]), kernel: Size2(1), stride: Size2(-2))
        }
    }

    @Test("linear errors")
    func linearErrors() {
        let z = Self.zeros
        expectError("linear: input must have at least one axis (…×in), got shape []") {
            try Tensor.linear(Tensor(1), z([2, 1]))
        }
        expectError("linear: weight must be out×in, got shape 3") {
            try Tensor.linear(z([2, 3]), z([3]))
        }
        expectError("linear: weight 4×5 needs 5 input features, input 2×3 has 3") {
            try Tensor.linear(z([2, 3]), z([4, 5]))
        }
        expectError("linear: bias must hold 4 values (one per output of weight 4×3), got shape 3") {
            try Tensor.linear(z([2, 3]), z([4, 3]), bias: z([3]))
        }
    }
}
