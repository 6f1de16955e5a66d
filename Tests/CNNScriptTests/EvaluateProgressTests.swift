import CNNScript
import Testing

/// `evaluate` shows a redrawing bar only where a person watches (a live terminal), never in pipes.
@Suite struct EvaluateProgressTests {
    func run(live: Bool) throws -> String {
        var out = ""
        let session = Session(presentation: Presentation(live: live), output: { out += $0 })
        try session.run("e = evaluate(lenet5(), shapes(n:300, seed:1), batch:32)", file: "<test>", echo: .none)
        return out
    }

    @Test func liveTerminalRedrawsThenClears() throws {
        let out = try run(live: true)
        #expect(out.contains("\r\u{1B}[2Kevaluating 1/10"), "\(out)")
        #expect(out.contains("accuracy"), "\(out)")
    }

    @Test func pipesGetTheReportAlone() throws {
        let out = try run(live: false)
        #expect(!out.contains("\r") && !out.contains("evaluating"), "\(out)")
        #expect(out.contains("accuracy"), "\(out)")
    }
}
