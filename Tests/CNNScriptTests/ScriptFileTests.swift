@testable import CNNScript
import Foundation
import Testing

extension LearningTests {
    /// Runs every `Tests/Scripts/*.cnns` file as `cnns FILE` would (no echo) and compares its output with
    /// the `# expect: LINE` comments, in order. `# expect-error: TEXT` says the run must stop with an
    /// error whose `FILE:LINE:COL: error: MESSAGE` line contains TEXT.
    /// In `LearningTests` (serialized): scripts use no_grad, which is process-wide, and backward.
    @Suite struct ScriptFileTests {
        static let directory = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Scripts")

        static let scripts: [String] = {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            return names.filter { $0.hasSuffix(".cnns") }.sorted()
        }()

        @Test func scriptsAreFound() {
            #expect(ScriptFileTests.scripts.count >= 5)
        }

        static func source(_ name: String) -> String {
            (try? String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)) ?? ""
        }

        @Test(arguments: scripts)
        func script(_ name: String) throws {
            try ScriptFileTests.check(name)
        }

        static func check(_ name: String) throws {
            let source = try String(contentsOf: ScriptFileTests.directory.appendingPathComponent(name), encoding: .utf8)
            var expected: [String] = []
            var expectedError: String?
            for line in source.split(separator: "\n", omittingEmptySubsequences: false) {
                if let r = line.range(of: "# expect: ") {
                    expected.append(String(line[r.upperBound...]))
                } else if let r = line.range(of: "# expect-error: ") {
                    expectedError = String(line[r.upperBound...])
                }
            }
            let result = run(source, echo: .none, file: name)
            #expect(result.lines == expected, "output of \(name)")
            if let wanted = expectedError {
                #expect(result.error?.description.contains(wanted) == true,
                        "\(name): expected an error containing \(wanted.debugDescription), got \(result.error?.description ?? "none")")
            } else {
                #expect(result.error == nil, "\(name): \(result.error?.rendered ?? "")")
            }
        }
    }
}
