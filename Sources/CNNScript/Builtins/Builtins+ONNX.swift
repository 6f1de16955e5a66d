import CNNKit
import Foundation

// `export(model, path, input:)`: a model to an ONNX file ONNX Runtime (or PyTorch's tools) can run.
extension Builtins {
    static let onnx: [Builtin] = [
        Builtin(
            name: "export", group: .files,
            summary: "Writes a model as an ONNX file (opset 13) for an input shape; the batch axis is left symbolic. Inference mode: BatchNorm uses its running statistics, Dropout is the identity.",
            parameters: [.required("model", "a layer or model"),
                         .required("path", "the .onnx file to write"),
                         .required("input", "the input shape, batch first, e.g. [1, 1, 28, 28]")],
            notes: "load(\"m.onnx\") reads it back as a graph model; save(model, \"m.onnx\") works for imported models, which know their input shape.",
            example: "export(lenet5(), \"/tmp/cnns-lenet.onnx\", input:[1, 1, 28, 28])",
            body: { a, _ in
                let model = try a.layer("model")
                let path = try a.string("path")
                let input = try a.ints("input")
                guard input.count >= 2, input.allSatisfy({ $0 > 0 }) else {
                    throw a.fail("input", "a shape of positive sizes, batch first, e.g. [1, 1, 28, 28]", got: a["input"])
                }
                guard (try? FileFormats.extensionOf(path, op: "export")) == ".onnx" else {
                    throw RuntimeError("export: \(Value.quote(path)) must end in .onnx")
                }
                let data: Data
                do {
                    data = Data(try ONNXExport.encode(model: model, inputShape: input))
                } catch let e as OpError {
                    throw RuntimeError("export: \(Value.quote(path)): \(e.op == "export" ? "" : "\(e.op): ")\(e.message)")
                }
                try FileFormats.writeAtomically(data, to: path, op: "export")
                return .none
            }),
    ]
}
