import Foundation
import Testing
import CNNTestSupport

/// The interactive shell on a pseudo-terminal (tmux): prompts, Ctrl-C, Ctrl-D, history, colour.
@Suite("cnns interactive shell", .serialized,
       .enabled(if: TmuxShell.tmux != nil, "tmux is not installed: the interactive shell is not tested"))
struct ShellTests {
    private func stateHome() throws -> URL { try makeScratchDirectory("cnns-test") }

    @Test("Ctrl-C cancels a half-typed line, errors never end the shell, Ctrl-D exits 0, history is private")
    func editingAndHistory() throws {
        let state = try stateHome()
        defer { try? FileManager.default.removeItem(at: state) }
        let environment: [String: String?] = ["XDG_STATE_HOME": state.path, "TERM": "xterm-256color"]
        let shell = try TmuxShell(environment: environment)
        defer { shell.close() }
        #expect(shell.waitForPrompt(), "no prompt:\n\(shell.screen())")

        try shell.type("half typed")
        try shell.keys("C-c")
        #expect(shell.waitForPrompt(count: 2), "Ctrl-C did not give a fresh prompt:\n\(shell.screen())")
        #expect(shell.lines.contains { $0.hasPrefix("cnns> half typed") })

        // Undefined names are errors: each is reported and the shell prompts again.
        for (i, entry) in ["undefined_a", "undefined_a", "undefined_b"].enumerated() {
            try shell.type(entry)
            try shell.keys("Enter")
            #expect(shell.waitForPrompt(count: 3 + i), "no prompt after an error:\n\(shell.screen())")
        }
        #expect(shell.lines.contains { $0.hasPrefix("<stdin>:1:") && $0.contains(": error: ") }, "\(shell.screen())")

        try shell.keys("C-d")
        #expect(shell.exitStatus() == 0, "Ctrl-D on an empty line must exit 0:\n\(shell.screen())")

        let directory = state.appendingPathComponent("cnns")
        let file = directory.appendingPathComponent("history")
        let directoryMode = try FileManager.default.attributesOfItem(atPath: directory.path)[.posixPermissions] as? Int
        let fileMode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
        #expect(directoryMode == 0o700 && fileMode == 0o600)
        let entries = try String(contentsOf: file, encoding: .utf8).split(separator: "\n").map(String.init)
            .filter { !$0.hasPrefix("_HiStOrY_") }
        #expect(entries == ["undefined_a", "undefined_b"], "consecutive duplicates must not be stored: \(entries)")

        // A new shell has the history: Up recalls the newest entry.
        let again = try TmuxShell(environment: environment)
        defer { again.close() }
        #expect(again.waitForPrompt())
        try again.keys("Up")
        #expect(again.waitUntil { $0.last == "cnns> undefined_b" }, "history not loaded:\n\(again.screen())")
        try again.keys("C-u", "C-d")
        #expect(again.exitStatus() == 0)
    }

    @Test("on a terminal, errors are coloured unless NO_COLOR or --color never")
    func colourOnTerminal() throws {
        let state = try stateHome()
        defer { try? FileManager.default.removeItem(at: state) }
        let cases: [([String], [String: String?], Bool)] = [
            ([], ["NO_COLOR": nil], true),
            ([], ["NO_COLOR": "1"], false),
            (["--color", "never"], [:], false),
        ]
        for (arguments, extra, coloured) in cases {
            let environment = extra.merging(["XDG_STATE_HOME": state.path, "TERM": "xterm-256color"]) { a, _ in a }
                as [String: String?]
            let shell = try TmuxShell(arguments: arguments + ["-e", "undefined_name_for_colour"], environment: environment)
            defer { shell.close() }
            #expect(shell.exitStatus() == 1, "\(arguments) \(extra):\n\(shell.screen())")
            let screen = shell.screen(escapes: true)
            #expect(screen.contains("error:"), "\(screen)")
            #expect(screen.contains("\u{1B}[") == coloured, "\(arguments) \(extra) coloured should be \(coloured):\n\(screen)")
        }
    }

