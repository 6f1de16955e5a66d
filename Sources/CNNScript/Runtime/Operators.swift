import CNNKit
import Foundation

/// The binary operators on values. Numbers stay numbers; as soon as a tensor takes part, both sides
/// become tensors and the engine broadcasts them like NumPy (`Variable.binary`, which records only
/// when a side needs a gradient).
enum Operators {
    private static let tensorOps: [BinaryOperator: BinaryOp] = [
        .add: .add, .sub: .sub, .mul: .mul, .div: .div, .pow: .pow,
        .eq: .eq, .ne: .ne, .lt: .lt, .le: .le, .gt: .gt, .ge: .ge,
    ]

    static func binary(_ op: BinaryOperator, _ l: Value, _ r: Value) throws -> Value {
        switch (l, r) {
        case (.number(let a), .number(let b)):
            return try numbers(op, a, b)
        case (.string(let a), .string(let b)):
            switch op {
            case .add: return .string(a + b)
            case .eq: return .bool(a == b)
            case .ne: return .bool(a != b)
            case .lt: return .bool(a < b)
            case .le: return .bool(a <= b)
            case .gt: return .bool(a > b)
            case .ge: return .bool(a >= b)
            default: break
            }
        case (.list(let a), .list(let b)) where op == .add:
            return .list(a + b)
        default:
            break
        }
        if isTensorLike(l) && isTensorLike(r) && (l.isTensor || r.isTensor) {
            guard let a = try Convert.variable(l), let b = try Convert.variable(r) else { throw mismatch(op, l, r) }
            if op == .matmul { return .tensor(try Variable.matmul(a, b)) }
            guard let top = tensorOps[op] else { throw mismatch(op, l, r) }
            return .tensor(try Variable.binary(top, a, b))
        }
        if op == .eq { return .bool(equal(l, r)) }
        if op == .ne { return .bool(!equal(l, r)) }
        throw mismatch(op, l, r)
    }

    private static func numbers(_ op: BinaryOperator, _ a: Double, _ b: Double) throws -> Value {
        switch op {
        case .add: return .number(a + b)
        case .sub: return .number(a - b)
        case .mul: return .number(a * b)
        case .div: return .number(a / b)
        case .pow: return .number(pow(a, b))
        case .matmul: throw RuntimeError("'@' multiplies matrices: both sides must be tensors, got \(Value.formatNumber(a)) and \(Value.formatNumber(b))")
        case .eq: return .bool(a == b)
        case .ne: return .bool(a != b)
        case .lt: return .bool(a < b)
        case .le: return .bool(a <= b)
        case .gt: return .bool(a > b)
        case .ge: return .bool(a >= b)
        }
    }

    private static func isTensorLike(_ v: Value) -> Bool {
        switch v {
        case .number, .tensor, .bool: return true
        case .list(let items): return items.allSatisfy(isTensorLike)
        default: return false
        }
    }

    private static func mismatch(_ op: BinaryOperator, _ l: Value, _ r: Value) -> RuntimeError {
        RuntimeError("'\(op.rawValue)' cannot combine \(l.brief) (\(l.typeName)) and \(r.brief) (\(r.typeName))")
    }

    /// Structural equality for values that are not compared element by element.
    static func equal(_ l: Value, _ r: Value) -> Bool {
        switch (l, r) {
        case (.none, .none): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.number(let a), .number(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        // Constants compare by value; a parameter or graph result is one shared tensor.
        case (.tensor(let a), .tensor(let b)):
            return a.isConstant && b.isConstant ? a.value == b.value : a === b
        case (.list(let a), .list(let b)): return a.count == b.count && zip(a, b).allSatisfy { equal($0, $1) }
        case (.function(let a), .function(let b)): return a === b || a.name == b.name && a.isBuiltin && b.isBuiltin
        case (.object(let a as ModelObject), .object(let b as ModelObject)): return a.module === b.module
        case (.object(let a), .object(let b)): return a === b
        default: return false
        }
    }
}

extension Value {
    var isTensor: Bool {
        if case .tensor = self { return true }
        return false
    }
}

extension Function {
    var isBuiltin: Bool {
        if case .builtin = kind { return true }
        return false
    }
}
