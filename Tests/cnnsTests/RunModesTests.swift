import Foundation
import Testing
import CNNTestSupport

/// `-e`, script files and piped input, end to end, against SPEC §1's behaviour.
@Suite("cnns run modes")
struct RunModesTests {
    /// Writes `text` to a fresh script file; returns its path and the directory to remove.
    private func script(_ text: String, name: String = "test.cnns", executable: Bool = false) throws -> (String, URL) {
        let directory = try makeScratchDirectory("cnns-test")
        let url = directory.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        if executable { try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path) }
        return (url.path, directory)
    }

    @Test("-e prints the value of its last expression only")
    func evaluate() throws {
        let sum = try CNNS.run(["-e", "1 + 2"])
        #expect(sum.status == 0 && sum.stdout == "3\n" && sum.stderr.isEmpty, "\(sum)")

        let last = try CNNS.run(["-e", "2 * 3\nx = 2\nx * 5"])
        #expect(last.status == 0 && last.stdout == "10\n", "\(last)")

        let printed = try CNNS.run(["-e", "print(\"hi\")"])
        #expect(printed.status == 0 && printed.stdout.hasPrefix("hi\n"), "\(printed)")

        let silenced = try CNNS.run(["-e", "1 + 2;"])
        #expect(silenced.status == 0 && silenced.stdout.isEmpty, "\(silenced)")
    }

    @Test("-e passes the words after the code as args")
    func evaluateWithArguments() throws {
        let result = try CNNS.run(["-e", "print(args[1])", "first", "--second"])
        #expect(result.status == 0 && result.stdout == "--second\n", "\(result)")
    }

    @Test("a script sees its arguments in args and prints only what it prints")
    func scriptWithArguments() throws {
        let (path, directory) = try script("""
            x = 1 + 2
            x
            print(args[0])
            print(args[1])
            """)
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try CNNS.run([path, "alpha", "--beta"])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout == "alpha\n--beta\n", "\(result)")
        #expect(result.stderr.isEmpty, "\(result)")
    }

    @Test("a script with a #! line runs as a program")
    func shebang() throws {
        let (path, directory) = try script("#!/usr/bin/env cnns\nprint(\"from shebang\")\n", executable: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let binDirectory = URL(fileURLWithPath: CNNS.binary).deletingLastPathComponent().path
        let searchPath = binDirectory + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let result = try CNNS.run([], environment: ["PATH": searchPath], executable: path)
        #expect(result.status == 0 && result.stdout == "from shebang\n", "\(result)")
    }

    @Test("piped statements run one by one, printing values; open brackets continue on the next line")
    func pipedInput() throws {
        let input = """
            x = 4
            (x +
               2)

            for i in range(2) {
              print(i)
            }
            print(
              "done"
            )
            x * 2;
            """
        let result = try CNNS.run([], stdin: input)
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout == "6\n0\n1\ndone\n", "\(result)")
        #expect(result.stderr.isEmpty, "\(result)")
    }

    @Test("an error in -e exits 1, reports FILE:LINE:COL with a caret, after the output before it")
    func errorInEvaluate() throws {
        let result = try CNNS.run(["-e", "print(\"before\")\nundefined_name + 1\nprint(\"after\")"])
        #expect(result.status == 1, "\(result)")
        #expect(result.stdout == "before\n", "\(result)")
        let report = try #require(ErrorReport(result.stderr), "\(result)")
        #expect(report.file == "<-e>" && report.line == 2, "\(result)")
        #expect(report.sourceLine.contains("undefined_name") && report.caretPointsAtColumn, "\(result)")
    }

    @Test("an error in a script exits 1 and points into the file")
    func errorInScript() throws {
        let (path, directory) = try script("print(\"before\")\n\nx = 1 + undefined_name\nprint(\"after\")\n")
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try CNNS.run([path])
        #expect(result.status == 1, "\(result)")
        #expect(result.stdout == "before\n", "\(result)")
        let report = try #require(ErrorReport(result.stderr), "\(result)")
        #expect(report.file == path && report.line == 3, "\(result)")
        #expect(report.sourceLine == "x = 1 + undefined_name" && report.column == 9 && report.caretPointsAtColumn,
                "\(result)")
    }

    @Test("an error in piped input exits 1 at once, with the piped line's number")
    func errorInPipe() throws {
        let result = try CNNS.run([], stdin: "print(\"before\")\n\ny = [1,\n  undefined_name]\nprint(\"after\")\n")
        #expect(result.status == 1, "\(result)")
        #expect(result.stdout == "before\n", "\(result)")
        let report = try #require(ErrorReport(result.stderr), "\(result)")
        #expect(report.file == "<stdin>" && report.line == 4, "\(result)")
        #expect(report.sourceLine.contains("undefined_name") && report.caretPointsAtColumn, "\(result)")
    }

    @Test("--keep-going runs past errors in pipes and scripts, then exits 1")
    func keepGoing() throws {
        let program = "print(\"one\")\nundefined_a\nprint(\"two\")\nundefined_b\nprint(\"three\")\n"
        let piped = try CNNS.run(["--keep-going"], stdin: program)
        #expect(piped.status == 1 && piped.stdout == "one\ntwo\nthree\n", "\(piped)")
        #expect(piped.stderr.components(separatedBy: ": error: ").count == 3, "two reports: \(piped)")

        let (path, directory) = try script(program + "if 1 > 2 {\n  print(\"no\")\n}\nelse {\n  print(\"four\")\n}\n")
        defer { try? FileManager.default.removeItem(at: directory) }
        let scripted = try CNNS.run(["--keep-going", path])
        #expect(scripted.status == 1 && scripted.stdout == "one\ntwo\nthree\nfour\n", "\(scripted)")
        #expect(ErrorReport(scripted.stderr)?.line == 2, "\(scripted)")

        let clean = try CNNS.run(["--keep-going"], stdin: "print(\"fine\")\n")
        #expect(clean.status == 0 && clean.stdout == "fine\n", "\(clean)")
    }

    @Test("NO_COLOR and --color never keep escape codes out of every output")
    func noColour() throws {
        let program = "x = rand(8, 8)\nshow(x)\nx\nprint(\"end\")\nundefined_name"
        for (arguments, environment) in [(["--color", "never"], [String: String?]()), ([], ["NO_COLOR": "1"])] {
            let result = try CNNS.run(arguments + ["-e", program], environment: environment)
            #expect(result.status == 1 && result.stdout.contains("end"), "\(result)")
            #expect(!result.stdout.contains("\u{1B}") && !result.stderr.contains("\u{1B}"), "\(result)")
        }
    }

    @Test("Ctrl-C stops a running script with status 130, keeping the output so far")
    func interruptScript() throws {
        let (path, directory) = try script("""
            print("started")
            total = 0
            for i in range(100000) { for j in range(100000) { total = total + 1 } }
            print("finished")
            """)
        defer { try? FileManager.default.removeItem(at: directory) }
        let running = try CNNS.start([path])
        #expect(running.waitForOutput("started\n"))
        Thread.sleep(forTimeInterval: 0.3)
        running.interrupt()
        let result = running.wait(timeout: 15)
        #expect(!result.timedOut && result.status == 130, "\(result)")
        #expect(result.stdout == "started\n", "\(result)")
    }

    @Test("--seed makes random draws repeatable; --threads is accepted")
    func seedAndThreads() throws {
        let first = try CNNS.run(["--seed", "7", "-e", "rand(4)"])
        let again = try CNNS.run(["--seed", "7", "--threads", "1", "-e", "rand(4)"])
        let other = try CNNS.run(["--seed", "8", "--threads", "2", "-e", "rand(4)"])
        #expect(first.status == 0 && again.status == 0 && other.status == 0, "\(first)\n\(again)\n\(other)")
        #expect(!first.stdout.isEmpty && first.stdout == again.stdout, "\(first)\n\(again)")
        #expect(first.stdout != other.stdout, "\(first)\n\(other)")
    }

    @Test("-i runs the script, then reads more statements with its state")
    func scriptThenLoop() throws {
        let (path, directory) = try script("x = 20\n")
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try CNNS.run(["-i", path], stdin: "x + 1\n")
        #expect(result.status == 0 && result.stdout == "21\n", "\(result)")
    }
}
