import Foundation
import Testing
import CNNTestSupport

/// The command line itself: flags, usage errors, exit statuses, colour choice and Ctrl-C on piped
/// input. None of these depend on what the language computes.
@Suite("cnns command line")
struct CommandLineTests {
    @Test("--version prints the version and exits 0")
    func version() throws {
        let result = try CNNS.run(["--version"])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.hasPrefix("cnns "), "\(result)")
        #expect(result.stdout.split(separator: " ").last?.first?.isNumber == true, "\(result)")
        #expect(result.stderr.isEmpty)
    }

    @Test("--help lists the modes, the options and the exit statuses", arguments: [["--help"], ["-h"], ["--threads", "2", "--help"]])
    func help(arguments: [String]) throws {
        let result = try CNNS.run(arguments)
        #expect(result.status == 0, "\(result)")
        for word in ["-e <code>", "--threads", "--seed", "--color", "--keep-going", "--version", "130", "NO_COLOR"] {
            #expect(result.stdout.contains(word), "help lacks \(word)")
        }
    }

    @Test("bad usage exits 2 with a message on stderr and nothing on stdout", arguments: [
        ["--no-such-flag"], ["-q"], ["--threads"], ["--threads", "0"], ["--threads", "many"],
        ["--seed", "-1"], ["--color", "sometimes"], ["-e"], ["--keep-going", "--bogus", "x.cnns"], ["-"],
    ])
    func badUsage(arguments: [String]) throws {
        let result = try CNNS.run(arguments)
        #expect(result.status == 2, "\(arguments): \(result)")
        #expect(result.stdout.isEmpty, "\(arguments): \(result)")
        #expect(result.stderr.contains("Error:"), "\(arguments): \(result)")
        #expect(result.stderr.contains("Usage:") || result.stderr.contains("USAGE:"), "\(arguments): \(result)")
    }

    @Test("a script that cannot be read exits 1 and says why")
    func unreadableScript() throws {
        let missing = "/nonexistent-\(UUID().uuidString)/missing.cnns"
        let result = try CNNS.run([missing])
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains(missing) && result.stderr.contains("No such file"), "\(result)")

        let directory = try makeScratchDirectory("cnns-test")
        defer { try? FileManager.default.removeItem(at: directory) }
        let asDirectory = try CNNS.run([directory.path])
        #expect(asDirectory.status == 1, "\(asDirectory)")
        #expect(asDirectory.stderr.contains("Is a directory"), "\(asDirectory)")
    }

    @Test("options after the script's name are the script's, not cnns's")
    func optionsAfterScriptAreNotParsed() throws {
        // A missing script named first: if `--bogus` were parsed as ours this would be usage (2).
        let result = try CNNS.run(["/nonexistent-\(UUID().uuidString).cnns", "--bogus", "--threads", "0"])
        #expect(result.status == 1, "\(result)")
    }

    @Test("Ctrl-C while waiting for piped input exits 130 at once")
    func interruptWhileReadingPipe() throws {
        let running = try CNNS.start([], stdin: .openPipe)
        Thread.sleep(forTimeInterval: 0.5)  // let it install its handler and block in read
        running.interrupt()
        let result = running.wait(timeout: 10)
        #expect(!result.timedOut && result.status == 130, "\(result)")
    }

    @Test("Ctrl-C is left ignored for a script started with SIGINT ignored (a background job)")
    func ignoredInterruptStaysIgnored() throws {
        // `sh -c 'trap "" INT; exec cnns'` makes cnns inherit SIGINT ignored, as `cnns … &` does.
        let running = try CNNS.start(["-c", "trap '' INT; exec \"$0\"", CNNS.binary], stdin: .openPipe,
                                     executable: "/bin/sh")
        Thread.sleep(forTimeInterval: 0.5)
        running.interrupt()
        Thread.sleep(forTimeInterval: 0.5)
        #expect(running.isRunning, "cnns died of an ignored SIGINT")
        running.terminate()
        _ = running.wait(timeout: 10)
    }

    // Any input is an error in both the interface stub and the real language, so these run now.
    @Test("--color always paints error reports; --color never and NO_COLOR do not")
    func errorColour() throws {
        let bad = "undefined_name_for_colour_test + 1"
        let always = try CNNS.run(["--color", "always", "-e", bad])
        #expect(always.status == 1 && always.stderr.contains("\u{1B}["), "\(always)")
        // The user's explicit choice beats NO_COLOR (no-color.org).
        let alwaysDespiteNoColor = try CNNS.run(["--color", "always", "-e", bad], environment: ["NO_COLOR": "1"])
        #expect(alwaysDespiteNoColor.stderr.contains("\u{1B}["), "\(alwaysDespiteNoColor)")

        for (arguments, environment) in [(["--color", "never"], [String: String?]()),
                                         ([], ["NO_COLOR": "1"]),
                                         (["--color", "auto"], ["NO_COLOR": "1"])] {
            let result = try CNNS.run(arguments + ["-e", bad], environment: environment)
            #expect(result.status == 1, "\(arguments) \(environment): \(result)")
            #expect(!result.stderr.contains("\u{1B}") && !result.stdout.contains("\u{1B}"),
                    "\(arguments) \(environment): \(result)")
            let report = try #require(ErrorReport(result.stderr), "\(result)")
            #expect(report.file == "<-e>" && report.line == 1 && report.caretPointsAtColumn, "\(result)")
        }
    }
}
