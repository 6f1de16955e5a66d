import CNNKit

/// The sliding-window parameters, documented once for the function and the layer forms
/// (`conv(x, w, stride:…)` and `Conv(…, stride:…)`, `maxpool(x, 2)` and `MaxPool(2)`), and read once.
extension Builtins {
    static let strideDoc = "s or [sh, sw]"
    static let padDoc = "p, [ph, pw], [top, left, bottom, right], \"same\" or \"valid\""
    static let dilationDoc = "s or [dh, dw]: spacing of the kernel taps"

    /// `k, stride:, pad:, dilation:, ceil:` of `maxpool(x, …)` and `MaxPool(…)`.
    static let maxPoolParameters: [Parameter] = [
        .required("k", "window size, k or [kh, kw]"),
        .labeled("stride", .none, shown: "k", strideDoc),
        .labeled("pad", .number(0), padDoc + " (padding never wins the max)"),
        .labeled("dilation", .number(1), dilationDoc),
        .labeled("ceil", .bool(false), "round the output size up (PyTorch's ceil_mode)"),
    ]

    /// `k, stride:, pad:, ceil:, count_pad:` of `avgpool(x, …)` and `AvgPool(…)`.
    static let avgPoolParameters: [Parameter] = [
        .required("k", "window size, k or [kh, kw]"),
        .labeled("stride", .none, shown: "k", strideDoc),
        .labeled("pad", .number(0), padDoc),
        .labeled("ceil", .bool(false), "round the output size up (PyTorch's ceil_mode)"),
        .labeled("count_pad", .bool(true), "count padding cells in the divisor (PyTorch's count_include_pad, default true; ONNX's default is false)"),
    ]
}

/// A pooling window as the arguments give it (stride nil: the kernel size).
struct PoolArguments {
    var kernel: Size2
    var stride: Size2?
    var padding: PaddingSpec
    var dilation = Size2(1)
    var ceil: Bool
    var countPad = true
}

extension BoundArguments {
    /// The arguments of `maxPoolParameters`.
    func maxPoolArguments() throws -> PoolArguments {
        PoolArguments(kernel: try size2("k"), stride: try optionalSize2("stride"), padding: try padding("pad"),
                      dilation: try size2("dilation"), ceil: try bool("ceil"))
    }

    /// The arguments of `avgPoolParameters`.
    func avgPoolArguments() throws -> PoolArguments {
        PoolArguments(kernel: try size2("k"), stride: try optionalSize2("stride"), padding: try padding("pad"),
                      ceil: try bool("ceil"), countPad: try bool("count_pad"))
    }
}
