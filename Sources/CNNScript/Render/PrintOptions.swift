/// The knobs of tensor printing, with PyTorch's defaults (`torch.set_printoptions`, NumPy's
/// `set_printoptions`): `printopts(…)` sets them per session.
///
/// Every value is accepted: out-of-range settings are clamped when a tensor is formatted (see
/// `clamped`), so a session can store whatever the user typed without the printer ever failing.
public struct PrintOptions: Sendable, Equatable {
    /// Digits after the decimal point in fixed and scientific notation (PyTorch default 4).
    public var precision = 4
    /// A tensor with more elements than this is summarised with `...` (PyTorch default 1000).
    public var threshold = 1000
    /// How many items to show at the start and end of each summarised dimension (default 3).
    public var edgeitems = 3
    /// The widest line the values may take, in characters; longer rows wrap (default 80).
    public var linewidth = 80
    /// PyTorch's `sci_mode`: `true` forces scientific notation, `false` forbids it, `nil` (default)
    /// lets the values decide (see `TensorFormatter`).
    public var sciMode: Bool? = nil

    public init() {}

    /// The largest precision honoured: float32 carries about 9 significant digits, so more digits only
    /// print the binary expansion's noise.
    public static let maxPrecision = 16

    /// The options as the formatter uses them: precision in 0…`maxPrecision`, edgeitems ≥ 0, linewidth
    /// ≥ 1. A negative threshold summarises every tensor, as in NumPy.
    public var clamped: PrintOptions {
        var o = self
        o.precision = min(max(precision, 0), PrintOptions.maxPrecision)
        o.edgeitems = max(edgeitems, 0)
        o.linewidth = max(linewidth, 1)
        return o
    }
}
