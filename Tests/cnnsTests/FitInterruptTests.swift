import Foundation
import Testing
import CNNTestSupport

/// Ctrl-C during `fit` in the interactive shell: training stops between batches, the weights learned so
/// far are kept, the history is returned, and the shell prompts again.
@Suite("fit interrupted in the shell", .serialized,
       .enabled(if: TmuxShell.tmux != nil, "tmux is not installed: the interactive shell is not tested"))
struct FitInterruptTests {
    @Test("Ctrl-C stops fit between batches and keeps what it learned")
    func ctrlCDuringFit() throws {
        let state = try makeScratchDirectory("cnns-test")
        defer { try? FileManager.default.removeItem(at: state) }
        let shell = try TmuxShell(environment: ["XDG_STATE_HOME": state.path, "TERM": "xterm-256color"])
        defer { shell.close() }
        #expect(shell.waitForPrompt(), "no prompt:\n\(shell.screen())")

        try shell.type("m = lenet5(); w0 = sum(abs(m[0].weight)); d = shapes(n:20000, seed:1)")
        try shell.keys("Enter")
        #expect(shell.waitForPrompt(count: 2), "\(shell.screen())")
        try shell.type("h = fit(m, d, epochs:50, batch:32, opt:SGD(lr:0.05), seed:1)")
        try shell.keys("Enter")
        // Wait until the progress bar shows batches going by, then interrupt.
        #expect(shell.waitUntil { $0.contains { $0.contains("Epoch 1/50") || $0.contains("/50") } },
                "no progress shown:\n\(shell.screen())")
        Thread.sleep(forTimeInterval: 1)
        try shell.keys("C-c")
        #expect(shell.waitForPrompt(count: 3), "fit did not return to the prompt:\n\(shell.screen())")
        #expect(shell.lines.contains { $0.contains("training stopped") }, "\(shell.screen())")

        // The model changed (weights learned so far kept) and the history has the partial epoch.
        try shell.type("print(\"changed:\", sum(abs(m[0].weight)) != w0, \"epochs:\", len(h.loss))")
        try shell.keys("Enter")
        #expect(shell.waitUntil { $0.contains("changed: 1 epochs: 1") || $0.contains("changed: true epochs: 1") },
                "\(shell.screen())")
        try shell.keys("C-d")
        #expect(shell.exitStatus() == 0, "\(shell.screen())")
    }
}
