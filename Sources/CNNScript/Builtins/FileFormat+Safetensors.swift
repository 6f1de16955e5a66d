import CNNKit
import Foundation

extension FileFormats {
    /// Hugging Face's `.safetensors`. Loading gives a model when the file carries a cnns architecture
    /// (`__metadata__["cnns.architecture"]`, written by saving a model), else the named tensors as a
    /// `weights` value (a PyTorch export) for `load_weights(model, w)`. Saving takes a model (state
    /// dict + architecture), a `weights` value, or one tensor (stored under the name "tensor").
    static let safetensorsFormats: [FileFormat] = [
        FileFormat(
            extensions: [".safetensors"], loads: "a model (or named weights)", saves: "a model or a tensor",
            load: { path, interpreter in
                let contents = try Safetensors.decode(try read(path, op: "load"))
                if contents.metadata[Safetensors.architectureKey] != nil {
                    return .object(ModelObject(try Safetensors.decodeModel(contents, rng: &interpreter.session.rng)))
                }
                return .object(WeightsObject(entries: contents.entries, metadata: contents.metadata))
            },
            save: { value, _ in
                switch value {
                case .object(let m as ModelObject):
                    return Data(try Safetensors.encode(model: m.module))
                case .object(let w as WeightsObject):
                    return Data(try Safetensors.encode(w.namedTensors.map { Safetensors.Entry(name: $0.name, tensor: $0.tensor) },
                                                       metadata: w.metadata))
                default:
                    guard let t = try Convert.tensor(value) else {
                        throw RuntimeError("save: .safetensors holds a model, weights or a tensor, got \(value.brief)")
                    }
                    return Data(try Safetensors.encode([Safetensors.Entry(name: "tensor", tensor: t)]))
                }
            }),
    ]
}
