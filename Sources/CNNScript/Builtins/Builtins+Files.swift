import CNNKit
import Foundation

extension Builtins {
    /// Extensions this version reads and writes.
    static let supportedFiles = ".npy"

    static let files: [Builtin] = [
        Builtin(
            name: "load", group: .files,
            summary: "Reads a file by its extension: .npy gives a tensor.",
            parameters: [.required("path", "the file to read")],
            example: "save(ones(2, 2), \"/tmp/cnns-example.npy\"); load(\"/tmp/cnns-example.npy\")",
            body: { a, _ in
                let path = try a.string("path")
                let ext = try FileFormats.extensionOf(path, op: "load")
                guard ext == ".npy" else { throw FileFormats.unsupported(ext, op: "load") }
                guard let data = FileManager.default.contents(atPath: path) else {
                    let exists = FileManager.default.fileExists(atPath: path)
                    throw RuntimeError("load: cannot read \(Value.quote(path)): \(exists ? "permission denied or not a file" : "no such file")", at: a.pos("path"))
                }
                do {
                    return .tensor(try NPY.read([UInt8](data)))
                } catch let e as OpError {
                    throw RuntimeError("load: \(Value.quote(path)): \(e.message)")
                }
            }),
        Builtin(
            name: "save", group: .files,
            summary: "Writes a value to a file by its extension: a tensor to .npy. Writes a temporary file and renames it, so a failed save leaves the old file intact.",
            parameters: [.required("value", "the tensor to save"), .required("path", "the file to write")],
            example: "save(ones(2, 2), \"/tmp/cnns-example.npy\")",
            body: { a, _ in
                let path = try a.string("path")
                let ext = try FileFormats.extensionOf(path, op: "save")
                guard ext == ".npy" else { throw FileFormats.unsupported(ext, op: "save") }
                let t = try a.tensor("value")
                try FileFormats.writeAtomically(Data(NPY.encode(t)), to: path, op: "save")
                return .none
            }),
    ]
}

enum FileFormats {
    static func extensionOf(_ path: String, op: String) throws -> String {
        let name = (path as NSString).lastPathComponent
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else {
            throw RuntimeError("\(op): \(Value.quote(path)) has no file extension (supported: \(Builtins.supportedFiles))")
        }
        return String(name[dot...]).lowercased()
    }

    static func unsupported(_ ext: String, op: String) -> RuntimeError {
        let known = [".safetensors", ".onnx"]
        if known.contains(ext) {
            return RuntimeError("\(op): \(ext) files are not supported by this version (supported: \(Builtins.supportedFiles))")
        }
        return RuntimeError("\(op): unknown file type \(Value.quote(ext)) (supported: \(Builtins.supportedFiles))")
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
