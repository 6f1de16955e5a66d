// Module tree ⇄ JSON architecture description (stored in a safetensors file's __metadata__).

/// A serialisable description of a model's architecture: every layer type with its
/// hyper-parameters, containers with their children in order. `describe` writes it, `build` makes a
/// fresh model of the same architecture (new weights from `rng`; load the saved ones by name after).
///
/// The JSON is one object per module: `{"type": "Conv", "in": 1, "out": 6, "kernel": [5, 5], …}`,
/// containers hold `"layers"` (Sequential), `"entries"` (NamedSequential: `[{"name", "module"}]`),
/// `"block"`/`"shortcut"` (Residual) or `"children"` (BasicBlock). A module reached a second time
/// (a shared layer) is written `{"type": "ref", "id": n}`, n counting modules in writing order, so the
/// rebuilt model shares it too. The top level is `{"format": "cnns.architecture", "version": 1,
/// "model": …}`.
public enum ModelSpec {
    public static let version = 1

    // MARK: - Describing

    /// The architecture of `model` as JSON text. Throws for a module type it does not know.
    public static func describe(_ model: Module) throws -> String {
        var ids: [ObjectIdentifier: Int] = [:]
        let root = try spec(model, ids: &ids)
        return JSONValue.object([("format", .string("cnns.architecture")), ("version", .int(version)),
                                 ("model", root)]).text
    }

    private static func size(_ s: Size2) -> JSONValue { .array([.int(s.h), .int(s.w)]) }
    private static func padding(_ p: PaddingSpec) -> JSONValue {
        switch p {
        case .same: return .string("same")
        case .sameLower: return .string("same_lower")
        case .valid: return .string("valid")
        case .explicit(let q): return .array([.int(q.top), .int(q.left), .int(q.bottom), .int(q.right)])
        }
    }
    private static func number(_ f: Float) -> JSONValue {
        // Float → Double → shortest text keeps the exact float value on the way back.
        .number(Double(f), exactInt: nil)
    }

    private static func spec(_ m: Module, ids: inout [ObjectIdentifier: Int]) throws -> JSONValue {
        let key = ObjectIdentifier(m)
        if let id = ids[key] { return .object([("type", .string("ref")), ("id", .int(id))]) }
        ids[key] = ids.count
        var fields: [(key: String, value: JSONValue)] = [("type", .string(m.typeName))]
        switch m {
        case let c as Conv:
            fields += [("in", .int(c.inChannels)), ("out", .int(c.outChannels)), ("kernel", size(c.window.kernel)),
                       ("stride", size(c.window.stride)), ("padding", padding(c.window.padding)),
                       ("dilation", size(c.window.dilation)), ("groups", .int(c.groups)), ("bias", .bool(c.bias != nil))]
        case let d as Dense:
            fields += [("in", .int(d.inFeatures)), ("out", .int(d.outFeatures)), ("bias", .bool(d.bias != nil))]
        case let p as MaxPool:
            fields += [("kernel", size(p.window.kernel)), ("stride", size(p.window.stride)),
                       ("padding", padding(p.window.padding)), ("dilation", size(p.window.dilation)),
                       ("ceil", .bool(p.window.ceilMode))]
        case let p as AvgPool:
            fields += [("kernel", size(p.window.kernel)), ("stride", size(p.window.stride)),
                       ("padding", padding(p.window.padding)), ("ceil", .bool(p.window.ceilMode)),
                       ("count_pad", .bool(p.countPad))]
        case is GlobalAvgPool:
            break
        case let f as Flatten:
            fields.append(("axis", .int(f.axis)))
        case let a as Activation:
            switch a.kind {
            case .leakyRelu(let slope): fields.append(("slope", number(slope)))
            case .softmax(let axis): fields.append(("axis", .int(axis)))
            case .relu, .sigmoid, .tanh: break
            }
        case let b as BatchNorm:
            fields += [("channels", .int(b.channels)), ("eps", number(b.eps)), ("momentum", number(b.momentum))]
        case let d as Dropout:
            fields += [("p", number(d.p)), ("seed", .string(String(d.seed)))]
        case let s as Sequential:
            fields.append(("layers", .array(try s.layers.map { try spec($0, ids: &ids) })))
        case let n as NamedSequential:
            fields.append(("signature", .string(n.signature)))
            fields.append(("entries", .array(try n.entries.map {
                .object([("name", .string($0.name)), ("module", try spec($0.module, ids: &ids))])
            })))
        case let r as Residual:
            fields.append(("block", try spec(r.block, ids: &ids)))
            if let s = r.shortcut { fields.append(("shortcut", try spec(s, ids: &ids))) }
        case let b as BasicBlock:
            fields += [("in", .int(b.inChannels)), ("out", .int(b.outChannels)), ("stride", .int(b.stride))]
            fields.append(("children", .array(try b.children.map {
                .object([("name", .string($0.name)), ("module", try spec($0.module, ids: &ids))])
            })))
        default:
            throw OpError("save", "cannot describe the architecture of a \(m.typeName) layer")
        }
        // NamedSequential's type name is chosen by its maker ("ResNet"): mark the container kind.
        if m is NamedSequential { fields.insert(("kind", .string("NamedSequential")), at: 1) }
        return .object(fields)
    }

