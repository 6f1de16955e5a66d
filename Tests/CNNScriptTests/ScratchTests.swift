@testable import CNNScript
import Testing

@Suite struct ScratchTests {
    @Test func scratch() throws {
        let src = try String(contentsOfFile: "/tmp/t1.cnns", encoding: .utf8)
        let s = Session(output: { _ in })
        for line in src.split(separator: "\n") {
            let r = run(String(line), session: s)
            print(">>> \(line)\n\(r.output)\(r.error.map { "ERR " + $0.description } ?? "")")
        }
    }
}
