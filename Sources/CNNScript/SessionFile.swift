import CNNKit
import Foundation

/// The file `:save` writes and `:load` reads: a whole session (its variables) in one self-describing
/// file. Layout (all integers little-endian):
///
///     bytes 0..<8    magic "CNNSSES1" (the 1 is the format version)
///     bytes 8..<16   UInt64 M, the byte length of the manifest
///     bytes 16..<16+M  the manifest: UTF-8 JSON
///     the rest       the data section: float32 tensor values, row-major, one blob per tensor
///
/// The manifest is `{"format": "cnns-session", "version": 1, "variables": [[name, value], …]}` where a
/// value is `{"kind": "none"}`, `{"kind": "bool", "value": true}`, `{"kind": "number", "value": "0.1"}`
/// (a string, so nan and inf survive and the shortest decimal form round-trips exactly),
/// `{"kind": "string", "value": "…"}`, `{"kind": "list", "items": [value, …]}` or
/// `{"kind": "tensor", "shape": [2, 3], "offset": 0, "requires_grad": false}` (`offset` in bytes into
/// the data section) or `{"kind": "model", "offset": 0, "bytes": 1234}`: a model stored as the same
/// safetensors bytes `save(model, "m.safetensors")` writes (weights and architecture), read back by the
/// same checked reader, or `{"kind": "optimizer", …}`: an SGD, Adam or AdamW optimizer with its
/// settings and per-parameter state (SessionFile+Optimizer.swift documents its fields). Functions and
/// other objects are not stored: saving them is an error that names them.
///
/// A session file is untrusted input. Reading checks the whole manifest first — kinds, names, nesting,
/// shapes against `Shape.maxElements`, every blob inside the data section and no two blobs
/// overlapping (so a small file cannot expand into a huge session), optimizer settings and that each
/// optimizer state names a saved model or tensor — and only then builds tensors: models and tensors
/// first, then the rest, so optimizers can bind their state to the parameters just built.
enum SessionFile {
    static let magic = Array("CNNSSES1".utf8)
    static let headerSize = 16

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    // MARK: - Writing