    @Test("the shell evaluates, completes, continues open entries, and survives Ctrl-C during a computation")
    func evaluation() throws {
        let state = try stateHome()
        defer { try? FileManager.default.removeItem(at: state) }
        let shell = try TmuxShell(environment: ["XDG_STATE_HOME": state.path, "TERM": "xterm-256color"])
        defer { shell.close() }
        #expect(shell.waitForPrompt())

        try shell.type("1 + 2")
        try shell.keys("Enter")
        #expect(shell.waitUntil { $0.suffix(2) == ["Out[1]: 3", "cnns>"] }, "\(shell.screen())")

        try shell.type("y = [1,")
        try shell.keys("Enter")
        #expect(shell.waitUntil { $0.last == "  ..." }, "no continuation prompt:\n\(shell.screen())")
        try shell.type("2]")
        try shell.keys("Enter")
        // Type only at the new prompt: keys sent while the entry still runs reach the terminal in cooked
        // mode, which echoes a Tab as spaces instead of handing it to the line editor.
        #expect(shell.waitUntil { $0.last == "cnns>" }, "no prompt after the continued entry:\n\(shell.screen())")
        try shell.type("linsp")
        try shell.keys("Tab")
        #expect(shell.waitUntil { $0.last == "cnns> linspace" }, "Tab must complete a builtin:\n\(shell.screen())")
        try shell.keys("C-u")
        try shell.type("y.sha")
        try shell.keys("Tab")
        #expect(shell.waitUntil { $0.last == "cnns> y.shape" }, "Tab must complete a member:\n\(shell.screen())")
        try shell.keys("C-u")

        try shell.type("(sum(y) +")
        try shell.keys("Enter")
        #expect(shell.waitUntil { $0.last == "  ..." })
        try shell.keys("C-c")
        #expect(shell.waitUntil { $0.last == "cnns>" }, "Ctrl-C must drop the open entry:\n\(shell.screen())")

        try shell.type("for i in range(100000) { for j in range(100000) { k = i + j } }")
        try shell.keys("Enter")
        Thread.sleep(forTimeInterval: 1)
        try shell.keys("C-c")
        #expect(shell.waitUntil { $0.suffix(2) == ["interrupted", "cnns>"] }, "\(shell.screen())")

        try shell.type("print(\"still here\")")
        try shell.keys("Enter")
        #expect(shell.waitUntil { $0.suffix(2) == ["still here", "cnns>"] }, "\(shell.screen())")
        try shell.keys("C-d")
        #expect(shell.exitStatus() == 0)
    }

    @Test("cnns -i FILE runs the script, then the shell continues with its variables")
    func interactiveAfterScript() throws {
        let state = try stateHome()
        defer { try? FileManager.default.removeItem(at: state) }
        let script = state.appendingPathComponent("setup.cnns")
        try "x = 41\nprint(\"script ran\")\n".write(to: script, atomically: true, encoding: .utf8)
        let shell = try TmuxShell(arguments: ["-i", script.path], environment: ["XDG_STATE_HOME": state.path, "TERM": "xterm-256color"])
        defer { shell.close() }
        #expect(shell.waitForPrompt(timeout: 30) && shell.lines.first == "script ran", "\(shell.screen())")
        try shell.type("x + 1")
        try shell.keys("Enter")
        #expect(shell.waitUntil(timeout: 30) { $0.suffix(2) == ["Out[1]: 42", "cnns>"] }, "\(shell.screen())")
        try shell.keys("C-d")
        #expect(shell.exitStatus(timeout: 30) == 0)
    }

