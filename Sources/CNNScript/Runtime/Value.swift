import CNNKit

/// A value of the language. Layers, models and data sets plug in as `.object` (see `ScriptObject`), so
/// new kinds of value do not need a new case here.
enum Value {
    case none
    case bool(Bool)
    case number(Double)
    case string(String)
    /// A tensor, as the autograd graph holds it: a constant (`zeros(3)`, an op on constants), a parameter
    /// (a layer's weight, a tensor marked with `param(x)`), or the result of an op on one while gradients
    /// are recorded. Builtins call the differentiable op; it records only when an input needs a
    /// gradient, so constants cost what plain tensors do. A constant is a value (assigning into an
    /// element changes that variable only); a parameter or graph result is shared, as in PyTorch.
    case tensor(Variable)
    case list([Value])
    case function(Function)
    case object(ScriptObject)

    /// `number`, `tensor 2×3`, …: how error messages and `vars()` name the kind of a value.
    var typeName: String {
        switch self {
        case .none: return "none"
        case .bool: return "bool"
        case .number: return "number"
        case .string: return "string"
        case .tensor: return "tensor"
        case .list: return "list"
        case .function: return "function"
        case .object(let o): return o.typeName
        }
    }

    /// A short description for messages: `"x"`, `2.5`, `a tensor 2×3`, `a list of 3 values`.
    var brief: String {
        switch self {
        case .none: return "none"
        case .bool(let b): return b ? "true" : "false"
        case .number(let n): return Value.formatNumber(n)
        case .string(let s): return Value.quote(s)
        case .tensor(let t): return "a tensor \(Value.shapeText(t.shape))\(t.isConstant ? "" : " (requires grad)")"
        case .list(let items): return items.count == 1 ? "a list of 1 value" : "a list of \(items.count) values"
        case .function(let f): return "the function \(f.name)"
        case .object(let o): return "a \(o.typeName)"
        }
    }

    /// A constant tensor value.
    static func tensor(_ t: Tensor) -> Value { .tensor(Variable(t)) }

    /// The values of a tensor, whatever its part in autograd; nil for any other kind of value.
    var tensorValue: Tensor? {
        if case .tensor(let t) = self { return t.value }
        return nil
    }

    /// `2×3`, or `scalar` for rank 0 (where `Shape.describe` would give an empty product).
    static func shapeText(_ shape: [Int]) -> String {
        shape.isEmpty ? "scalar" : Shape.describe(shape)
    }

    /// A float32 result as a number, keeping its shortest decimal form: 0.1f becomes 0.1, not
    /// 0.10000000149011612.
    static func float(_ f: Float) -> Value {
        .number(f.isFinite ? Double("\(f)") ?? Double(f) : Double(f))
    }

    /// Integers print without `.0` (`3`), other numbers in their shortest exact form (`0.5`, `1e-05`).
    static func formatNumber(_ n: Double) -> String {
        if n.isNaN { return "nan" }
        if n.isInfinite { return n < 0 ? "-inf" : "inf" }
        if n == n.rounded(), abs(n) < 1e15 { return String(Int(n)) }
        return "\(n)"
    }

    static func quote(_ s: String) -> String {
        var out = "\""
        for c in s {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default: out.append(c)
            }
        }
        return out + "\""
    }

    /// The 1 or 0 a comparison gives, or the truth of a condition: booleans, numbers (non-zero), and
    /// one-element tensors; anything else is ambiguous and an error (as in NumPy).
    func truth() -> Bool? {
        switch self {
        case .bool(let b): return b
        case .number(let n): return n != 0
        case .none: return false
        case .tensor(let t): return t.value.scalarValue.map { $0 != 0 }
        case .string(let s): return !s.isEmpty
        case .list(let l): return !l.isEmpty
        case .function, .object: return true
        }
    }

    /// Lists may nest at most this deep, so printing and comparing them (recursive) cannot exhaust
    /// the stack, however a loop builds them.
    static let maxNesting = 100

    /// How deeply lists nest inside this value (0 for anything but a list), counting no further than
    /// `maxNesting + 1`.
    var nesting: Int {
        guard case .list(let items) = self else { return 0 }
        var deepest = 0
        for item in items {
            if case .list = item {
                deepest = Swift.max(deepest, item.nesting)
                if deepest > Value.maxNesting { break }
            }
        }
        return deepest + 1
    }

    /// The number this value stands for: a number, or the single value of a one-element tensor.
    var asNumber: Double? {
        switch self {
        case .number(let n): return n
        case .tensor(let t): return t.value.scalarValue.map(Double.init)
        default: return nil
        }
    }
}

