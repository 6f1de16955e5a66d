import CNNKit

/// Prints tensors the way PyTorch and NumPy users expect, plus the one thing both leave out: a header
/// with the shape and dtype (pytorch/pytorch#63855).
///
/// ```
/// tensor 2×3 f32
/// [[1., 2., 3.],
///  [4., 5., 6.]]
/// ```
/// - Header: `tensor SHAPE f32` with the shape as `2×3`; a rank-0 tensor says `tensor scalar f32` and
///   prints its bare value on the next line; an empty tensor prints `[]`.
/// - Numbers: PyTorch's rules (see `ScalarStyle`): `1.` for integer-valued data, otherwise `precision`
///   digits, scientific when the range is wide; one common width, right-aligned.
/// - Layout: NumPy's `_formatArray` with `", "` separators: nested brackets, a blank line between 2-D
///   blocks, rows wrapped so that no line is longer than `linewidth` (continuation lines align under the
///   first element), and past `threshold` elements `edgeitems` items at each end of every dimension with
///   `...` between them (ASCII, like both NumPy and PyTorch). With `edgeitems` 0 a summarised
///   dimension is just `...` (PyTorch's behaviour; NumPy would still show the last item).
/// The result has no trailing newline.
public enum TensorFormatter {
    /// `tensor 1×1×4×4 f32` header, then aligned, NumPy-style summarised values.
    public static func format(_ t: Tensor, options: PrintOptions = PrintOptions()) -> String {
        header(t) + "\n" + values(t, options: options)
    }

    /// The header line alone, e.g. `tensor 2×3 f32`: for callers that print values elsewhere.
    public static func header(_ t: Tensor) -> String {
        "tensor " + (t.rank == 0 ? "scalar" : Shape.describe(t.shape)) + " f32"
    }

    /// The bracketed values without the header (`str` of a NumPy array).
    public static func values(_ t: Tensor, options: PrintOptions = PrintOptions()) -> String {
        let o = options.clamped
        // `scalars` is publicly settable, so a tensor whose buffer disagrees with its shape is reported,
        // never indexed out of range.
        guard let count = try? Shape.elementCount(t.shape, op: "print"), count == t.scalars.count else {
            return "<\(t.scalars.count) values do not fill shape \(Shape.describe(t.shape))>"
        }
        if t.rank == 0 {
            let v = t.scalars[0]
            return ScalarStyle(values: [v], options: o).string(v)
        }
        if count == 0 { return "[]" }
        let layout = Layout(shape: t.shape, scalars: t.scalars, options: o)
        return layout.render()
    }
}

/// One printout in progress: which items are shown, in what style and width.
private struct Layout {
    enum Item { case index(Int), gap }

    let shape: [Int]
    let strides: [Int]
    let scalars: [Float]
    let summarize: Bool
    let edge: Int
    let linewidth: Int
    let style: ScalarStyle
    let width: Int

    init(shape: [Int], scalars: [Float], options o: PrintOptions) {
        self.shape = shape
        self.strides = Shape.strides(shape)
        self.scalars = scalars
        self.summarize = scalars.count > o.threshold
        self.edge = o.edgeitems
        self.linewidth = o.linewidth
        // The style and width come from the shown values only, as in PyTorch's get_summarized_data.
        var shown: [Float] = []
        Layout.collect(shape: shape, strides: strides, scalars: scalars, summarize: summarize, edge: edge,
                       axis: 0, offset: 0, into: &shown)
        let style = ScalarStyle(values: shown, options: o)
        self.style = style
        self.width = shown.reduce(1) { max($0, style.string($1).utf8.count) }
    }

    /// Items of a dimension of length `n`: all of them, or `edge` at each end around a gap.
    static func items(_ n: Int, summarize: Bool, edge: Int) -> [Item] {
        // `n - edge > edge` rather than `n > 2·edge`: edgeitems may be as large as Int.max.
        guard summarize, n - edge > edge else { return (0..<n).map(Item.index) }
        return (0..<edge).map(Item.index) + [.gap] + (n - edge..<n).map(Item.index)
    }

    static func collect(shape: [Int], strides: [Int], scalars: [Float], summarize: Bool, edge: Int,
                        axis: Int, offset: Int, into out: inout [Float]) {
        for item in items(shape[axis], summarize: summarize, edge: edge) {
            guard case .index(let i) = item else { continue }
            let o = offset + i * strides[axis]
            if axis == shape.count - 1 {
                out.append(scalars[o])
            } else {
                collect(shape: shape, strides: strides, scalars: scalars, summarize: summarize, edge: edge,
                        axis: axis + 1, offset: o, into: &out)
            }
        }
    }

    func render() -> String {
        block(axis: 0, offset: 0, indent: 1, lineWidth: linewidth)
    }

    private func element(_ offset: Int) -> String {
        let s = style.string(scalars[offset])
        let pad = width - s.utf8.count
        return pad > 0 ? String(repeating: " ", count: pad) + s : s
    }

    /// NumPy's `recurser`: the block for `axis` starting at `offset`. `indent` is the hanging indent of
    /// its lines (the brackets already open to the left); `lineWidth` shrinks by one per level for the
    /// closing brackets that will follow the last line.
    private func block(axis: Int, offset: Int, indent: Int, lineWidth: Int) -> String {
        let items = Layout.items(shape[axis], summarize: summarize, edge: edge)
        let pad = String(repeating: " ", count: indent)
        var s = ""
        if axis == shape.count - 1 {
            // Room for the word and the `,` or `]` that follows it.
            let limit = lineWidth - 1
            var line = pad
            var lineLength = indent
            for (k, item) in items.enumerated() {
                let word: String
                switch item {
                case .index(let i): word = element(offset + i * strides[axis])
                case .gap: word = "..."
                }
                let wordLength = word.utf8.count
                // Wrapping a line that holds nothing but the indent would not help (NumPy ≥ 1.14).
                if lineLength + wordLength > limit && lineLength > indent {
                    while line.last == " " { line.removeLast() }
                    s += line + "\n"
                    line = pad
                    lineLength = indent
                }
                line += word
                lineLength += wordLength
                if k < items.count - 1 {
                    line += ", "
                    lineLength += 2
                }
            }
            s += line
        } else {
            let separator = "," + String(repeating: "\n", count: shape.count - axis - 1)
            var parts: [String] = []
            parts.reserveCapacity(items.count)
            for item in items {
                switch item {
                case .index(let i):
                    parts.append(pad + block(axis: axis + 1, offset: offset + i * strides[axis],
                                             indent: indent + 1, lineWidth: lineWidth - 1))
                case .gap:
                    parts.append(pad + "...")
                }
            }
            s = parts.joined(separator: separator)
        }
        return "[" + s.dropFirst(indent) + "]"
    }
}