    @Test("numbered results, meta-commands, Tab for labels, paths and meta-commands, Ctrl-R, history across runs")
    func metaCompletionAndSearch() throws {
        let state = try stateHome()
        defer { try? FileManager.default.removeItem(at: state) }
        let files = try makeScratchDirectory("cnns-test")
        defer { try? FileManager.default.removeItem(at: files) }
        try Data().write(to: files.appendingPathComponent("training_set.npy"))
        let environment: [String: String?] = ["XDG_STATE_HOME": state.path, "TERM": "xterm-256color"]
        let shell = try TmuxShell(environment: environment)
        defer { shell.close() }
        #expect(shell.waitForPrompt(), "no prompt:\n\(shell.screen())")

        func enter(_ text: String, until condition: @escaping ([String]) -> Bool, _ what: String) throws {
            try shell.type(text)
            try shell.keys("Enter")
            #expect(shell.waitUntil(timeout: 30, condition), "\(what):\n\(shell.screen())")
        }
        func complete(_ text: String, to expected: String, _ what: String) throws {
            try shell.type(text)
            try shell.keys("Tab")
            #expect(shell.waitUntil(timeout: 30) { $0.last == "cnns> " + expected }, "\(what):\n\(shell.screen())")
            try shell.keys("C-u")
            #expect(shell.waitUntil(timeout: 30) { $0.last == "cnns>" })
        }

        try enter("a = 5", until: { $0.suffix(2) == ["cnns> a = 5", "cnns>"] }, "assignment")
        try enter("1 + 2", until: { $0.suffix(2) == ["Out[1]: 3", "cnns>"] }, "results are numbered")
        try enter("_1 * 10", until: { $0.suffix(2) == ["Out[2]: 30", "cnns>"] }, "_n reads result n")
        try enter("a = 5", until: { $0.suffix(2) == ["cnns> a = 5", "cnns>"] }, "repeated entry")
        try enter(":who", until: { $0.suffix(3).first?.hasPrefix("name") == true && $0.suffix(2).first?.hasPrefix("a ") == true },
                  ":who lists the variable")

        try complete("conv(x, k, st", to: "conv(x, k, stride:", "Tab completes the label of the call")
        try complete("load(\"\(files.path)/trai", to: "load(\"\(files.path)/training_set.npy", "Tab completes a path in a string")
        try complete("a.sh", to: "a.sh", "a number has no members")
        try complete(":hist", to: ":history", "Tab completes a meta-command")
        try complete("linsp", to: "linspace", "Tab completes a builtin")

        try shell.type("half typed")
        try shell.keys("C-c")
        #expect(shell.waitUntil(timeout: 30) { $0.last == "cnns>" && $0.contains { $0.hasPrefix("cnns> half typed") } }, "\(shell.screen())")
        try shell.keys("C-d")
        #expect(shell.exitStatus(timeout: 30) == 0, "\(shell.screen())")

        // History is deduplicated (a line keeps only its newest place) and kept for the next run.
        let file = state.appendingPathComponent("cnns/history")
        let entries = try String(contentsOf: file, encoding: .utf8).split(separator: "\n").map(String.init)
            .filter { !$0.hasPrefix("_HiStOrY_") }.map { $0.replacingOccurrences(of: "\\040", with: " ") }  // libedit's vis(3)
        #expect(entries == ["1 + 2", "_1 * 10", "a = 5", ":who"], "\(entries)")

        let again = try TmuxShell(environment: environment)
        defer { again.close() }
        #expect(again.waitForPrompt(), "\(again.screen())")
        // Ctrl-R finds the newest entry containing what is typed; Enter runs it.
        try again.keys("C-r")
        try again.type("1 +")
        #expect(again.waitUntil(timeout: 30) { $0.contains { $0.contains("1 + 2") } }, "Ctrl-R shows the match:\n\(again.screen())")
        try again.keys("Enter")
        #expect(again.waitUntil(timeout: 30) { $0.suffix(2) == ["Out[1]: 3", "cnns>"] }, "Ctrl-R then Enter runs it:\n\(again.screen())")
        try again.keys("Up")
        #expect(again.waitUntil(timeout: 30) { $0.last == "cnns> 1 + 2" }, "\(again.screen())")
        try again.keys("C-u")
        try again.type(":quit")
        try again.keys("Enter")
        #expect(again.exitStatus(timeout: 30) == 0, ":quit exits 0:\n\(again.screen())")
    }
}
