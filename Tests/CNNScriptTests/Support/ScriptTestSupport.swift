@testable import CNNScript
import CNNKit
import Foundation
import Testing
import CNNTestSupport

/// The result of running source through a fresh session: everything printed, and the error if any.
struct RunResult {
    var output: String
    var error: ScriptError?
    /// Output lines without the final empty one.
    var lines: [String] {
        var l = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if l.last == "" { l.removeLast() }
        return l
    }
}

func run(_ source: String, echo: EchoMode = .all, file: String = "test.cnns", args: [String] = [],
         session: Session? = nil) -> RunResult {
    var out = ""
    let s = session ?? Session(output: { _ in })
    s.output = { out += $0 }
    s.args = args
    do {
        try s.run(source, file: file, echo: echo)
        return RunResult(output: out, error: nil)
    } catch let e as ScriptError {
        return RunResult(output: out, error: e)
    } catch {
        Issue.record("unexpected error type: \(error)")
        return RunResult(output: out, error: nil)
    }
}

/// Expects `source` to fail at `line:column` with a message containing `message`.
func expectError(_ source: String, _ line: Int, _ column: Int, _ message: String,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    let r = run(source)
    guard let e = r.error else {
        Issue.record("expected an error containing \"\(message)\", got output \(r.output.debugDescription)", sourceLocation: sourceLocation)
        return
    }
    #expect(e.line == line && e.column == column, "position of \(e.description)", sourceLocation: sourceLocation)
    #expect(e.message.contains(message), "message: \(e.message)", sourceLocation: sourceLocation)
}

/// The value of the last expression of `source`, echoed.
func echo(_ source: String, sourceLocation: SourceLocation = #_sourceLocation) -> String {
    let r = run(source, echo: .last)
    if let e = r.error { Issue.record("unexpected error: \(e.rendered)", sourceLocation: sourceLocation) }
    return r.lines.joined(separator: "\n")
}

/// `:load` of a session file holding `bytes` fails with a `:load: …` message containing `reason`, and
/// defines nothing.
func expectSessionFileRefused(_ bytes: [UInt8], _ reason: String, _ label: String,
                              sourceLocation: SourceLocation = #_sourceLocation) throws {
    let dir = try makeScratchDirectory("cnns-refused")
    defer { try? FileManager.default.removeItem(at: dir) }
    let path = dir.appendingPathComponent("bad.cnnsession")
    try Data(bytes).write(to: path)
    let s = Session(output: { _ in })
    do {
        _ = try s.runMeta(":load \(path.path)")
        Issue.record("\(label): loaded a malformed file", sourceLocation: sourceLocation)
    } catch let e as ScriptError {
        #expect(e.message.hasPrefix(":load: ") && e.message.contains(reason), "\(label): \(e.message)",
                sourceLocation: sourceLocation)
    }
    #expect(s.globals.allNames.isEmpty, "\(label): nothing may be defined", sourceLocation: sourceLocation)
}

/// True when the shell would ask for another line after `source` (`Session.prepare` says incomplete).
func isIncomplete(_ source: String) -> Bool {
    if case .incomplete = Session(output: { _ in }).prepare(source, file: "<stdin>") { return true }
    return false
}
