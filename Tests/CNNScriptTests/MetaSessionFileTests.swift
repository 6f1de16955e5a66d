@testable import CNNScript
import CNNKit
import Foundation
import Testing
import CNNTestSupport

/// `:save` / `:load`: the whole session in one file, round trips exactly, and hostile files are refused
/// with a message before anything is defined.
@Suite("meta-commands: session files")
struct MetaSessionFileTests {
    private func session() -> Session { Session(output: { _ in }) }

    /// A session file from a manifest's JSON text and a data section.
    private func file(_ json: String, data: [UInt8] = [], length: UInt64? = nil) -> [UInt8] {
        var bytes = Array("CNNSSES1".utf8)
        var n = (length ?? UInt64(json.utf8.count)).littleEndian
        withUnsafeBytes(of: &n) { bytes.append(contentsOf: $0) }
        return bytes + Array(json.utf8) + data
    }

    private func manifest(_ variables: String) -> String {
        "{\"format\": \"cnns-session\", \"version\": 1, \"variables\": [\(variables)]}"
    }

    @Test("save then load restores tensors bit for bit, gradients flags, numbers (nan, inf), strings, bools, lists")
    func roundTrip() throws {
        let dir = try makeScratchDirectory("cnns-meta")
        defer { try? FileManager.default.removeItem(at: dir) }
        var generator = SystemRandomNumberGenerator()
        for trial in 0..<5 {
            let shape = (0..<Int.random(in: 0...3, using: &generator)).map { _ in Int.random(in: 0...4, using: &generator) }
            let count = shape.reduce(1, *)
            var scalars = (0..<count).map { _ in Float.random(in: -1e3...1e3, using: &generator) }
            if count > 1 { scalars[0] = .nan; scalars[1] = -.infinity }
            let tensor = try Tensor(shape: shape, scalars: scalars)
            let a = session()
            a.globals.define("t", .tensor(tensor))
            a.globals.define("p", .tensor(Variable(try Tensor(shape: [2], scalars: [1.5, -2]), requiresGrad: true)))
            a.globals.define("n", .number([0.1, .nan, -.infinity, 1e300, -0.0][trial]))
            a.globals.define("s", .string("héllo \"wörld\"\n\t✓"))
            a.globals.define("b", .bool(trial % 2 == 0))
            a.globals.define("nothing", .none)
            a.globals.define("l", .list([.number(1), .list([.string("x"), .tensor(tensor)]), .bool(false)]))
            let path = dir.appendingPathComponent("s\(trial).cnnsession").path
            _ = try a.runMeta(":save \(path)")
            let names = try FileManager.default.contentsOfDirectory(atPath: dir.path)
            #expect(!names.contains { $0.contains(".tmp-") }, "no temporary file is left: \(names)")

            let b = session()
            b.globals.define("t", .number(99))  // replaced by the loaded value
            b.globals.define("kept", .number(7))  // untouched
            _ = try b.runMeta(":load \(path)")
            guard let loaded = b.globals.lookup("t")?.tensorValue else { Issue.record("t is not a tensor"); continue }
            #expect(loaded.shape == shape)
            #expect(loaded.scalars.map(\.bitPattern) == scalars.map(\.bitPattern), "values must be bit-exact")
            guard case .tensor(let p)? = b.globals.lookup("p"), !p.isConstant else { Issue.record("p lost its gradient flag"); continue }
            #expect(p.requiresGrad && p.value.scalars == [1.5, -2])
            let n = b.globals.lookup("n")?.asNumber ?? 0
            let expected = [0.1, .nan, -.infinity, 1e300, -0.0][trial]
            #expect(n.bitPattern == expected.bitPattern || (n.isNaN && expected.isNaN))
            guard case .string("héllo \"wörld\"\n\t✓")? = b.globals.lookup("s") else { Issue.record("string"); continue }
            guard case .bool(trial % 2 == 0)? = b.globals.lookup("b") else { Issue.record("bool"); continue }
            guard case .none? = b.globals.lookup("nothing") else { Issue.record("none"); continue }
            guard case .list(let items)? = b.globals.lookup("l"), items.count == 3,
                  case .list(let inner) = items[1], case .tensor(let t2) = inner[1] else { Issue.record("list"); continue }
            #expect(t2.value.scalars.map(\.bitPattern) == scalars.map(\.bitPattern))
            #expect(b.globals.lookup("kept")?.asNumber == 7)
        }
    }

