@testable import CNNScript
import CNNKit
import Foundation
import Testing

/// A session whose output is collected, with helpers to run source and meta-commands.
private final class Recorder {
    let session: Session
    var text = ""
    init() {
        session = Session(output: { _ in })
        session.output = { [unowned self] in self.text += $0 }
    }
    /// Runs source; returns what it printed.
    @discardableResult
    func run(_ source: String) throws -> String {
        text = ""
        try session.run(source, file: "<stdin>", echo: .all)
        return text
    }
    /// Runs a meta-command; returns what it printed.
    @discardableResult
    func meta(_ line: String, history: [String] = []) throws -> String {
        text = ""
        _ = try session.runMeta(line, history: history)
        return text
    }
}

@Suite("meta-commands")
struct MetaCommandTests {
    @Test("isMeta recognises lines starting with ':'")
    func recognition() {
        #expect(Session.isMeta(":who") && Session.isMeta("  :time 1") && !Session.isMeta("x = 1") && !Session.isMeta(""))
    }

    @Test(":who lists name, kind, shape or size and memory of every variable")
    func who() throws {
        let r = Recorder()
        #expect(try r.meta(":who") == "no variables\n")
        try r.run("x = zeros(2, 3); n = 4; s = \"héllo\"; l = [1, \"a\"]; big = zeros(1024, 3);")
        let lines = try r.meta(":who").split(separator: "\n").map(String.init)
        #expect(lines.count == 6, "\(lines)")
        #expect(lines[0].hasPrefix("name") && lines[0].contains("kind") && lines[0].contains("memory"))
        let rows = Dictionary(uniqueKeysWithValues: lines.dropFirst().map { line in
            (String(line.split(separator: " ")[0]), line.split(separator: " ", omittingEmptySubsequences: true).map(String.init))
        })
        #expect(rows["x"] == ["x", "tensor", "2×3", "24", "B"])
        #expect(rows["n"] == ["n", "number", "4", "8", "B"])
        #expect(rows["s"]?.prefix(3) == ["s", "string", "5"])
        #expect(rows["s"]?.suffix(2) == ["6", "B"], "UTF-8 bytes of héllo")
        #expect(rows["big"]?.suffix(2) == ["12.0", "KiB"])
        #expect(rows["l"]?.prefix(4) == ["l", "list", "2", "items"])
        let only = try r.meta(":who n").split(separator: "\n")
        #expect(only.count == 2 && only[1].hasPrefix("n "))
    }

    @Test(":who shows a model's parameter count and memory")
    func whoModel() throws {
        let r = Recorder()
        try r.run("net = Sequential(Dense(3, 4), Dense(4, 2));")
        let out = try r.meta(":who")
        // 3·4 + 4 + 4·2 + 2 = 26 parameters, 104 bytes of float32.
        #expect(out.contains("26 params") && out.contains("104 B"), "\(out)")
    }

    @Test(":del forgets names and refuses unknown ones without deleting anything")
    func del() throws {
        let r = Recorder()
        try r.run("a = 1; b = 2; c = 3;")
        try r.meta(":del a b")
        #expect(r.session.globals.allNames == ["c"])
        #expect(throws: ScriptError.self) { try r.meta(":del c nothing") }
        #expect(r.session.globals.allNames == ["c"], "a failed :del must not delete the names that exist")
        #expect(throws: ScriptError.self) { try r.meta(":del") }
    }

    @Test("results are numbered; _n reads them; a user's own _3 is never clobbered; :reset forgets all")
    func numberedOutputs() throws {
        let r = Recorder()
        #expect(try r.run("10") == "10\n", "plain unless numbered (pipes)")
        r.session.outputs.numbered = true
        #expect(try r.run("20") == "Out[2]: 20\n")
        #expect(try r.run("zeros(2, 2)").hasPrefix("Out[3]:\ntensor 2×2"), "multi-line values start below the label")
        #expect(try r.run("_1 + _2") == "Out[4]: 30\n")
        try r.run("_5 = \"mine\";")
        #expect(try r.run("7") == "Out[5]: 7\n")
        #expect(try r.run("_5") == "Out[6]: \"mine\"\n", "the user's _5 wins over Out[5]")
        #expect(try r.run("_") == "Out[7]: \"mine\"\n")
        #expect(throws: ScriptError.self) { try r.run("_99") }
        try r.meta(":reset")
        #expect(r.session.globals.allNames.isEmpty)
        #expect(throws: ScriptError.self) { try r.run("_1") }
        #expect(try r.run("1") == "Out[1]: 1\n", "numbering starts again after :reset")
    }

