import Foundation
import Testing
import CNNTestSupport

/// Meta-commands through piped input, and `--transcript`: what scripts driving `cnns` rely on.
@Suite("cnns meta-commands and transcripts")
struct MetaPipeTests {
    @Test("piped meta-commands run; values stay plain (no Out[n] labels) and _n still works; :quit stops")
    func pipedMeta() throws {
        let dir = try makeScratchDirectory("cnns-test")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("s.cnnsession").path
        let input = """
            x = [1, 2]
            3 + 4
            _1 * 2
            :who x
            :save \(file)
            :reset
            :who
            :load \(file)
            x
            :history 2
            :quit
            print("not reached")
            """
        let result = try CNNS.run([], stdin: input + "\n")
        #expect(result.status == 0, "\(result)")
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0] == "7" && lines[1] == "14", "\(result)")
        #expect(!result.stdout.contains("Out["), "pipes must stay plain: \(result)")
        #expect(lines[2].hasPrefix("name") && lines[3].hasPrefix("x ") && lines[3].contains("8 B"), "\(result)")
        #expect(lines[4] == "saved 1 variable to \(file)")
        #expect(lines[5] == "no variables")
        #expect(lines[6] == "loaded 1 variable: x from \(file)")
        #expect(lines[7] == "tensor 2 f32" && lines[8] == "[1., 2.]", "\(result)")
        #expect(lines[9] == " 9  x" && lines[10] == "10  :history 2", "\(result)")
        #expect(!result.stdout.contains("not reached"))
    }

    @Test("a failing meta-command in a pipe stops with status 1 (or goes on with --keep-going)")
    func pipedMetaErrors() throws {
        let stops = try CNNS.run([], stdin: ":del nothing\nprint(\"after\")\n")
        #expect(stops.status == 1 && !stops.stdout.contains("after"), "\(stops)")
        #expect(stops.stderr.contains("<stdin>:1:1: error: :del: no variable named 'nothing'"), "\(stops)")
        let goes = try CNNS.run(["--keep-going"], stdin: ":nonsense\nprint(\"after\")\n")
        #expect(goes.status == 1 && goes.stdout == "after\n", "\(goes)")
        #expect(goes.stderr.contains("unknown meta-command ':nonsense'"), "\(goes)")
    }

    /// The transcript with its date and timings replaced by placeholders.
    private func normalised(_ markdown: String) -> String {
        markdown.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            if line.hasPrefix("Run by cnns ") { return "Run by cnns VERSION on DATE." }
            if line.hasPrefix("<sub>") && line.hasSuffix("</sub>") { return "<sub>TIME</sub>" }
            if let r = line.range(of: " ran in ") { return String(line[..<r.upperBound]) + "TIME." }
            return String(line)
        }.joined(separator: "\n")
    }

    @Test("--transcript writes each statement, its output and its time as Markdown, stopping at an error")
    func transcript() throws {
        let dir = try makeScratchDirectory("cnns-test")
        defer { try? FileManager.default.removeItem(at: dir) }
        let script = dir.appendingPathComponent("demo.cnns")
        try """
            # numbers
            x = [1, 2, 3]
            x * 2
            print("a ``` fence")
            fn twice(v) {
              v * 2
            }
            twice(21)
            nope
            y = 1
            """.write(to: script, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("demo.md")
        let result = try CNNS.run(["--transcript", out.path, script.path], directory: dir)
        #expect(result.status == 1, "\(result)")
        #expect(result.stdout.isEmpty, "the output goes into the transcript: \(result)")
        #expect(result.stderr.contains("demo.cnns:9:1: error: unknown name 'nope'"), "\(result)")
        let markdown = try String(contentsOf: out, encoding: .utf8)
        let expected = """
            # demo.cnns

            Run by cnns VERSION on DATE.

            ```cnns
            # numbers
            x = [1, 2, 3]
            ```

            <sub>TIME</sub>

            ```cnns
            x * 2
            ```

            ```
            tensor 3 f32
            [2., 4., 6.]
            ```

            <sub>TIME</sub>

            ````cnns
            print("a ``` fence")
            ````

            ````
            a ``` fence
            ````

            <sub>TIME</sub>

            ```cnns
            fn twice(v) {
              v * 2
            }
            ```

            <sub>TIME</sub>

            ```cnns
            twice(21)
            ```

            ```
            42
            ```

            <sub>TIME</sub>

            ```cnns
            nope
            ```

            ```
            \(script.path):9:1: error: unknown name 'nope'
            nope
            ^
            ```

            <sub>TIME</sub>

            _Stopped at the first error (--keep-going runs the rest)._

            ---

            6 of 7 statements ran in TIME.

            """
        #expect(normalised(markdown) == expected, "\(markdown)")

        let kept = try CNNS.run(["--keep-going", "--transcript", out.path, script.path], directory: dir)
        #expect(kept.status == 1, "\(kept)")
        let all = try String(contentsOf: out, encoding: .utf8)
        #expect(all.contains("```cnns\ny = 1\n```") && normalised(all).hasSuffix("7 statements ran in TIME.\n"), "\(all)")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        #expect(names.sorted() == ["demo.cnns", "demo.md"], "no temporary file is left: \(names)")
    }

    @Test("--transcript needs a script and refuses -e and -i", arguments: [
        ["--transcript", "out.md"], ["--transcript", "out.md", "-e", "1"], ["-i", "--transcript", "out.md", "x.cnns"],
    ])
    func transcriptUsage(_ arguments: [String]) throws {
        let result = try CNNS.run(arguments)
        #expect(result.status == 2, "\(result)")
        #expect(result.stderr.contains("--transcript"), "\(result)")
    }
}
