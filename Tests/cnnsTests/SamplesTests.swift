import Foundation
import Testing

/// Every `samples/*.cnns` runs cleanly: exit 0, nothing on stderr, and each `# expect: TEXT` comment's
/// TEXT appears as a line of stdout, in the order written (Crafting Interpreters' test-suite style).
/// Samples get the argument `--quick`: those that train use less data then, so the debug suite stays fast.
@Suite("cnns samples")
struct SamplesTests {
    static let samples: [URL] = {
        let directory = CNNS.packageRoot.appendingPathComponent("samples")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".cnns") }.sorted().map { directory.appendingPathComponent($0) }
    }()

    @Test("each sample runs and prints what its # expect: lines say", arguments: samples)
    func sample(_ url: URL) throws {
        let text = try String(contentsOf: url, encoding: .utf8)
        let result = try CNNS.run([url.path, "--quick"], directory: CNNS.packageRoot, timeout: 300)
        #expect(result.status == 0, "\(url.lastPathComponent): \(result)")
        #expect(result.stderr.isEmpty, "\(url.lastPathComponent): \(result)")

        let output = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        var position = 0
        for expected in Self.expectations(in: text) {
            guard let found = output[position...].firstIndex(of: expected) else {
                Issue.record("\(url.lastPathComponent): no line \"\(expected)\" in stdout after line \(position):\n\(result.stdout)")
                return
            }
            position = found + 1
        }
    }

    /// The TEXT of each `# expect: TEXT` comment (also after code on the same line), in order.
    static func expectations(in text: String) -> [String] {
        text.split(separator: "\n").compactMap { line in
            guard let range = line.range(of: "# expect: ") else { return nil }
            return line[range.upperBound...].trimmingCharacters(in: .whitespaces)
        }
    }
}

@Suite("cnns sample expectations")
struct SampleExpectationTests {
    @Test("the # expect: reader finds comments in order")
    func expectationReader() {
        let text = "x = 1 # expect: 1\n# plain comment\n# expect: tensor 2×2 f32\nprint(3)  # expect:  3 \n"
        #expect(SamplesTests.expectations(in: text) == ["1", "tensor 2×2 f32", "3"])
    }
}
