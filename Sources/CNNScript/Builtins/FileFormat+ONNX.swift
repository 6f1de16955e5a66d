// Owned by the ONNX work (issue 5): the .onnx entries of the file-format table.
extension FileFormats {
    static let onnxFormats: [FileFormat] = []
}
