import Foundation

/// Drives `cnns` on a real pseudo-terminal through tmux: keys go in with `send-keys`, the screen comes
/// back with `capture-pane`. Each instance has its own tmux server (`-L`), so tests never touch a
/// user's tmux and can run side by side; `close()` ends that server.
final class TmuxShell {
    static let tmux: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/tmux" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    private static let exitMarker = "cnns-exit-status="
    private let socket = "cnns-test-\(UUID().uuidString.prefix(8))"
    private let target = "cnns"

    /// Starts `cnns ARGUMENTS` in a 100×40 window with the given environment changes (nil: unset).
    init(arguments: [String] = [], environment: [String: String?]) throws {
        let assignments = environment.sorted { $0.key < $1.key }.map { key, value in
            value.map { quote("\(key)=\($0)") } ?? "-u \(quote(key))"
        }
        // tmux 3.3 sometimes marks a pane dead before it has the exit status, so the status is printed
        // into the pane. The shell around cnns ignores SIGINT so that Ctrl-C reaches only cnns (whose
        // interactive shell installs its own handler whatever it inherits).
        let command = "trap '' INT; " + (["env"] + assignments + [quote(CNNS.binary)] + arguments.map(quote))
            .joined(separator: " ") + "; echo \"\(Self.exitMarker)$?\""
        // The pane stays after cnns exits, to read its exit status and last screen; set before the
        // session starts, in the same tmux command, so a quick exit cannot beat it.
        _ = try tmux(["start-server", ";", "set-option", "-g", "remain-on-exit", "on", ";",
                      "new-session", "-d", "-s", target, "-x", "100", "-y", "40", command])
    }

    /// Sends tmux key names (`Enter`, `C-c`, `Up`, `Tab`).
    func keys(_ names: String...) throws { _ = try tmux(["send-keys", "-t", target] + names) }

    /// Types text literally.
    func type(_ text: String) throws { _ = try tmux(["send-keys", "-t", target, "-l", text]) }

    /// The screen with its scrolled-off history; with `escapes`, including the colour codes printed.
    func screen(escapes: Bool = false) -> String {
        (try? tmux(["capture-pane", "-p", "-S", "-"] + (escapes ? ["-e"] : []) + ["-t", target]).stdout) ?? ""
    }

    /// The screen's non-blank lines, trailing spaces removed.
    var lines: [String] {
        screen().split(separator: "\n").map { String($0.reversed().drop { $0 == " " }.reversed()) }
            .filter { !$0.isEmpty && !$0.hasPrefix("Pane is dead") }
    }

    /// Waits until `condition` holds for the screen's lines; false after `timeout` seconds.
    func waitUntil(timeout: TimeInterval = 20, _ condition: ([String]) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition(lines) { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return condition(lines)
    }

    /// Waits for a fresh, empty prompt on the last line, `count` prompts in all.
    func waitForPrompt(count: Int = 1, timeout: TimeInterval = 20) -> Bool {
        waitUntil(timeout: timeout) { lines in
            lines.last == "cnns>" && lines.filter { $0.hasPrefix("cnns>") }.count >= count
        }
    }

    /// cnns's exit status once it has ended; nil if it is still running after `timeout` seconds.
    func exitStatus(timeout: TimeInterval = 20) -> Int32? {
        var status: Int32?
        _ = waitUntil(timeout: timeout) { lines in
            status = lines.last { $0.hasPrefix(Self.exitMarker) }.flatMap { Int32($0.dropFirst(Self.exitMarker.count)) }
            return status != nil
        }
        return status
    }

    func close() { _ = try? tmux(["kill-server"]) }

    deinit { close() }

    @discardableResult
    private func tmux(_ arguments: [String]) throws -> CNNS.Result {
        try CNNS.run(["-L", socket, "-f", "/dev/null"] + arguments, timeout: 10, executable: Self.tmux ?? "tmux")
    }

    private func quote(_ word: String) -> String { "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}