    // MARK: - Building

    /// A fresh model of the architecture in `json` (weights drawn from `rng`). Every field is
    /// validated; a bad description is an `OpError("load", …)` naming the layer path.
    public static func build(_ json: String, rng: inout RandomSource) throws -> Module {
        let op = "load"
        let root = try JSONParser.parse(Array(json.utf8), op: op, what: "the architecture metadata")
        guard case .string("cnns.architecture")? = root["format"] else {
            throw OpError(op, "the architecture metadata is not a cnns architecture (no \"format\": \"cnns.architecture\")")
        }
        guard case .number(_, let v?)? = root["version"], v == version else {
            throw OpError(op, "the architecture metadata has version \(root["version"]?.text ?? "none"); this version reads \(version)")
        }
        guard let model = root["model"] else { throw OpError(op, "the architecture metadata has no \"model\"") }
        var built: [Module?] = []
        return try Builder().module(model, path: "model", built: &built, depth: 0, rng: &rng)
    }

    private struct Builder {
        let op = "load"
        static let maxDepth = 48

        func fail(_ path: String, _ message: String) -> OpError {
            OpError(op, "architecture \(path): \(message)")
        }
        func int(_ v: JSONValue, _ key: String, _ path: String, default d: Int? = nil, minimum: Int = Int.min) throws -> Int {
            guard let f = v[key] else {
                if let d { return d }
                throw fail(path, "missing \"\(key)\"")
            }
            guard case .number(_, let i?) = f, i >= minimum, i <= 1 << 30 else {
                throw fail(path, "\"\(key)\" should be a whole number\(minimum > Int.min ? " ≥ \(minimum)" : ""), got \(f.text)")
            }
            return i
        }
        func float(_ v: JSONValue, _ key: String, _ path: String, default d: Float? = nil) throws -> Float {
            guard let f = v[key] else {
                if let d { return d }
                throw fail(path, "missing \"\(key)\"")
            }
            guard case .number(let x, _) = f, x.isFinite else { throw fail(path, "\"\(key)\" should be a number, got \(f.text)") }
            return Float(x)
        }
        func bool(_ v: JSONValue, _ key: String, _ path: String, default d: Bool) throws -> Bool {
            guard let f = v[key] else { return d }
            guard case .bool(let b) = f else { throw fail(path, "\"\(key)\" should be true or false, got \(f.text)") }
            return b
        }
        func size(_ v: JSONValue, _ key: String, _ path: String, default d: Size2? = nil) throws -> Size2 {
            guard let f = v[key] else {
                if let d { return d }
                throw fail(path, "missing \"\(key)\"")
            }
            guard case .array(let items) = f, items.count == 2, case .number(_, let h?) = items[0],
                  case .number(_, let w?) = items[1], h >= 0, w >= 0, h <= 1 << 20, w <= 1 << 20 else {
                throw fail(path, "\"\(key)\" should be [h, w] whole numbers, got \(f.text)")
            }
            return Size2(h, w)
        }
        func padding(_ v: JSONValue, _ path: String) throws -> PaddingSpec {
            guard let f = v["padding"] else { return .explicit(.zero) }
            switch f {
            case .string("same"): return .same
            case .string("same_lower"): return .sameLower
            case .string("valid"): return .valid
            case .array(let items) where items.count == 4:
                var q: [Int] = []
                for item in items {
                    guard case .number(_, let p?) = item, p >= 0, p <= 1 << 20 else { break }
                    q.append(p)
                }
                if q.count == 4 { return .explicit(Padding2D(top: q[0], left: q[1], bottom: q[2], right: q[3])) }
            default: break
            }
            throw fail(path, "\"padding\" should be \"same\", \"valid\" or [top, left, bottom, right], got \(f.text)")
        }
        func children(_ v: JSONValue, _ key: String, _ path: String) throws -> [(name: String, spec: JSONValue)] {
            guard case .array(let items)? = v[key] else { throw fail(path, "missing the \"\(key)\" array") }
            return try items.enumerated().map { k, item in
                guard case .string(let name)? = item["name"], let m = item["module"] else {
                    throw fail(path, "\(key)[\(k)] should be {\"name\": …, \"module\": …}")
                }
                return (name, m)
            }
        }

