import CNNScript
import Foundation
import Testing

/// An imported graph saved as .safetensors comes back as the same model (architecture kept as ONNX in
/// the metadata), not only as weights.
@Suite struct GraphSaveTests {
    @Test func importedGraphRoundTripsThroughSafetensors() throws {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/onnx")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("graph-\(UUID()).safetensors").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var out = ""
        let session = Session(output: { out += $0 })
        try session.run("""
            g = load("\(fixtures.path)/chain.onnx")
            x = load("\(fixtures.path)/chain-input.npy")
            save(g, "\(path)")
            h = load("\(path)")
            print(type(h), max(abs(h(x) - load("\(fixtures.path)/chain-output.npy"))) < 1e-5)
            """, file: "<test>", echo: .none)
        #expect(out == "model 1\n", "\(out)")  // a tensor comparison prints 1 for true
    }
}
