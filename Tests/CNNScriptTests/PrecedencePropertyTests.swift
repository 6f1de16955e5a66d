@testable import CNNScript
import Foundation
import Testing
import CNNTestSupport

/// Random arithmetic trees, written with as few parentheses as the precedence table allows, must parse
/// back into the same tree: the interpreter's value equals the tree's value computed directly.
@Suite struct PrecedencePropertyTests {
    indirect enum Node {
        case number(Double)
        case negate(Node)
        case binary(String, Node, Node)

        /// add/sub 1, mul/div/matmul 2, unary minus 3, power 4, atoms 5.
        var level: Int {
            switch self {
            case .number: return 5
            case .negate: return 3
            case .binary(let op, _, _): return op == "**" ? 4 : (op == "+" || op == "-") ? 1 : 2
            }
        }

        var value: Double {
            switch self {
            case .number(let n): return n
            case .negate(let x): return -x.value
            case .binary(let op, let a, let b):
                switch op {
                case "+": return a.value + b.value
                case "-": return a.value - b.value
                case "*": return a.value * b.value
                case "/": return a.value / b.value
                default: return pow(a.value, b.value)
                }
            }
        }

        /// Minimal parentheses: `**` is right-associative and takes a unary operand on its right; the
        /// other binary operators are left-associative.
        var source: String {
            func wrap(_ n: Node, _ needs: Bool) -> String { needs ? "(\(n.source))" : n.source }
            switch self {
            case .number(let n): return Value.formatNumber(n)
            case .negate(let x): return "-" + wrap(x, x.level < 3)
            case .binary(let op, let a, let b):
                if op == "**" { return wrap(a, a.level <= 4) + " ** " + wrap(b, b.level < 3) }
                return wrap(a, a.level < level) + " \(op) " + wrap(b, b.level <= level)
            }
        }
    }

    static func tree(_ rng: inout TestRNG, depth: Int) -> Node {
        if depth == 0 || rng.below(4) == 0 { return .number(Double(rng.below(9) + 1)) }
        if rng.below(6) == 0 { return .negate(tree(&rng, depth: depth - 1)) }
        let op = ["+", "-", "*", "/", "**"][rng.below(5)]
        if op == "**" {
            // Keep powers small: a small base and a small (possibly negated) exponent.
            let exponent: Node = rng.below(3) == 0 ? .negate(.number(Double(rng.below(3)))) : .number(Double(rng.below(3)))
            return .binary(op, tree(&rng, depth: depth - 1), exponent)
        }
        return .binary(op, tree(&rng, depth: depth - 1), tree(&rng, depth: depth - 1))
    }

    @Test func randomExpressionsRoundTrip() {
        var rng = TestRNG(state: 2026)
        for _ in 0..<400 {
            let node = PrecedencePropertyTests.tree(&rng, depth: 4)
            let s = Session(output: { _ in })
            let r = run("r = " + node.source, session: s)
            guard r.error == nil, case .number(let got)? = s.globals.lookup("r") else {
                Issue.record("\(node.source): \(r.error?.description ?? "not a number")")
                continue
            }
            let want = node.value
            // The same IEEE operations in the same order: exact equality (NaN matches NaN).
            #expect(got == want || (got.isNaN && want.isNaN), "\(node.source)")
        }
    }
}