    @Test(":save FILE NAMES saves only those, and refuses a function by name, writing nothing; the whole session skips it with a note")
    func selectionAndRefusals() throws {
        let dir = try makeScratchDirectory("cnns-meta")
        defer { try? FileManager.default.removeItem(at: dir) }
        let s = session()
        try s.run("x = [1, 2]; net = Sequential(Dense(2, 2)); f = fn(a) { a };", file: "<stdin>")
        let path = dir.appendingPathComponent("part.cnnsession").path
        _ = try s.runMeta(":save \(path) x")
        let loaded = session()
        _ = try loaded.runMeta(":load \(path)")
        #expect(loaded.globals.allNames == ["x"])

        let refused = dir.appendingPathComponent("refused.cnnsession").path
        do {
            _ = try s.runMeta(":save \(refused) x f")
            Issue.record("a function named in :save must be refused")
        } catch let e as ScriptError {
            #expect(e.message.contains("cannot be saved") && e.message.contains("'f'"), "\(e.message)")
        }
        #expect(!FileManager.default.fileExists(atPath: refused))

        // The whole session: what files hold is saved, the function is skipped and named.
        let whole = dir.appendingPathComponent("whole.cnnsession").path
        var said = ""
        s.output = { said += $0 }
        _ = try s.runMeta(":save \(whole)")
        s.output = { _ in }
        #expect(said.contains("saved 2 variables to \(whole)"), "\(said)")
        #expect(said.contains("note: not saved: f (function); session files hold models"), "\(said)")
        let all = session()
        _ = try all.runMeta(":load \(whole)")
        #expect(all.globals.allNames == ["net", "x"])

        // A model is stored with its architecture and weights, and comes back computing the same thing.
        let withModel = dir.appendingPathComponent("model.cnnsession").path
        _ = try s.runMeta(":save \(withModel) net x")
        var original = "", copy = ""
        let restored = Session(output: { copy += $0 })
        _ = try restored.runMeta(":load \(withModel)")
        #expect(restored.globals.allNames == ["net", "x"])
        copy = ""
        s.output = { original += $0 }
        try s.run("print(net(tensor([[1, 2]])))", file: "<stdin>")
        try restored.run("print(net(tensor([[1, 2]])))", file: "<stdin>")
        #expect(!original.isEmpty && original == copy, "[\(original)] vs [\(copy)]")
        #expect(throws: ScriptError.self) { try s.runMeta(":save \(whole) missing_name") }
        #expect(throws: ScriptError.self) { try s.runMeta(":save /nonexistent-dir-\(UUID())/x.cnnsession x") }
        let missing = "/nonexistent-\(UUID()).cnnsession"
        do {
            _ = try s.runMeta(":load \(missing)")
            Issue.record(":load of a missing file must fail")
        } catch let e as ScriptError {
            #expect(e.message == ":load: \(missing): cannot read the file: No such file or directory", "\(e.message)")
        }
    }

    @Test("malformed session files are refused with a reason, and define nothing", arguments: [
        ("empty", "", "not a cnns session file"),
        ("magic", "NOTSESS1\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}\u{0}{}", "not a cnns session file"),
    ])
    func malformedText(_ label: String, _ content: String, _ reason: String) throws {
        try expectSessionFileRefused(Array(content.utf8), reason, label)
    }