        func module(_ v: JSONValue, path: String, built: inout [Module?], depth: Int, rng: inout RandomSource) throws -> Module {
            guard depth < Builder.maxDepth else { throw fail(path, "nested deeper than \(Builder.maxDepth) levels") }
            guard case .string(let type)? = v["type"] else { throw fail(path, "a layer should be an object with a \"type\"") }
            if type == "ref" {
                let id = try int(v, "id", path, minimum: 0)
                guard id < built.count else { throw fail(path, "refers to layer \(id), which is not defined before it") }
                guard let shared = built[id] else { throw fail(path, "refers to layer \(id), which contains it") }
                return shared
            }
            let slot = built.count
            // Reserve the slot now: ids count modules in the order their descriptions begin.
            built.append(nil)
            let m: Module
            func wrap<T>(_ body: () throws -> T) throws -> T {
                do { return try body() } catch let e as OpError where !e.message.hasPrefix("architecture ") {
                    throw fail(path, "\(e.op): \(e.message)")
                }
            }
            let kind: String
            if case .string(let k)? = v["kind"] { kind = k } else { kind = type }
            switch kind {
            case "Conv":
                let cin = try int(v, "in", path, minimum: 1), cout = try int(v, "out", path, minimum: 1)
                let kernel = try size(v, "kernel", path), stride = try size(v, "stride", path, default: Size2(1))
                let dilation = try size(v, "dilation", path, default: Size2(1)), pad = try padding(v, path)
                let groups = try int(v, "groups", path, default: 1, minimum: 1), bias = try bool(v, "bias", path, default: true)
                m = try wrap { try Conv(cin, cout, kernel: kernel, stride: stride, padding: pad, dilation: dilation,
                                        groups: groups, bias: bias, rng: &rng) }
            case "Dense":
                let fin = try int(v, "in", path, minimum: 1), fout = try int(v, "out", path, minimum: 1)
                let bias = try bool(v, "bias", path, default: true)
                m = try wrap { try Dense(fin, fout, bias: bias, rng: &rng) }
            case "MaxPool":
                let kernel = try size(v, "kernel", path)
                let stride = try size(v, "stride", path, default: kernel), pad = try padding(v, path)
                let dilation = try size(v, "dilation", path, default: Size2(1)), ceil = try bool(v, "ceil", path, default: false)
                m = try wrap { try MaxPool(kernel: kernel, stride: stride, padding: pad, dilation: dilation, ceilMode: ceil) }
            case "AvgPool":
                let kernel = try size(v, "kernel", path)
                let stride = try size(v, "stride", path, default: kernel), pad = try padding(v, path)
                let ceil = try bool(v, "ceil", path, default: false), countPad = try bool(v, "count_pad", path, default: true)
                m = try wrap { try AvgPool(kernel: kernel, stride: stride, padding: pad, ceilMode: ceil, countPad: countPad) }
            case "GlobalAvgPool": m = GlobalAvgPool()
            case "Flatten": m = Flatten(axis: try int(v, "axis", path, default: 1))
            case "ReLU": m = Activation(.relu)
            case "LeakyReLU": m = Activation(.leakyRelu(slope: try float(v, "slope", path, default: 0.01)))
            case "Sigmoid": m = Activation(.sigmoid)
            case "Tanh": m = Activation(.tanh)
            case "Softmax": m = Activation(.softmax(axis: try int(v, "axis", path, default: 1)))
            case "BatchNorm":
                let c = try int(v, "channels", path, minimum: 1)
                let eps = try float(v, "eps", path, default: 1e-5), momentum = try float(v, "momentum", path, default: 0.1)
                m = try wrap { try BatchNorm(c, eps: eps, momentum: momentum) }
            case "Dropout":
                let p = try float(v, "p", path)
                var seed: UInt64 = 0
                if let s = v["seed"] {
                    guard case .string(let text) = s, let parsed = UInt64(text) else {
                        throw fail(path, "\"seed\" should be a string of digits, got \(s.text)")
                    }
                    seed = parsed
                }
                m = try wrap { try Dropout(p: p, seed: seed) }
            case "Sequential":
                guard case .array(let items)? = v["layers"] else { throw fail(path, "missing the \"layers\" array") }
                var layers: [Module] = []
                for (k, item) in items.enumerated() {
                    layers.append(try module(item, path: "\(path).\(k)", built: &built, depth: depth + 1, rng: &rng))
                }
                m = Sequential(layers)
            case "NamedSequential":
                guard case .string(let signature)? = v["signature"] else { throw fail(path, "missing \"signature\"") }
                var entries: [(name: String, module: Module)] = []
                for (name, spec) in try children(v, "entries", path) {
                    entries.append((name, try module(spec, path: "\(path).\(name)", built: &built, depth: depth + 1, rng: &rng)))
                }
                m = try wrap { try NamedSequential(typeName: type, signature: signature, entries) }
            case "Residual":
                guard let blockSpec = v["block"] else { throw fail(path, "missing \"block\"") }
                let block = try module(blockSpec, path: "\(path).block", built: &built, depth: depth + 1, rng: &rng)
                let shortcut = try v["shortcut"].map {
                    try module($0, path: "\(path).shortcut", built: &built, depth: depth + 1, rng: &rng)
                }
                m = Residual(block, shortcut: shortcut)
            case "BasicBlock":
                let cin = try int(v, "in", path, minimum: 1), cout = try int(v, "out", path, minimum: 1)
                let stride = try int(v, "stride", path, default: 1, minimum: 1)
                var throwaway = RandomSource(seed: 0)
                let block = try wrap { try BasicBlock(cin, cout, stride: stride, rng: &throwaway) }
                let specs = try children(v, "children", path)
                let expected = block.children.map(\.name)
                guard specs.map(\.name) == expected else {
                    throw fail(path, "a BasicBlock(\(cin), \(cout), stride:\(stride)) has sub-layers \(expected.joined(separator: ", ")), the description lists \(specs.map(\.name).joined(separator: ", "))")
                }
                for (name, spec) in specs {
                    try block.setChild(name: name, module: try module(spec, path: "\(path).\(name)", built: &built, depth: depth + 1, rng: &rng))
                }
                m = block
            default:
                throw fail(path, "unknown layer type \(JSONValue.quote(type))")
            }
            built[slot] = m
            return m
        }
    }
}
