import CNNKit
import Foundation

extension FileFormats {
    /// NumPy's `.npy`: one tensor.
    static let npy = FileFormat(
        extensions: [".npy"], loads: "a tensor", saves: "a tensor",
        load: { bytes, _ in .tensor(try NPY.read(bytes)) },
        save: { value, _ in
            guard let t = try Convert.tensor(value) else {
                throw RuntimeError("save: .npy holds a tensor, got \(value.brief)")
            }
            return Data(NPY.encode(t))
        })
}
