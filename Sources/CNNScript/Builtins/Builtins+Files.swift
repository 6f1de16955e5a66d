import CNNKit
import Foundation

extension Builtins {
    static let files: [Builtin] = [
        Builtin(
            name: "load", group: .files,
            summary: "Reads a file by its extension: \(FileFormats.loadSummary).",
            parameters: [.required("path", "the file to read")],
            notes: LoadProgressLine.note,
            example: "save(ones(2, 2), \"/tmp/cnns-example.npy\"); load(\"/tmp/cnns-example.npy\")",
            body: { a, i in
                let path = try a.string("path")
                let format = try FileFormats.format(for: path, op: "load", needs: \.load)
                guard let decode = format.load else { throw FileFormats.unsupported(path, op: "load") }
                do {
                    return try FileFormats.load(path, op: "load", session: i.session) { try decode($0, i) }
                } catch let e as OpError {
                    throw RuntimeError("load: \(Value.quote(path)): \(e.message)")
                }
            }),
        Builtin(
            name: "save", group: .files,
            summary: "Writes a value to a file by its extension: \(FileFormats.saveSummary). Writes a temporary file and renames it, so a failed save leaves the old file intact.",
            parameters: [.required("value", "the value to save"), .required("path", "the file to write")],
            example: "save(ones(2, 2), \"/tmp/cnns-example.npy\")",
            body: { a, i in
                let path = try a.string("path")
                let format = try FileFormats.format(for: path, op: "save", needs: \.save)
                guard let encode = format.save else { throw FileFormats.unsupported(path, op: "save") }
                let data: Data
                do {
                    data = try encode(a["value"], i)
                } catch let e as OpError {
                    throw RuntimeError("save: \(Value.quote(path)): \(e.message)")
                }
                try FileFormats.writeAtomically(data, to: path, op: "save")
                return .none
            }),
    ]
}

/// One file format that `load` and `save` know, chosen by extension. Each format is declared in a file
/// of its own (`FileFormat+NPY.swift`, …) and listed once in `FileFormats.all`.
struct FileFormat {
    let extensions: [String]
    /// What loading gives / what saving takes, for help texts: "a tensor", "a model".
    let loads: String
    let saves: String
    /// Decodes the bytes of a file into a value; `load` reads them (`FileFormats.load`, which shows
    /// progress for a large file).
    let load: ((_ bytes: [UInt8], _ interpreter: Interpreter) throws -> Value)?
    /// Encodes a value; the caller writes the bytes atomically.
    let save: ((_ value: Value, _ interpreter: Interpreter) throws -> Data)?
}

enum FileFormats {
    static let all: [FileFormat] = [npy] + safetensorsFormats + onnxFormats + imageFormats

    static var loadSummary: String {
        all.filter { $0.load != nil }.map { "\($0.extensions.joined(separator: "/")) gives \($0.loads)" }.joined(separator: ", ")
    }
    static var saveSummary: String {
        all.filter { $0.save != nil }.map { "\($0.saves) to \($0.extensions.joined(separator: "/"))" }.joined(separator: ", ")
    }

    static func format(for path: String, op: String,
                       needs capability: KeyPath<FileFormat, (some Any)?>) throws -> FileFormat {
        let ext = try extensionOf(path, op: op)
        guard let format = all.first(where: { $0.extensions.contains(ext) && $0[keyPath: capability] != nil }) else {
            throw unsupported(path, op: op)
        }
        return format
    }

    static func supported(_ op: String) -> String {
        all.filter { op == "load" ? $0.load != nil : $0.save != nil }
            .flatMap(\.extensions).joined(separator: ", ")
    }

    static func extensionOf(_ path: String, op: String) throws -> String {
        let name = (path as NSString).lastPathComponent
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else {
            throw RuntimeError("\(op): \(Value.quote(path)) has no file extension (supported: \(supported(op)))")
        }
        return String(name[dot...]).lowercased()
    }

    static func unsupported(_ path: String, op: String) -> RuntimeError {
        let ext = (try? extensionOf(path, op: op)) ?? ""
        return RuntimeError("\(op): cannot \(op) \(Value.quote(ext)) files (supported: \(supported(op)))")
    }

    /// The largest file `load` reads into memory whole.
    static let maxFileBytes = 4 << 30

    /// Reads a user's file for `op` and decodes its bytes with `decode`, showing a progress line for a
    /// large file on a terminal until both are done (`LoadProgressLine`). Every builtin that loads a
    /// file of user data goes through here, so each shows the same progress and stops on Ctrl-C.
    static func load<T>(_ path: String, op: String, session: Session, _ decode: ([UInt8]) throws -> T) throws -> T {
        let name = (path as NSString).lastPathComponent
        return try LoadProgressLine.run("loading " + name, session: session) { progress in
            try decode(try read(path, op: op, progress: progress))
        }
    }

    /// The bytes of a regular file, read in chunks (reporting to `progress`), or an error saying why
    /// not (missing, a directory, too large).
    static func read(_ path: String, op: String, progress: ByteProgress? = nil) throws -> [UInt8] {
        do {
            return try FileReader.read(path, limit: maxFileBytes, progress: progress)
        } catch let failure as FileReader.Failure {
            switch failure.reason {
            case .unreadable(let why):
                throw RuntimeError("\(op): cannot read \(Value.quote(path)): \(why)")
            case .notRegularFile:
                throw RuntimeError("\(op): \(Value.quote(path)) is not a regular file")
            case .tooLarge(let size, let limit):
                throw RuntimeError("\(op): \(Value.quote(path)) is \(size) bytes, more than the \(limit) this version reads")
            case .changedWhileReading(let expected):
                throw RuntimeError("\(op): \(Value.quote(path)) changed size while being read (it was \(expected) bytes)")
            }
        }
    }

    /// Writes to a temporary file beside `path`, then renames it over `path`: readers never see a
    /// half-written file, and a failure leaves the old one as it was.
    static func writeAtomically(_ data: Data, to path: String, op: String) throws {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent()
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        guard FileManager.default.createFile(atPath: tmp.path, contents: data) else {
            throw RuntimeError("\(op): cannot write \(Value.quote(path)): the directory \(Value.quote(dir.path)) is missing or not writable")
        }
        guard rename(tmp.path, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: tmp)
            throw RuntimeError("\(op): cannot replace \(Value.quote(path)): \(reason)")
        }
    }
}
