@testable import CNNKit
import Foundation
import Testing

/// .npy files written by NumPy itself (npy-good) and hand-broken ones (npy-bad), each listed in the
/// folder's expected.json.
@Suite("Fixtures: .npy files")
struct NPYFixtureTests {
    @Test("files NumPy wrote load with the right shape and values")
    func good() throws {
        let dir = Fixtures.root.appendingPathComponent("npy-good")
        let manifest = try #require(try Fixtures.json(dir.appendingPathComponent("expected.json")) as? [String: [String: Any]])
        #expect(manifest.count >= 14)
        for (file, want) in manifest.sorted(by: { $0.key < $1.key }) {
            let t = try NPY.read(Fixtures.bytes(dir.appendingPathComponent(file)))
            let shape = want["shape"] as? [Int] ?? [-1]
            let values = (want["values"] as? [NSNumber] ?? []).map(\.floatValue)
            #expect(t.shape == shape, "\(file)")
            #expect(t.scalars == values, "\(file)")
            // What we write, NumPy's layout, reads back the same.
            #expect(try NPY.read(NPY.encode(t)) == t, "\(file)")
        }
    }

    @Test("every malformed file gives a specific load error")
    func bad() throws {
        let dir = Fixtures.root.appendingPathComponent("npy-bad")
        let manifest = try #require(try Fixtures.json(dir.appendingPathComponent("expected.json")) as? [String: String])
        #expect(manifest.count >= 10)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".npy") }
        #expect(Set(files) == Set(manifest.keys), "every bad file is listed")
        for (file, fragment) in manifest.sorted(by: { $0.key < $1.key }) {
            let bytes = try Fixtures.bytes(dir.appendingPathComponent(file))
            expectOpError("load", fragment) { try NPY.read(bytes) }
        }
    }
}