/// Any other kind of value — layers, models, data sets, training histories. Members are read with
/// `x.name` and assigned with `x.name = v`; a callable object is used as `obj(x)` or `x |> obj`.
protocol ScriptObject: AnyObject {
    var typeName: String { get }
    /// Names offered by tab completion after `obj.`.
    var memberNames: [String] { get }
    /// The value of `obj.name`, or nil when there is no such member.
    func member(_ name: String) throws -> Value?
    /// `obj.name = value`; throws when the member cannot be assigned.
    func setMember(_ name: String, _ value: Value) throws
    /// The text `print` and the echo show.
    func describe(_ options: PrintOptions) -> String
    /// Calls the object (a model applied to a tensor); nil when it is not callable.
    var call: ((inout BoundArguments, Interpreter) throws -> Value)? { get }
    var callParameters: [Parameter] { get }
    /// The name argument errors of a call use (`Conv: takes 1 positional argument…`).
    var callName: String { get }
}

extension ScriptObject {
    var call: ((inout BoundArguments, Interpreter) throws -> Value)? { nil }
    var callParameters: [Parameter] { [] }
    var callName: String { typeName }
    func setMember(_ name: String, _ value: Value) throws {
        throw RuntimeError("cannot assign to '\(name)' of a \(typeName)")
    }
}

/// A callable: a builtin from the registry or a user `fn` with the environment it was defined in.
final class Function {
    enum Kind {
        case builtin(Builtin)
        case user(FunctionDecl, parameters: [Parameter], closure: Environment)
    }
    let kind: Kind
    init(_ kind: Kind) { self.kind = kind }

    var name: String {
        switch kind {
        case .builtin(let b): return b.name
        case .user(let decl, _, _): return decl.name ?? "fn"
        }
    }

    var parameters: [Parameter] {
        switch kind {
        case .builtin(let b): return b.parameters
        case .user(_, let params, _): return params
        }
    }

    var signature: String { Parameter.signature(name: name, parameters) }
}

/// Variables of one scope; a function call makes a new scope whose parent is the scope the function
/// was defined in, so functions see (and close over) the variables around their definition.
final class Environment {
    private(set) var values: [String: Value] = [:]
    let parent: Environment?
    init(parent: Environment? = nil) { self.parent = parent }

    func lookup(_ name: String) -> Value? {
        if let v = values[name] { return v }
        return parent?.lookup(name)
    }

    /// Assignment always binds in the innermost scope, like Python without `global`.
    func define(_ name: String, _ value: Value) { values[name] = value }

    /// Forgets a name (`:del`); returns false when it was not bound here.
    @discardableResult
    func remove(_ name: String) -> Bool { values.removeValue(forKey: name) != nil }

    /// Forgets every name bound here (`:reset`).
    func removeAll() { values = [:] }

    var allNames: [String] {
        var names = Set(values.keys)
        if let p = parent { names.formUnion(p.allNames) }
        return names.sorted()
    }
}

extension Variable {
    /// A leaf that is not a parameter: no gradient wanted, no graph behind it. The language treats it
    /// as a plain value (printed without `requires grad`, copied when an element is assigned); anything
    /// else (a parameter, frozen or not, or an op's result in the graph) is one shared tensor.
    var isConstant: Bool { isLeaf && !isParameter }
}
