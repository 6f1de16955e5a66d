import Foundation
import Testing

/// Runs the built `cnns` binary as a subprocess, the way a user would. Standard input is a file, a pipe
/// or /dev/null, never the terminal the tests run in; every run has a deadline, so a hang fails the test
/// instead of blocking the suite.
enum CNNS {
    /// The package root, found from this file's place (Tests/cnnsTests/Support/).
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// `CNNS_BIN` (scripts/test sets it), else the `cnns` built next to the test bundle, else the
    /// package's debug build.
    static let binary: String = {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["CNNS_BIN"], !path.isEmpty { return path }
        var candidates: [String] = []
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            candidates.append(URL(fileURLWithPath: exe).deletingLastPathComponent().appendingPathComponent("cnns").path)
        }
        candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("cnns").path)
        candidates.append(packageRoot.appendingPathComponent(".build/debug/cnns").path)
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[candidates.count - 1]
    }()

    struct Result: CustomStringConvertible {
        var status: Int32
        var stdout: String
        var stderr: String
        var timedOut: Bool
        var description: String { "status \(status)\(timedOut ? " (timed out)" : "")\n--- stdout:\n\(stdout)\n--- stderr:\n\(stderr)" }
    }

    /// Runs `cnns ARGS` with `stdin` as its input (nil: /dev/null) and waits at most `timeout` seconds.
    /// `environment` entries are added to (or, with nil values, removed from) the test's environment.
    static func run(_ arguments: [String], stdin: String? = nil, environment: [String: String?] = [:],
                    directory: URL? = nil, timeout: TimeInterval = 60,
                    executable: String = binary) throws -> Result {
        let running = try start(arguments, stdin: stdin.map { .text($0) } ?? .null, environment: environment,
                                directory: directory, executable: executable)
        return running.wait(timeout: timeout)
    }

    enum Input {
        case null
        case text(String)
        /// A pipe kept open until the process ends: the program waits for more input.
        case openPipe
    }

    /// A started subprocess whose output goes to temporary files (no pipe can fill up and stall it).
    ///
    /// Spawned with `posix_spawn` rather than Foundation's `Process`: `Process` learns that a child
    /// ended from a socket the child inherits, so a child that leaves a daemon behind (tmux does) never
    /// looks finished. The child also starts with default signal handling and an empty signal mask:
    /// the test runner's threads block signals, and a mask is inherited.
    final class Running {
        let pid: pid_t
        private let stdoutURL: URL
        private let stderrURL: URL
        private var inputFD: Int32
        private var exitStatus: Int32?

        fileprivate init(pid: pid_t, stdoutURL: URL, stderrURL: URL, inputFD: Int32) {
            self.pid = pid
            self.stdoutURL = stdoutURL
            self.stderrURL = stderrURL
            self.inputFD = inputFD
        }

        deinit {
            if isRunning { kill(pid, SIGKILL); _ = waitpid(pid, nil, 0) }
            closeInput()
        }

        var stdoutSoFar: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }

        /// Reaps the child if it has ended; the status as a shell reports it (128 + signal).
        var isRunning: Bool {
            guard exitStatus == nil else { return false }
            var status: Int32 = 0
            let reaped = waitpid(pid, &status, WNOHANG)
            guard reaped == pid else { return reaped == 0 }
            let signal = status & 0x7f
            exitStatus = signal == 0 ? (status >> 8) & 0xff : 128 + signal
            return false
        }

        /// Sends SIGINT, as Ctrl-C does.
        func interrupt() { kill(pid, SIGINT) }

        func terminate() { kill(pid, SIGTERM) }

        /// Closes the write end of an `.openPipe` input: end of input for the child.
        func closeInput() {
            if inputFD >= 0 { close(inputFD); inputFD = -1 }
        }

        /// Waits until `text` shows up on stdout; false after `timeout` seconds.
        func waitForOutput(_ text: String, timeout: TimeInterval = 30) -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                if stdoutSoFar.contains(text) { return true }
                if !isRunning { return stdoutSoFar.contains(text) }
                Thread.sleep(forTimeInterval: 0.02)
            }
            return false
        }

        func wait(timeout: TimeInterval) -> Result {
            let deadline = Date().addingTimeInterval(timeout)
            while isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
            let timedOut = isRunning
            if timedOut {
                terminate()
                let grace = Date().addingTimeInterval(2)
                while isRunning && Date() < grace { Thread.sleep(forTimeInterval: 0.01) }
                if isRunning { kill(pid, SIGKILL) }
                while isRunning { Thread.sleep(forTimeInterval: 0.01) }
            }
            closeInput()
            let result = Result(
                status: timedOut ? -1 : exitStatus ?? -1,
                stdout: stdoutSoFar,
                stderr: (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "",
                timedOut: timedOut)
            try? FileManager.default.removeItem(at: stdoutURL)
            try? FileManager.default.removeItem(at: stderrURL)
            return result
        }
    }

    struct SpawnError: Error, CustomStringConvertible {
        var description: String
    }

    static func start(_ arguments: [String], stdin: Input = .null, environment: [String: String?] = [:],
                      directory: URL? = nil, executable: String = binary) throws -> Running {
        if let directory {
            // glibc's posix_spawn_file_actions_addchdir_np is not visible to Swift: let sh change directory.
            return try start(["-c", "cd \"$0\" && exec \"$@\"", directory.path, executable] + arguments,
                             stdin: stdin, environment: environment, executable: "/bin/sh")
        }
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }

        let scratch = FileManager.default.temporaryDirectory
        let id = UUID().uuidString
        let stdoutURL = scratch.appendingPathComponent("cnns-test-\(id).out")
        let stderrURL = scratch.appendingPathComponent("cnns-test-\(id).err")

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var inputURL: URL?
        var pipeWriteEnd: Int32 = -1
        var pipeReadEnd: Int32 = -1
        switch stdin {
        case .null:
            posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        case .text(let text):
            let url = scratch.appendingPathComponent("cnns-test-\(id).in")
            try Data(text.utf8).write(to: url)
            posix_spawn_file_actions_addopen(&actions, 0, url.path, O_RDONLY, 0)
            inputURL = url
        case .openPipe:
            var ends: [Int32] = [-1, -1]
            guard pipe(&ends) == 0 else { throw SpawnError(description: "pipe failed") }
            pipeReadEnd = ends[0]
            pipeWriteEnd = ends[1]
            _ = fcntl(pipeReadEnd, F_SETFD, FD_CLOEXEC)  // dup2 onto stdin clears it for the child
            _ = fcntl(pipeWriteEnd, F_SETFD, FD_CLOEXEC)
            posix_spawn_file_actions_adddup2(&actions, pipeReadEnd, 0)
        }
        defer {
            if pipeReadEnd >= 0 { close(pipeReadEnd) }
            if let inputURL { try? FileManager.default.removeItem(at: inputURL) }  // the child holds it open
        }
        posix_spawn_file_actions_addopen(&actions, 1, stdoutURL.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderrURL.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        var error = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        // A script just written by this process can still be open for writing in a child that another
        // test thread forked meanwhile (ETXTBSY): that child closes it on exec, so try again shortly.
        var attempts = 0
        while error == ETXTBSY && attempts < 50 {
            attempts += 1
            usleep(20_000)
            error = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        }
        guard error == 0 else {
            if pipeWriteEnd >= 0 { close(pipeWriteEnd) }
            throw SpawnError(description: "cannot run \(executable): \(String(cString: strerror(error)))")
        }
        return Running(pid: pid, stdoutURL: stdoutURL, stderrURL: stderrURL, inputFD: pipeWriteEnd)
    }
}

/// The lines of an error report: `FILE:LINE:COL: error: …`, the source line, then a caret line.
struct ErrorReport {
    var file: String
    var line: Int
    var column: Int
    var message: String
    var sourceLine: String
    var caretLine: String

    /// Finds the first report in `stderr`.
    init?(_ stderr: String) {
        let lines = stderr.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for (i, text) in lines.enumerated() {
            guard let range = text.range(of: ": error: ") else { continue }
            let place = text[..<range.lowerBound].split(separator: ":", omittingEmptySubsequences: false)
            guard place.count >= 3, let line = Int(place[place.count - 2]), let column = Int(place[place.count - 1]),
                  i + 2 < lines.count else { continue }
            file = place.dropLast(2).joined(separator: ":")
            self.line = line
            self.column = column
            message = String(text[range.upperBound...])
            sourceLine = lines[i + 1]
            caretLine = lines[i + 2]
            return
        }
        return nil
    }

    /// The caret sits under column `column` of the source line.
    var caretPointsAtColumn: Bool {
        caretLine.trimmingCharacters(in: .whitespaces).hasPrefix("^")
            && caretLine.prefix { $0 == " " }.count == column - 1
    }
}
