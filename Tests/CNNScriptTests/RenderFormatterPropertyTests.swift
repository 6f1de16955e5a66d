import CNNKit
@testable import CNNScript
import Foundation
import Testing
import CNNTestSupport

/// Splits printed values into their tokens: numbers, `nan`, `inf`, `-inf` and `...`.
func renderTokens(_ s: Substring) -> [String] {
    s.split(whereSeparator: { " ,[]\n".contains($0) }).map(String.init)
}

/// Checks `TensorFormatter` against PyTorch's own output and against plainly written references on
/// randomised shapes, values and options.
@Suite struct RenderFormatterPropertyTests {
    /// Produced by `str(torch.tensor(values, dtype=torch.float32))` with PyTorch 2.13. Tokens are
    /// compared, not spacing: PyTorch leaves `nan`/`inf` out of the common width, we do not.
    static let fixtures: [(values: [Float], torch: String)] = [
            ([0.10000000149011612, 0.25, -3.5], "tensor([ 0.1000,  0.2500, -3.5000])"),
            ([1.0, 2.0, 3.0], "tensor([1., 2., 3.])"),
            ([9.999999747378752e-06, 0.5, 100.0], "tensor([1.0000e-05, 5.0000e-01, 1.0000e+02])"),
            ([123456792.0, 1.0], "tensor([1.2346e+08, 1.0000e+00])"),
            ([.nan, 1.0, -.infinity], "tensor([nan, 1., -inf])"),
            ([0.0, -0.0, 7.0], "tensor([0., -0., 7.])"),
            ([10000000000.0, 20000000000.0], "tensor([1.0000e+10, 2.0000e+10])"),
            ([0.0010000000474974513, 0.0020000000949949026, 0.5], "tensor([0.0010, 0.0020, 0.5000])"),
            ([-0.001500000013038516, 2.25], "tensor([-1.5000e-03,  2.2500e+00])"),
            ([3.1415927410125732, 2.7182817459106445, -1.4142135381698608], "tensor([ 3.1416,  2.7183, -1.4142])"),
            ([999.5, 0.9995999932289124], "tensor([999.5000,   0.9996])"),
            ([65504.0, 9.999999747378752e-05], "tensor([6.5504e+04, 1.0000e-04])"),
        ]

    @Test func numbersMatchPyTorch() throws {
        for (values, torch) in Self.fixtures {
            let ours = TensorFormatter.values(Tensor(values))
            let theirs = torch.dropFirst("tensor(".count).dropLast()
            #expect(renderTokens(ours[...]) == renderTokens(theirs), "\(values)")
        }
    }

    /// PyTorch's notation rule, written out plainly from torch/_tensor_str.py.
    static func referenceNotation(_ values: [Float]) -> String {
        let nonzero = values.filter { $0.isFinite && $0 != 0 }.map { Double(abs($0)) }
        let ints = values.filter { $0.isFinite && $0 != 0 }.allSatisfy { $0 == $0.rounded(.up) }
        guard let lo = nonzero.min(), let hi = nonzero.max() else { return "integer" }
        if ints { return hi / lo > 1000 || hi > 1e8 ? "scientific" : "integer" }
        return hi / lo > 1000 || hi > 1e8 || lo < 1e-4 ? "scientific" : "fixed"
    }

    @Test func randomValuesReadBackWithinPrecision() throws {
        var rng = TestRNG(7)
        for trial in 0..<300 {
            let n = rng.int(1, 12)
            let scale = Float(pow(10, Double(rng.int(-7, 9))))
            let values: [Float] = (0..<n).map { _ in
                switch trial % 3 {
                case 0: return Float(rng.int(-500, 500))
                case 1: return rng.float(-1, 1) * scale
                default: return rng.float(-1, 1) * Float(pow(10, Double(rng.int(-4, 4))))
                }
            }
            var options = PrintOptions()
            options.precision = rng.int(0, 6)
            let text = TensorFormatter.values(Tensor(values), options: options)
            let tokens = renderTokens(text[...])
            try #require(tokens.count == n, "\(values) → \(text)")
            let notation = Self.referenceNotation(values)
            for (v, token) in zip(values, tokens) {
                let parsed = try #require(Double(token.hasSuffix(".") ? token + "0" : token), "\(token)")
                let exact = Double(v)
                switch notation {
                case "integer":
                    #expect(token.hasSuffix(".") && parsed == exact, "\(token) for \(v)")
                case "fixed":
                    #expect(!token.contains("e"), "\(token) for \(v)")
                    #expect(abs(parsed - exact) <= 0.5 * pow(10, -Double(options.precision)) * (1 + 1e-9), "\(token) for \(v)")
                default:
                    #expect(token.contains("e"), "\(token) for \(v)")
                    let unit = exact == 0 ? 0 : pow(10, (log10(abs(exact))).rounded(.down) - Double(options.precision))
                    #expect(abs(parsed - exact) <= 0.5 * unit * (1 + 1e-6) + 1e-300, "\(token) for \(v)")
                }
            }
            // One common width: every element token is right-aligned in a column of equal size.
            // (A wrapped line ends in `,` and the next starts with the one-space hanging indent, so
            // removing the newlines leaves every field separated by exactly `, `.)
            let fields = String(text.dropFirst().dropLast()).replacingOccurrences(of: "\n", with: "")
                .components(separatedBy: ", ")
            let widths = Set(fields.map(\.count))
            #expect(widths.count == 1, "\(text)")
        }
    }

    /// Which indices of a dimension of length `n` are shown: a plain restatement of the summarising rule.
    static func shown(_ n: Int, summarize: Bool, edge: Int) -> [Int] {
        summarize && n > 2 * edge ? Array(0..<edge) + Array(n - edge..<n) : Array(0..<n)
    }

    @Test func randomShapesLayoutInvariants() throws {
        var rng = TestRNG(11)
        for _ in 0..<150 {
            let rank = rng.int(1, 4)
            let shape = (0..<rank).map { _ in rng.int(1, rank <= 2 ? 40 : 9) }
            let count = shape.reduce(1, *)
            let t = try Tensor(shape: shape, scalars: (0..<count).map { _ in Float(rng.int(-999, 999)) })
            var o = PrintOptions()
            o.linewidth = rng.int(30, 120)
            o.threshold = rng.int(0, 1500)
            o.edgeitems = rng.int(0, 4)
            let text = TensorFormatter.format(t, options: o)
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines[0] == "tensor \(Shape.describe(shape)) f32")
            for line in lines.dropFirst() { #expect(line.count <= o.linewidth, "\(line)") }

            // The shown values, in order, from a naive walk over every index.
            let summarize = count > o.threshold
            let keep = shape.map { Self.shown($0, summarize: summarize, edge: o.edgeitems) }
            var expected: [String] = []
            let strides = Shape.strides(shape)
            for flat in 0..<count {
                var inside = true
                for d in 0..<rank where !keep[d].contains((flat / strides[d]) % shape[d]) { inside = false }
                if inside { expected.append(String(format: "%.0f.", Double(t.scalars[flat]))) }
            }
            let numbers = renderTokens(lines.dropFirst().joined(separator: "\n")[...]).filter { $0 != "..." }
            #expect(numbers == expected, "\(shape) \(o)")
            // Brackets balance and every summarised dimension contributes at least one `...`.
            #expect(text.filter { $0 == "[" }.count == text.filter { $0 == "]" }.count)
            let summarisedDims = zip(shape, keep).filter { $0.0 != $0.1.count }.count
            #expect(text.contains("...") == (summarisedDims > 0))
        }
    }
}
