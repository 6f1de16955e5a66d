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

        var status: Int32 = 0
        let statements: [SourceStatement]
        do {
            statements = try Session.splitStatements(script, file: path)
        } catch let error as ScriptError {
            FileDescriptorWriter.standardError.write(renderError(error, color: false))
            markdown += "\n" + Self.fenced(error.rendered + "\n", info: "") + "\n"
            _ = write(markdown, to: outputPath)
            return 1
        } catch {
            return 1
        }

        var captured = ""
        let previousOutput = session.output
        session.output = { captured += $0 }
        defer { session.output = previousOutput }
        var total = 0.0
        var ran = 0
        for statement in statements {
            ran += 1
            captured = ""
            var failure: Error?
            let start = DispatchTime.now().uptimeNanoseconds
            let interrupted = Interrupts.guarding {
                do {
                    try session.run(statement.text, file: path, firstLine: statement.line, echo: .all)
                } catch {
                    failure = error
                }
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            total += seconds
            markdown += "\n" + Self.fenced(statement.text + "\n", info: "cnns")
            switch failure {
            case let error as ScriptError:
                FileDescriptorWriter.standardError.write(renderError(error, color: false))
                captured += error.rendered + "\n"
            case is CancelledError:
                captured += "interrupted\n"
            case let error?:
                captured += "\(path):\(statement.line): error: \(error)\n"
                FileDescriptorWriter.standardError.write("\(path):\(statement.line): error: \(error)\n")
            case nil:
                break
            }
            if !captured.isEmpty { markdown += "\n" + Self.fenced(captured, info: "") }
            markdown += "\n<sub>\(Session.formatDuration(seconds))</sub>\n"
            if failure is CancelledError || interrupted {
                markdown += "\n_Interrupted (Ctrl-C)._\n"
                status = 130
                break
            }
            if failure != nil {
                status = 1
                if !keepGoing {
                    markdown += "\n_Stopped at the first error (--keep-going runs the rest)._\n"
                    break
                }
            }
        }
        let counted = ran == statements.count ? "\(ran)" : "\(ran) of \(statements.count)"
        markdown += "\n---\n\n\(counted) statement\(statements.count == 1 ? "" : "s") ran in "
            + "\(Session.formatDuration(total)).\n"
        guard write(markdown, to: outputPath) else { return 1 }
        return status
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
