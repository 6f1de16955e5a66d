@testable import CNNKit
import Foundation
import Testing

/// The fixtures written by scripts/make-fixtures: Tests/Fixtures/<op>/<case>/ with params.json and .npy
/// arrays. Found from this file's path, so the tests run from any working directory without Python.
enum Fixtures {
    /// …/Tests/CNNKitTests/Support/FixtureSupport.swift → …/Tests/Fixtures
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    static func bytes(_ url: URL) throws -> [UInt8] { [UInt8](try Data(contentsOf: url)) }

    static func json(_ url: URL) throws -> Any { try JSONSerialization.jsonObject(with: Data(contentsOf: url)) }

    /// Every case of `op`, sorted by name; fails the test when the folder is missing or empty.
    static func cases(_ op: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [FixtureCase] {
        let dir = root.appendingPathComponent(op)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        let cases = try names.sorted().map { try FixtureCase(name: $0, dir: dir.appendingPathComponent($0)) }
        #expect(!cases.isEmpty, "no fixtures in \(dir.path); run scripts/make-fixtures", sourceLocation: sourceLocation)
        return cases
    }
}

/// One fixture case: its parameters and arrays by file name (without .npy).
struct FixtureCase: CustomStringConvertible {
    let name: String
    let params: [String: Any]
    let arrays: [String: Tensor]

    init(name: String, dir: URL) throws {
        self.name = name
        params = try Fixtures.json(dir.appendingPathComponent("params.json")) as? [String: Any] ?? [:]
        var arrays: [String: Tensor] = [:]
        for file in try FileManager.default.contentsOfDirectory(atPath: dir.path) where file.hasSuffix(".npy") {
            arrays[String(file.dropLast(4))] = try NPY.read(Fixtures.bytes(dir.appendingPathComponent(file)))
        }
        self.arrays = arrays
    }

    var description: String { name }

    func tensor(_ key: String) throws -> Tensor {
        guard let t = arrays[key] else { throw OpError("fixture", "\(name) has no \(key).npy") }
        return t
    }
    func int(_ key: String) -> Int? { params[key] as? Int }
    func ints(_ key: String) -> [Int] { params[key] as? [Int] ?? [] }
    func bool(_ key: String) -> Bool { params[key] as? Bool ?? false }
    func double(_ key: String) -> Double? { (params[key] as? NSNumber)?.doubleValue }
    func string(_ key: String) -> String? { params[key] as? String }

    func size2(_ key: String) -> Size2 { let v = ints(key); return Size2(v[0], v[1]) }
    func pads(_ key: String = "pad") -> PaddingSpec {
        let p = ints(key)
        return .explicit(Padding2D(top: p[0], left: p[1], bottom: p[2], right: p[3]))
    }
}
