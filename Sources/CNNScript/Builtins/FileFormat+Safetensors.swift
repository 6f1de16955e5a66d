import CNNKit
import Foundation

extension FileFormats {
    /// Hugging Face's `.safetensors`. Loading gives a model when the file carries a cnns architecture
    /// (`__metadata__["cnns.architecture"]`, written by saving a model), else the named tensors as a
    /// `weights` value (a PyTorch export) for `load_weights(model, w)`. Saving takes a model (state
    /// dict + architecture; a model of a layer type the architecture description does not know is
    /// saved as weights only, with a note), a `weights` value, a list of `[name, tensor]` pairs or of
    /// tensors (named "0", "1", …), or one tensor (stored under the name "tensor").
    static let safetensorsFormats: [FileFormat] = [
        FileFormat(
            extensions: [".safetensors"], loads: "a model (or named weights)", saves: "a model or a tensor",
            load: { bytes, interpreter in
                let contents = try Safetensors.decode(bytes)
                if Safetensors.hasArchitecture(contents) {
                    return .object(ModelObject(try Safetensors.decodeModel(contents, rng: &interpreter.session.rng)))
                }
                return .object(WeightsObject(entries: contents.entries, metadata: contents.metadata))
            },
            save: { value, interpreter in
                switch value {
                case .object(let m as ModelObject):
                    if !Safetensors.canDescribe(m.module) {
                        var reason = "the graph does not record its input shape"
                        if !(m.module is GraphModel) {
                            do { _ = try ModelSpec.describe(m.module) } catch let e as OpError { reason = e.message }
                        }
                        interpreter.emit("save: note: \(reason); saved the weights only (load_weights reads them into a model)")
                        return Data(try Safetensors.encode(model: m.module, architecture: false))
                    }
                    return Data(try Safetensors.encode(model: m.module))
                case .object(let w as WeightsObject):
                    return Data(try Safetensors.encode(w.namedTensors.map { Safetensors.Entry(name: $0.name, tensor: $0.tensor) },
                                                       metadata: w.metadata))
                case .list(let items) where !items.isEmpty:
                    var entries: [Safetensors.Entry] = []
                    for (k, item) in items.enumerated() {
                        if case .list(let pair) = item, pair.count == 2, case .string(let name) = pair[0],
                           let t = try Convert.tensor(pair[1]) {
                            entries.append(Safetensors.Entry(name: name, tensor: t))
                        } else if case .list = item {
                            throw RuntimeError("save: .safetensors item \(k) should be [name, tensor] or a tensor, got \(item.brief)")
                        } else if let t = try Convert.tensor(item) {
                            entries.append(Safetensors.Entry(name: String(k), tensor: t))
                        } else {
                            throw RuntimeError("save: .safetensors item \(k) should be [name, tensor] or a tensor, got \(item.brief)")
                        }
                    }
                    return Data(try Safetensors.encode(entries))
                default:
                    guard let t = try Convert.tensor(value) else {
                        throw RuntimeError("save: .safetensors holds a model, weights or a tensor, got \(value.brief)")
                    }
                    return Data(try Safetensors.encode([Safetensors.Entry(name: "tensor", tensor: t)]))
                }
            }),
    ]
}
