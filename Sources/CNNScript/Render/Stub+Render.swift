// TEMPORARY interface stub so that parallel work compiles; the renderers' owner replaces it.
import CNNKit

/// PyTorch's print knobs (`printopts(…)` sets them per session).
public struct PrintOptions: Sendable, Equatable {
    public var precision = 4
    public var threshold = 1000
    public var edgeitems = 3
    public var linewidth = 80
    public init() {}
}

public enum TensorFormatter {
    /// `tensor 1×1×4×4 f32` header, then aligned, NumPy-style summarised values.
    public static func format(_ t: Tensor, options: PrintOptions = PrintOptions()) -> String { "" }
}

public enum HeatMap {
    /// `show(x)`: shaded cells for a 2-D map, a labelled grid of channels for 3-D/4-D, with the value range.
    public static func render(_ t: Tensor, presentation: Presentation) -> String { "" }
}
