import Foundation
import Testing

/// The interactive shell on a pseudo-terminal (tmux): prompts, Ctrl-C, Ctrl-D, history, colour.
@Suite("cnns interactive shell", .serialized,
       .enabled(if: TmuxShell.tmux != nil, "tmux is not installed: the interactive shell is not tested"))
struct ShellTests {
    private func stateHome() throws -> URL { try CNNS.temporaryDirectory() }

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

    @Test("the shell evaluates, completes, continues open entries, and survives Ctrl-C during a computation",
          .enabled(if: CNNS.languageIsReal, "awaits the language: Session is still the interface stub"))
    func evaluation() throws {
        let state = try stateHome()
        defer { try? FileManager.default.removeItem(at: state) }
        let shell = try TmuxShell(environment: ["XDG_STATE_HOME": state.path, "TERM": "xterm-256color"])
        defer { shell.close() }
        #expect(shell.waitForPrompt())

        try shell.type("1 + 2")
        try shell.keys("Enter")
        #expect(shell.waitUntil { $0.suffix(2) == ["3", "cnns>"] }, "\(shell.screen())")

        try shell.type("y = [1,")
        try shell.keys("Enter")
        #expect(shell.waitUntil { $0.last == "  ..." }, "no continuation prompt:\n\(shell.screen())")
        try shell.type("2]")
        try shell.keys("Enter")
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
}
