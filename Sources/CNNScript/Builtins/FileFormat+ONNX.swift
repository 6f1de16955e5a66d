import CNNKit
import Foundation

// The .onnx entries of the file-format table: `load` builds a graph model from the file's graph,
// `save` exports a model for the input shape an imported model declared (other models: `export`).
extension FileFormats {
    static let onnxFormats: [FileFormat] = [
        FileFormat(
            extensions: [".onnx"], loads: "a model", saves: "a model (with its declared input shape)",
            load: { bytes, _ in .object(ModelObject(try ONNXImport.decode(bytes))) },
            save: { value, _ in
                guard case .object(let o as ModelObject) = value else {
                    throw RuntimeError("save: .onnx holds a model, got \(value.brief)")
                }
                guard let shape = ONNXFiles.declaredInput(o.module) else {
                    throw RuntimeError("save: a \(o.module.typeName) does not record its input shape; use export(model, path, input:[N, C, H, W])")
                }
                return Data(try ONNXExport.encode(model: o.module, inputShape: shape))
            }),
    ]
}

enum ONNXFiles {
    /// The input shape an imported graph declared, its symbolic dims (the batch) taken as 1.
    static func declaredInput(_ m: Module) -> [Int]? {
        (m as? GraphModel)?.concreteInputShape
    }
}