    @Test("malformed manifests and data are refused before any tensor is made")
    func malformedManifests() throws {
        let tensor = #"{"kind": "tensor", "shape": [2], "offset": 0}"#
        let eight = [UInt8](repeating: 0, count: 8)
        let open = String(repeating: #"{"kind": "list", "items": ["#, count: 120)
        let deep = #"["a", "# + open + #"{"kind": "none"}"# + String(repeating: "]}", count: 120) + "]"
        let cases: [(String, [UInt8], String)] = [
            ("length past the end", file(manifest(""), length: 1 << 40), "manifest claims"),
            ("not JSON", file("{not json"), "not valid JSON"),
            ("wrong format", file(#"{"format": "other", "version": 1, "variables": []}"#), "not a cnns-session manifest"),
            ("future version", file(#"{"format": "cnns-session", "version": 2, "variables": []}"#), "version 2"),
            ("unknown kind", file(manifest(#"["a", {"kind": "function"}]"#)), "unknown kind 'function'"),
            ("bad name", file(manifest(#"["1x", {"kind": "none"}]"#)), "not a valid variable name"),
            ("keyword name", file(manifest(#"["if", {"kind": "none"}]"#)), "not a valid variable name"),
            ("duplicate", file(manifest(#"["a", {"kind": "none"}], ["a", {"kind": "none"}]"#)), "appears twice"),
            ("not a pair", file(manifest(#"["a"]"#)), "[name, value] pair"),
            ("number text", file(manifest(#"["a", {"kind": "number", "value": "lots"}]"#)), "decimal string"),
            ("out of range", file(manifest(#"["a", \#(tensor)]"#), data: [0, 0, 0, 0]), "data section has 4"),
            ("huge offset", file(manifest(#"["a", {"kind": "tensor", "shape": [1], "offset": 9223372036854775800}]"#), data: eight), "data section"),
            ("offset + size past Int.max", file(manifest(#"["a", {"kind": "tensor", "shape": [4], "offset": 9223372036854775800}]"#), data: eight), "data section"),
            ("model past Int.max", file(manifest(#"["a", {"kind": "model", "offset": 9223372036854775800, "bytes": 9223372036854775800}]"#), data: eight), "data section"),
            ("huge shape", file(manifest(#"["a", {"kind": "tensor", "shape": [65536, 65536, 65536], "offset": 0}]"#), data: eight), "too many elements"),
            ("negative dim", file(manifest(#"["a", {"kind": "tensor", "shape": [-2], "offset": 0}]"#), data: eight), "not a count"),
            ("overlap", file(manifest(#"["a", \#(tensor)], ["b", \#(tensor)]"#), data: eight), "overlaps"),
            ("too deep", file(manifest(deep)), "nests lists"),
        ]
        for (label, bytes, reason) in cases { try expectSessionFileRefused(bytes, reason, label) }
    }

}

@Suite("statement splitting")
struct StatementSplitTests {
    @Test("statements keep their lines and the comments above them; multi-line statements stay whole")
    func split() throws {
        let source = """
            # setup
            x = 1

            fn f(a) {
              a + 1
            }
            if x > 0 {
              print("pos")
            }
            else {
              print("neg")
            }
            y = [1,
                 2]; z = 3
            # trailing comment
            """
        let session = Session(output: { _ in })
        let statements = session.entries(of: source, file: "test.cnns")
        #expect(statements.map(\.line) == [1, 4, 7, 13])
        #expect(statements.allSatisfy { if case .ready = $0.prepared { true } else { false } }, "each entry is parsed")
        #expect(statements[0].text == "# setup\nx = 1")
        #expect(statements[1].text == "fn f(a) {\n  a + 1\n}")
        #expect(statements[2].text.hasPrefix("if x > 0 {") && statements[2].text.hasSuffix("print(\"neg\")\n}"))
        #expect(statements[3].text == "y = [1,\n     2]; z = 3", "a trailing comment is no statement")
        #expect(session.entries(of: "", file: "test.cnns").isEmpty)
        // An entry still open at the end is failed, with what it misses; so is a wrong one, which the
        // entries after it do not join.
        let broken = session.entries(of: "x = [1,\n", file: "test.cnns")
        guard broken.count == 1, case .failed(let error) = broken[0].prepared else { Issue.record("\(broken)"); return }
        #expect(error.file == "test.cnns" && error.message.contains("end of input"), "\(error)")
        let wrong = session.entries(of: "x = 1 +* 2\ny = 3", file: "test.cnns")
        #expect(wrong.map(\.line) == [1, 2])
        if case .failed(let e) = wrong[0].prepared { #expect(e.line == 1 && e.column == 8, "\(e)") } else { Issue.record("not failed") }
        if case .ready = wrong[1].prepared {} else { Issue.record("the next entry stands on its own") }
    }
}