    /// The bytes of a file holding `variables` (in the given order), and notes for the user (optimizer
    /// state left out because its parameters belong to no saved variable). Throws `Failure` naming the
    /// first value that cannot be stored.
    static func encode(_ variables: [(String, Value)]) throws -> (bytes: [UInt8], notes: [String]) {
        var data: [UInt8] = []
        var entries: [JSONValue] = []
        var notes: [String] = []
        let owners = ParameterOwners(variables)
        for (name, value) in variables {
            entries.append(.array([.string(name), try manifestValue(value, name: name, owners: owners, data: &data, notes: &notes)]))
        }
        let manifest = JSONValue.sortedObject(["format": .string("cnns-session"), "version": .int(1), "variables": .array(entries)])
        let json = Array(manifest.text.utf8)
        var bytes = magic
        bytes.reserveCapacity(headerSize + json.count + data.count)
        var length = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &length) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: json)
        bytes.append(contentsOf: data)
        return (bytes, notes)
    }

    /// Whether a value is of a kind session files hold (a model or optimizer may still fail to encode,
    /// with its own reason). Functions, data sets, histories and schedules are not.
    static func isStorable(_ value: Value) -> Bool {
        switch value {
        case .function: return false
        case .object(let o): return o is ModelObject || o is OptimizerObject
        case .list(let items): return items.allSatisfy(isStorable)
        default: return true
        }
    }

    private static func manifestValue(_ value: Value, name: String, owners: ParameterOwners,
                                      data: inout [UInt8], notes: inout [String]) throws -> JSONValue {
        switch value {
        case .none: return .sortedObject(["kind": .string("none")])
        case .bool(let b): return .sortedObject(["kind": .string("bool"), "value": .bool(b)])
        case .number(let n): return .sortedObject(["kind": .string("number"), "value": .string("\(n)")])
        case .string(let s): return .sortedObject(["kind": .string("string"), "value": .string(s)])
        case .tensor(let t): return tensorEntry(t.value, requiresGrad: t.requiresGrad, data: &data)
        case .list(let items):
            return .sortedObject(["kind": .string("list"), "items": .array(try items.map {
                try manifestValue($0, name: name, owners: owners, data: &data, notes: &notes)
            })])
        case .object(let o as ModelObject):
            let blob: [UInt8]
            do {
                blob = try Safetensors.encode(model: o.module)
            } catch {
                throw Failure("model '\(name)' cannot be saved: \(error)")
            }
            let offset = data.count
            data.append(contentsOf: blob)
            return .sortedObject(["kind": .string("model"), "offset": .int(offset), "bytes": .int(blob.count)])
        case .object(let o as OptimizerObject):
            return try optimizerEntry(o, name: name, owners: owners, data: &data, notes: &notes)
        case .function, .object:
            throw Failure("\(value.typeName) '\(name)' cannot be saved (models, optimizers, tensors, numbers, strings, bools and lists can)")
        }
    }

    private static func tensorEntry(_ t: Tensor, requiresGrad: Bool, data: inout [UInt8]) -> JSONValue {
        let offset = appendFloats(t.scalars, to: &data)
        return .sortedObject(["kind": .string("tensor"), "shape": .array(t.shape.map(JSONValue.int)),
                              "offset": .int(offset), "requires_grad": .bool(requiresGrad)])
    }

    /// Appends float32 values (little-endian) to the data section; returns their byte offset.
    static func appendFloats(_ values: [Float], to data: inout [UInt8]) -> Int {
        let offset = data.count
        data.reserveCapacity(data.count + 4 * values.count)
        values.withUnsafeBufferPointer { buffer in
            for f in buffer {
                var bits = f.bitPattern.littleEndian
                withUnsafeBytes(of: &bits) { data.append(contentsOf: $0) }
            }
        }
        return offset
    }

    /// Writes `bytes` to `path` atomically: a temporary file in the same directory, flushed to disk,
    /// then renamed over `path`, so a crash leaves either the old file or the new one, never half.
    static func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let base = (path as NSString).lastPathComponent
        let temporary = (directory.isEmpty ? "" : directory + "/") + ".\(base).tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Failure("cannot write \(path): \(String(cString: strerror(errno)))") }
        var written = 0
        var failure: String?
        bytes.withUnsafeBytes { raw in
            while written < raw.count {
                let n = write(fd, raw.baseAddress?.advanced(by: written), raw.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = String(cString: strerror(errno))
                    return
                }
                written += n
            }
        }
        if failure == nil, fsync(fd) != 0 { failure = String(cString: strerror(errno)) }
        close(fd)
        if failure == nil, rename(temporary, path) != 0 { failure = String(cString: strerror(errno)) }
        if let failure {
            unlink(temporary)
            throw Failure("cannot write \(path): \(failure)")
        }
    }

    // MARK: - Reading

    /// A checked manifest value: everything about it is known valid, but no tensor exists yet.
    indirect enum Plan {
        case none, bool(Bool), number(Double), string(String), list([Plan])
        case tensor(shape: [Int], offset: Int, count: Int, requiresGrad: Bool)
        case model(offset: Int, bytes: Int)
        case optimizer(OptimizerPlan)
    }

    /// Byte ranges of the data section claimed so far, with the variable that claims each.
    typealias Blobs = [(offset: Int, bytes: Int, name: String)]

    /// The variables stored in `bytes`, in file order. Throws `Failure` saying what is wrong.
    static func decode(_ bytes: [UInt8]) throws -> [(String, Value)] {
        guard bytes.count >= headerSize, Array(bytes[0..<8]) == magic else {
            throw Failure("not a cnns session file (it does not start with CNNSSES1)")
        }
        var length: UInt64 = 0
        for i in (8..<16).reversed() { length = length << 8 | UInt64(bytes[i]) }
        guard length <= UInt64(bytes.count - headerSize) else {
            throw Failure("the manifest claims \(length) bytes but the file has \(bytes.count - headerSize) after the header")
        }
        let dataStart = headerSize + Int(length)
        let dataSize = bytes.count - dataStart
        let manifest: JSONValue
        do {
            // The engine's strict reader (the manifest is untrusted): deep enough for lists nested as
            // far as the language allows, so deeper ones are refused by name below.
            manifest = try JSONValue.parse(Array(bytes[headerSize..<dataStart]), op: ":load", what: "the manifest",
                                           maxDepth: 4 * Value.maxNesting)
        } catch let e as OpError {
            throw Failure(e.message)
        }
        guard manifest["format"]?.stringValue == "cnns-session" else {
            throw Failure("the manifest is not a cnns-session manifest")
        }
        guard let version = manifest["version"]?.intValue, version == 1 else {
            throw Failure("unsupported session format version \(manifest["version"]?.text ?? "(missing)") (this cnns reads 1)")
        }
        guard let entries = manifest["variables"]?.arrayValue else { throw Failure("the manifest has no variables list") }

        var plans: [(String, Plan)] = []
        var names = Set<String>()
        var blobs: Blobs = []
        for entry in entries {
            guard let pair = entry.arrayValue, pair.count == 2, let name = pair[0].stringValue else {
                throw Failure("a variable entry is not a [name, value] pair")
            }
            guard isIdentifier(name) else { throw Failure("'\(name)' is not a valid variable name") }
            guard names.insert(name).inserted else { throw Failure("variable '\(name)' appears twice") }
            plans.append((name, try plan(pair[1], name: name, depth: 0, dataSize: dataSize, blobs: &blobs)))
        }
        // Blobs must not share bytes: otherwise a tiny file could name one blob a million times.
        var end = 0
        for blob in blobs.sorted(by: { $0.offset < $1.offset }) where blob.bytes > 0 {
            guard blob.offset >= end else { throw Failure("the data of '\(blob.name)' overlaps another value's data") }
            end = blob.offset + blob.bytes
        }
        try checkOptimizerOwners(plans)
        // Models and tensors first: optimizers bind their state to the parameters these hold.
        var values = [Value?](repeating: nil, count: plans.count)
        var owners: [String: Value] = [:]
        for (i, (name, plan)) in plans.enumerated() {
            switch plan {
            case .model, .tensor:
                let value = try build(plan, bytes, dataStart: dataStart, owners: [:])
                values[i] = value
                owners[name] = value
            default: break
            }
        }
        return try plans.enumerated().map { i, entry in
            (entry.0, try values[i] ?? build(entry.1, bytes, dataStart: dataStart, owners: owners))
        }
    }

    private static func plan(_ dict: JSONValue, name: String, depth: Int, dataSize: Int, blobs: inout Blobs) throws -> Plan {
        guard depth <= Value.maxNesting else { throw Failure("'\(name)' nests lists more than \(Value.maxNesting) deep") }
        guard let kind = dict["kind"]?.stringValue else {
            throw Failure("'\(name)': a value without a kind")
        }
        switch kind {
        case "none":
            return .none
        case "bool":
            guard let b = dict["value"]?.boolValue else { throw Failure("'\(name)': a bool without a true/false value") }
            return .bool(b)
        case "number":
            guard let text = dict["value"]?.stringValue, let n = Double(text) else {
                throw Failure("'\(name)': a number whose value is not a decimal string")
            }
            return .number(n)
        case "string":
            guard let s = dict["value"]?.stringValue else { throw Failure("'\(name)': a string without a value") }
            return .string(s)
        case "list":
            guard let items = dict["items"]?.arrayValue else { throw Failure("'\(name)': a list without items") }
            return .list(try items.map { try plan($0, name: name, depth: depth + 1, dataSize: dataSize, blobs: &blobs) })
        case "tensor":
            guard let rawShape = dict["shape"]?.arrayValue, rawShape.count <= 16 else {
                throw Failure("'\(name)': a tensor without a shape of at most 16 dimensions")
            }
            let shape = try rawShape.map { item -> Int in
                guard let n = integer(item), n >= 0 else {
                    throw Failure("'\(name)': shape \(JSONValue.array(rawShape).text) has a dimension that is not a count")
                }
                return n
            }
            let count: Int
            do {
                count = try Shape.elementCount(shape, op: ":load")
            } catch {
                throw Failure("'\(name)': \(error)")
            }
            guard let offset = dict["offset"].flatMap(integer), offset >= 0 else {
                throw Failure("'\(name)': a tensor without a byte offset")
            }
            let size = count * 4
            guard offset <= dataSize, size <= dataSize - offset else {
                throw Failure("'\(name)': tensor \(Value.shapeText(shape)) needs bytes \(byteRange(offset, size)) but the data section has \(dataSize)")
            }
            let requiresGrad = dict["requires_grad"]?.boolValue ?? false
            blobs.append((offset, size, name))
            return .tensor(shape: shape, offset: offset, count: count, requiresGrad: requiresGrad)
        case "model":
            guard let offset = dict["offset"].flatMap(integer), offset >= 0,
                  let size = dict["bytes"].flatMap(integer), size >= 0 else {
                throw Failure("'\(name)': a model without a byte offset and length")
            }
            guard offset <= dataSize, size <= dataSize - offset else {
                throw Failure("'\(name)': the model needs bytes \(byteRange(offset, size)) but the data section has \(dataSize)")
            }
            blobs.append((offset, size, name))
            return .model(offset: offset, bytes: size)
        case "optimizer":
            return .optimizer(try optimizerPlan(dict, name: name, dataSize: dataSize, blobs: &blobs))
        default:
            throw Failure("'\(name)': unknown kind '\(kind)' (this cnns reads none, bool, number, string, list, tensor, model, optimizer)")
        }
    }

    /// `offset..<end` for messages; the end of a hostile range may not fit in an Int.
    static func byteRange(_ offset: Int, _ size: Int) -> String {
        let (end, overflow) = offset.addingReportingOverflow(size)
        return overflow ? "\(offset)..<\(offset)+\(size)" : "\(offset)..<\(end)"
    }

    /// A whole number, written as one (`3`) or not (`3.0`).
    static func integer(_ value: JSONValue) -> Int? {
        if let n = value.intValue { return n }
        if case .number(let d, _) = value { return Int(exactly: d) }
        return nil
    }

    /// The value of a checked plan. `owners` holds the models and tensors already built, by name, for
    /// optimizers to bind their state to.
    private static func build(_ plan: Plan, _ bytes: [UInt8], dataStart: Int, owners: [String: Value]) throws -> Value {
        switch plan {
        case .none: return .none
        case .bool(let b): return .bool(b)
        case .number(let n): return .number(n)
        case .string(let s): return .string(s)
        case .list(let items): return .list(try items.map { try build($0, bytes, dataStart: dataStart, owners: owners) })
        case .optimizer(let o): return try buildOptimizer(o, bytes, dataStart: dataStart, owners: owners)
        case .tensor(let shape, let offset, let count, let requiresGrad):
            let tensor = try Tensor(shape: shape, scalars: readFloats(bytes, at: dataStart + offset, count: count))
            return requiresGrad ? .tensor(Variable(tensor, requiresGrad: true)) : .tensor(tensor)
        case .model(let offset, let size):
            let start = dataStart + offset
            // The initial weights drawn here are all replaced by the stored ones.
            var rng = RandomSource(seed: 0)
            do {
                let contents = try Safetensors.decode(Array(bytes[start..<start + size]))
                return .object(ModelObject(try Safetensors.decodeModel(contents, rng: &rng)))
            } catch let e as OpError {
                throw Failure("a stored model: \(e.message)")
            }
        }
    }

    /// `count` float32 values (little-endian) at byte `start` of `bytes`; the caller has checked the range.
    static func readFloats(_ bytes: [UInt8], at start: Int, count: Int) -> [Float] {
        var scalars = [Float](repeating: 0, count: count)
        bytes.withUnsafeBufferPointer { source in
            scalars.withUnsafeMutableBufferPointer { target in
                for i in 0..<count {
                    let p = start + 4 * i
                    let bits = UInt32(source[p]) | UInt32(source[p + 1]) << 8 | UInt32(source[p + 2]) << 16 | UInt32(source[p + 3]) << 24
                    target[i] = Float(bitPattern: bits)
                }
            }
        }
        return scalars
    }

    /// A name the language could have bound: a letter or `_`, then letters, digits, `_`; not a keyword.
    static func isIdentifier(_ name: String) -> Bool {
        guard let first = name.first, first.isLetter || first == "_", name.count <= 256 else { return false }
        return name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" } && TokenKind.keywords[name] == nil
    }
}
