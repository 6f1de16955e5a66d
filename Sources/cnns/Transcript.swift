import CNNKit
import CNNScript
import Foundation

/// `cnns --transcript OUT.md FILE.cnns`: runs a script statement by statement, like the cells of a
/// notebook, and writes a Markdown record of it. The layout:
///
///     # FILE.cnns
///
///     Run by cnns 0.1.0 on 2026-11-29 10:12 UTC.
///
///     ```cnns
///     x = randn(2, 3)     ← each statement (with the comments above it), as written
///     ```
///
///     ```
///     …                   ← what it printed and its value, as the shell echoes it: plain text, no
///     ```                    colour; views and tables stay text blocks
///
///     <sub>0.41 ms</sub>  ← its wall time
///
/// An error goes into the statement's output block (the caret layout of stderr, without colour) and
/// is also reported on stderr; the run stops there unless --keep-going. The file is written atomically
/// (a temporary file renamed over OUT.md) once the run ends, including after Ctrl-C (status 130).
struct Transcript {
    let session: Session
    let keepGoing: Bool
    /// The date in the heading (a parameter so tests can fix it).
    var date = Date()

    /// Runs `script` (the text of the file at `path`) and writes the transcript to `outputPath`.
    /// Returns the exit status: 0, 1 after an error (or when the transcript cannot be written), 130
    /// when interrupted.
    func run(script: String, path: String, outputPath: String) -> Int32 {
        var markdown = "# \((path as NSString).lastPathComponent)\n\n"
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm 'UTC'"
        markdown += "Run by cnns \(cnnsVersion) on \(formatter.string(from: date)).\n"

        let entries = session.entries(of: script, file: path)
        let evaluator = Evaluator(session: session, errorColor: false)
        // A syntax error anywhere runs nothing: the transcript shows it alone.
        for entry in entries {
            guard case .failed(let error) = entry.prepared else { continue }
            evaluator.report(error)
            markdown += "\n" + Self.fenced(error.rendered + "\n", info: "") + "\n"
            _ = write(markdown, to: outputPath)
            return 1
        }

        var captured = ""
        let previousOutput = session.output
        session.output = { captured += $0 }
        defer { session.output = previousOutput }
        var total = 0.0
        let run = EntryLoop(keepGoing: keepGoing).run(entries) { entry in
            captured = ""
            var outcome = Evaluator.Outcome.ok
            let seconds = Timing.seconds { outcome = evaluator.evaluate(entry.prepared, echo: .all) }
            total += seconds
            markdown += "\n" + Self.fenced(entry.text + "\n", info: "cnns")
            switch outcome {
            case .failed(let error): captured += error.rendered + "\n"
            case .cancelled: captured += "interrupted\n"
            case .ok, .interrupted: break
            }
            if !captured.isEmpty { markdown += "\n" + Self.fenced(captured, info: "") }
            markdown += "\n<sub>\(Timing.format(seconds))</sub>\n"
            return outcome
        }
        switch run.end {
        case .interrupted: markdown += "\n_Interrupted (Ctrl-C)._\n"
        case .stoppedAtError: markdown += "\n_Stopped at the first error (--keep-going runs the rest)._\n"
        case .finished: break
        }
        let counted = run.ran == entries.count ? "\(run.ran)" : "\(run.ran) of \(entries.count)"
        markdown += "\n---\n\n\(counted) statement\(entries.count == 1 ? "" : "s") ran in "
            + "\(Timing.format(total)).\n"
        guard write(markdown, to: outputPath) else { return 1 }
        return EntryLoop.status(run.end, failed: run.failed)
    }

    /// A fenced code block around `text` (which ends with a newline), with a fence longer than any run
    /// of backticks inside it.
    static func fenced(_ text: String, info: String) -> String {
        var longest = 0, run = 0
        for c in text {
            run = c == "`" ? run + 1 : 0
            longest = max(longest, run)
        }
        let fence = String(repeating: "`", count: max(3, longest + 1))
        return fence + info + "\n" + text + fence + "\n"
    }

    private func write(_ markdown: String, to path: String) -> Bool {
        do {
            try Data(markdown.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
            return true
        } catch {
            FileDescriptorWriter.standardError.write("cnns: cannot write the transcript \(path): \(error.localizedDescription)\n")
            return false
        }
    }
}
