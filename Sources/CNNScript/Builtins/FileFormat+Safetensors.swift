// Owned by the safetensors work (issue 5): the .safetensors entries of the file-format table.
extension FileFormats {
    static let safetensorsFormats: [FileFormat] = []
}
