import Foundation

/// How the numbers of one printed tensor are written: PyTorch's `_Formatter` (torch/_tensor_str.py).
///
/// The style is chosen once from the values that will actually be shown (after summarising), so every
/// element of a printout uses the same notation and the same column width:
/// - **integer**: every finite value is a whole number → `1.`, `-3.`, `0.` (the dot says "float").
/// - **fixed**: `precision` digits after the point → `0.5000`.
/// - **scientific**: `1.2346e+05`, chosen when the nonzero finite magnitudes span more than a factor of
///   1000, when the largest exceeds 1e8, or (for non-integers) when the smallest is below 1e-4. An
///   integer-valued tensor switches only on the first two rules, as in PyTorch.
/// Non-finite values print as `nan`, `inf`, `-inf` in every style; negative zero keeps its sign
/// (`-0.`), as NumPy and PyTorch print it. Unlike PyTorch, zeros and non-finite values count towards
/// the common width, so columns stay aligned when `-inf` is the widest entry.
struct ScalarStyle {
    enum Notation: Equatable { case integer, fixed, scientific }

    let notation: Notation
    let precision: Int

    init(notation: Notation, precision: Int) {
        self.notation = notation
        self.precision = precision
    }

    /// Picks the notation for `values` (the shown elements) under `options` (already clamped).
    init<S: Sequence>(values: S, options: PrintOptions) where S.Element == Float {
        var allIntegers = true
        var minAbs = Double.infinity, maxAbs = 0.0
        var any = false
        for v in values where v.isFinite && v != 0 {
            any = true
            if v.rounded(.up) != v { allIntegers = false }
            let a = Double(abs(v))
            minAbs = min(minAbs, a)
            maxAbs = max(maxAbs, a)
        }
        var notation: Notation = allIntegers ? .integer : .fixed
        if any {
            let wide = maxAbs / minAbs > 1000 || maxAbs > 1e8
            if wide || (!allIntegers && minAbs < 1e-4) { notation = .scientific }
        }
        // PyTorch's sci_mode overrides the choice both ways; "off" falls back to whole numbers when it can.
        switch options.sciMode {
        case true?: notation = .scientific
        case false?: notation = allIntegers ? .integer : .fixed
        case nil: break
        }
        self.init(notation: notation, precision: options.precision)
    }

    /// The value in this style, without padding.
    func string(_ v: Float) -> String {
        if v.isNaN { return "nan" }
        if v.isInfinite { return v < 0 ? "-inf" : "inf" }
        let d = Double(v)
        switch notation {
        case .integer: return String(format: "%.0f", d) + "."
        case .fixed: return String(format: "%.\(precision)f", d)
        case .scientific: return String(format: "%.\(precision)e", d)
        }
    }
}
