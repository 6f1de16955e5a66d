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
        var writer = Writer()
        let root = try writer.spec(model)
        return JSONValue.object([("format", .string("cnns.architecture")), ("version", .int(version)),
                                 ("model", root)]).text
    }

    /// Writes module entries; each layer gives its own fields (`DescribedLayer.specFields`).
    public struct Writer {
        /// Modules written so far, numbered in writing order (a shared one is written once).
        private var ids: [ObjectIdentifier: Int] = [:]

        /// The entry of `m`: `{"type": …, fields…}`, or `{"type": "ref", "id": n}` when already written.
        mutating func spec(_ m: Module) throws -> JSONValue {
            let key = ObjectIdentifier(m)
            if let id = ids[key] { return .object([("type", .string("ref")), ("id", .int(id))]) }
            ids[key] = ids.count
            guard let layer = m as? DescribedLayer else { throw Writer.cannotDescribe(m) }
            return .object([("type", .string(m.typeName))] + (try layer.specFields(&self)))
        }

        static func cannotDescribe(_ m: Module) -> OpError {
            OpError("save", "cannot describe the architecture of a \(m.typeName) layer")
        }

        /// Named sub-layers as `[{"name": …, "module": …}]` (NamedSequential's entries, BasicBlock's children).
        mutating func named(_ children: [(name: String, module: Module)]) throws -> JSONValue {
            .array(try children.map { .object([("name", .string($0.name)), ("module", try spec($0.module))]) })
        }

        static func size(_ s: Size2) -> JSONValue { .array([.int(s.h), .int(s.w)]) }
        static func padding(_ p: PaddingSpec) -> JSONValue {
            switch p {
            case .same: return .string("same")
            case .sameLower: return .string("same_lower")
            case .valid: return .string("valid")
            case .explicit(let q): return .array([.int(q.top), .int(q.left), .int(q.bottom), .int(q.right)])
            }
        }
        static func number(_ f: Float) -> JSONValue {
            // Float → Double → shortest text keeps the exact float value on the way back.
            .number(Double(f), exactInt: nil)
        }
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
        return try Reader(model, path: "model", depth: 0, built: BuiltModules()).module(rng: &rng)
    }

    /// Modules rebuilt so far, by id; nil while a module's own description is still being read.
    final class BuiltModules {
        var modules: [Module?] = []
    }

    /// One module entry being rebuilt: its fields read and validated with errors naming its path.
    public struct Reader {
        let value: JSONValue
        let path: String
        let depth: Int
        let built: BuiltModules
        static let maxDepth = 48

        init(_ value: JSONValue, path: String, depth: Int, built: BuiltModules) {
            self.value = value; self.path = path; self.depth = depth; self.built = built
        }

        /// The entry's `"type"`.
        var type: String {
            if case .string(let t)? = value["type"] { return t }
            return ""
        }

        func fail(_ message: String) -> OpError {
            OpError("load", "architecture \(path): \(message)")
        }

        func int(_ key: String, default d: Int? = nil, minimum: Int = Int.min) throws -> Int {
            guard let f = value[key] else {
                if let d { return d }
                throw fail("missing \"\(key)\"")
            }
            guard case .number(_, let i?) = f, i >= minimum, i <= 1 << 30 else {
                throw fail("\"\(key)\" should be a whole number\(minimum > Int.min ? " ≥ \(minimum)" : ""), got \(f.text)")
            }
            return i
        }
        func float(_ key: String, default d: Float? = nil) throws -> Float {
            guard let f = value[key] else {
                if let d { return d }
                throw fail("missing \"\(key)\"")
            }
            guard case .number(let x, _) = f, x.isFinite else { throw fail("\"\(key)\" should be a number, got \(f.text)") }
            return Float(x)
        }
        func bool(_ key: String, default d: Bool) throws -> Bool {
            guard let f = value[key] else { return d }
            guard case .bool(let b) = f else { throw fail("\"\(key)\" should be true or false, got \(f.text)") }
            return b
        }
        func string(_ key: String) throws -> String {
            guard case .string(let s)? = value[key] else { throw fail("missing \"\(key)\"") }
            return s
        }
        func size(_ key: String, default d: Size2? = nil) throws -> Size2 {
            guard let f = value[key] else {
                if let d { return d }
                throw fail("missing \"\(key)\"")
            }
            guard case .array(let items) = f, items.count == 2, case .number(_, let h?) = items[0],
                  case .number(_, let w?) = items[1], h >= 0, w >= 0, h <= 1 << 20, w <= 1 << 20 else {
                throw fail("\"\(key)\" should be [h, w] whole numbers, got \(f.text)")
            }
            return Size2(h, w)
        }
        func padding() throws -> PaddingSpec {
            guard let f = value["padding"] else { return .explicit(.zero) }
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
            throw fail("\"padding\" should be \"same\", \"valid\" or [top, left, bottom, right], got \(f.text)")
        }

        /// The sub-layer described under `key` (`"block"`), or nil when there is none.
        func optionalModule(_ key: String, rng: inout RandomSource) throws -> Module? {
            guard let v = value[key] else { return nil }
            return try Reader(v, path: "\(path).\(key)", depth: depth + 1, built: built).module(rng: &rng)
        }

        func module(_ key: String, rng: inout RandomSource) throws -> Module {
            guard let m = try optionalModule(key, rng: &rng) else { throw fail("missing \"\(key)\"") }
            return m
        }

        /// The sub-layers of the array under `key`, with their paths (`model.0`, `model.1`, …).
        func modules(_ key: String, rng: inout RandomSource) throws -> [Module] {
            guard case .array(let items)? = value[key] else { throw fail("missing the \"\(key)\" array") }
            var out: [Module] = []
            for (k, item) in items.enumerated() {
                out.append(try Reader(item, path: "\(path).\(k)", depth: depth + 1, built: built).module(rng: &rng))
            }
            return out
        }

        /// The names of `[{"name": …, "module": …}]` under `key`, and a reader for each module.
        func named(_ key: String) throws -> [(name: String, reader: Reader)] {
            guard case .array(let items)? = value[key] else { throw fail("missing the \"\(key)\" array") }
            return try items.enumerated().map { k, item in
                guard case .string(let name)? = item["name"], let m = item["module"] else {
                    throw fail("\(key)[\(k)] should be {\"name\": …, \"module\": …}")
                }
                return (name, Reader(m, path: "\(path).\(name)", depth: depth + 1, built: built))
            }
        }

        /// The module this entry describes: a reference to one built earlier, or a new one of the
        /// class its `"kind"` (or `"type"`) names.
        func module(rng: inout RandomSource) throws -> Module {
            guard depth < Reader.maxDepth else { throw fail("nested deeper than \(Reader.maxDepth) levels") }
            guard case .string(let type)? = value["type"] else { throw fail("a layer should be an object with a \"type\"") }
            if type == "ref" {
                let id = try int("id", minimum: 0)
                guard id < built.modules.count else { throw fail("refers to layer \(id), which is not defined before it") }
                guard let shared = built.modules[id] else { throw fail("refers to layer \(id), which contains it") }
                return shared
            }
            let slot = built.modules.count
            // Reserve the slot now: ids count modules in the order their descriptions begin.
            built.modules.append(nil)
            let kind: String
            if case .string(let k)? = value["kind"] { kind = k } else { kind = type }
            guard let layerType = DescribedLayers.byKind[kind] else { throw fail("unknown layer type \(JSONValue.quote(type))") }
            let m: Module
            do {
                m = try layerType.rebuild(self, rng: &rng)
            } catch let e as OpError where !e.message.hasPrefix("architecture ") {
                // A constructor's own check (a Conv's groups, a BatchNorm's eps), placed at this layer.
                throw fail("\(e.op): \(e.message)")
            }
            built.modules[slot] = m
            return m
        }
    }
}