    @Test(":time runs the statement once, echoing it, then reports CPU and wall time")
    func time() throws {
        let r = Recorder()
        try r.run("n = 0;")
        let out = try r.meta(":time n = n + 1; n")
        let lines = out.split(separator: "\n")
        #expect(lines.first == "1", "\(out)")
        #expect(lines.last?.hasPrefix("CPU time: ") == true && lines.last?.contains("Wall time: ") == true, "\(out)")
        #expect(r.session.globals.lookup("n")?.asNumber == 1)
        #expect(throws: ScriptError.self) { try r.meta(":time") }
        #expect(throws: ScriptError.self) { try r.meta(":time undefined_thing") }
    }

    @Test(":timeit runs -r runs of -n loops without echo; the loop count adapts when not given")
    func timeit() throws {
        let r = Recorder()
        try r.run("count = 0;")
        let out = try r.meta(":timeit -n 5 -r 3 count = count + 1")
        #expect(r.session.globals.lookup("count")?.asNumber == 15, "3 runs × 5 loops")
        #expect(out.contains("per loop (mean ± std. dev. of 3 runs, 5 loops each); best "), "\(out)")
        #expect(out.split(separator: "\n").count == 1, "nothing echoed: \(out)")
        // Adaptive: the loop count is 1, 2, 5, 10, … until a run takes 0.2 s.
        let adaptive = try r.meta(":timeit -r 1 sum(zeros(100))")
        let loops = adaptive.components(separatedBy: "1 run, ").last?.split(separator: " ").first.flatMap { Int($0) }
        #expect(loops.map { [1, 2, 5].contains(Int("\($0)".prefix(1)) ?? 0) } == true, "\(adaptive)")
        for bad in [":timeit", ":timeit -n 0 1", ":timeit -r x 1", ":timeit 1 +", ":timeit undefined_name"] {
            #expect(throws: ScriptError.self, "\(bad)") { try r.meta(bad) }
        }
    }

    @Test(":history numbers the host's lines; :help lists commands and explains builtins; unknown commands suggest")
    func historyHelpUnknown() throws {
        let r = Recorder()
        #expect(try r.meta(":history", history: ["a = 1", "b", ":history"]) == "1  a = 1\n2  b\n3  :history\n")
        #expect(try r.meta(":history 1", history: Array(repeating: "x", count: 10) + ["y"]) == "11  y\n")
        let help = try r.meta(":help")
        for command in Session.metaCommands { #expect(help.contains(command.usage)) }
        #expect(try r.meta(":help conv").contains("stride"))
        #expect(try r.meta(":help timeit").hasPrefix(":timeit"))
        #expect(throws: ScriptError.self) { try r.meta(":help no_such_thing") }
        do {
            try r.meta(":whoo")
            Issue.record(":whoo must fail")
        } catch let e as ScriptError {
            #expect(e.message.contains("did you mean ':who'"), "\(e.message)")
        }
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("cnns-run-\(UUID().uuidString).cnns")
        defer { try? FileManager.default.removeItem(at: script) }
        try "\u{FEFF}ran = 6 * 7\nran\nprint(\"printed\")\n".write(to: script, atomically: true, encoding: .utf8)
        #expect(try r.meta(":run \(script.path)") == "printed\n", "a script echoes nothing but what it prints")
        #expect(r.session.globals.lookup("ran")?.asNumber == 42)
        #expect(throws: ScriptError.self) { try r.meta(":run /nonexistent-\(UUID()).cnns") }
        #expect(try r.session.runMeta(":quit") == .quit)
        #expect(try r.session.runMeta(":who") == .done)
    }
}

@Suite("meta-command completion")
struct MetaCompletionTests {
    @Test("':' lines complete command names, file names after :load/:save, variables after :del/:who")
    func metaCompletion() throws {
        let s = Session(output: { _ in })
        try s.run("alpha = 1; alps = 2; beta = 3;", file: "<stdin>")
        #expect(s.completions(for: ":ti") == ["time", "timeit"])
        #expect(s.completions(for: ":hi") == ["history"])
        #expect(s.completions(for: ":del al") == ["alpha", "alps"])
        #expect(s.completions(for: ":who b") == ["beta"])
        #expect(s.completions(for: ":save out.cnnsession al") == ["alpha", "alps"])
        #expect(s.completions(for: ":help time").contains("timeit"))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cnns-metacomp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("saved_dir"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data().write(to: dir.appendingPathComponent("saved.cnnsession"))
        #expect(s.completions(for: ":load \(dir.path)/sav") == ["saved.cnnsession", "saved_dir/"])
        #expect(s.completions(for: ":quit x").isEmpty)
    }
}
