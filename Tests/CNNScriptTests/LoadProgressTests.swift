@testable import CNNScript
import CNNKit
import Foundation
import Testing
import CNNTestSupport

/// Loading a large file shows one redrawn line on a live terminal, cleared when the load ends
/// (loaded, failed or interrupted), and nothing in pipes. The threshold is lowered so that files of
/// a few hundred KB at most count as large.
@Suite("Language: progress while loading files")
struct LoadProgressTests {
    static let clear = "\r\u{1B}[2K"

    /// A session recording its output, with a low threshold and small chunks.
    final class Recording {
        var text = ""
        let session: Session

        init(live: Bool, threshold: Int = 1000, step: Int = 4096, width: Int = 100) {
            session = Session(presentation: Presentation(unicode: true, width: width, live: live), output: { _ in })
            session.output = { [unowned self] in self.text += $0 }
            session.loadProgress.threshold = threshold
            session.loadProgress.step = step
            session.loadProgress.interval = 0
        }

        /// Runs `source`; the error (a `ScriptError` or `CancelledError`) if any.
        func run(_ source: String) -> Error? {
            do {
                try session.run(source, file: "test.cnns", echo: .none)
                return nil
            } catch {
                return error
            }
        }

        /// The redrawn lines: the text between clear-line codes.
        var redraws: [String] { text.components(separatedBy: LoadProgressTests.clear).filter { !$0.isEmpty } }
    }

    /// `a/b kB` as the line shows it, formatted here independently.
    static func kB(_ done: Int, _ total: Int) -> String {
        String(format: "%.1f/%.1f kB", Double(done) / 1000, Double(total) / 1000)
    }

    @Test("a live terminal: one line per chunk, its counts rising to the size, then cleared; the value loads intact")
    func liveLoadRedrawsThenClears() throws {
        let dir = try makeScratchDirectory("cnns-loadprog").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let expected = try Tensor(shape: [100, 120], scalars: (0..<12_000).map { Float($0 % 97) * 0.25 - 3 })
        let path = dir + "/w.npy"
        try Data(NPY.encode(expected)).write(to: URL(fileURLWithPath: path))
        let size = try #require(FileReader.size(path))

        let r = Recording(live: true)
        #expect(r.run("x = load(\"\(path)\")") == nil)
        guard let x = r.session.globals.lookup("x")?.tensorValue else { Issue.record("x is not a tensor"); return }
        #expect(x == expected)
        // A plain loop: 0, 4096, 8192, …, then the size; one redraw each.
        var dones = [0]
        while dones[dones.count - 1] < size { dones.append(min(size, dones[dones.count - 1] + 4096)) }
        #expect(r.redraws.map { $0.components(separatedBy: " ").prefix(3).joined(separator: " ") }
                == dones.map { "loading w.npy " + Self.kB($0, size).components(separatedBy: " ")[0] })
        #expect(r.redraws.first == "loading w.npy \(Self.kB(0, size)) " + String(repeating: "─", count: 20))
        #expect(r.redraws.last == "loading w.npy \(Self.kB(size, size)) " + String(repeating: "━", count: 20))
        #expect(r.text.hasPrefix(Self.clear) && r.text.hasSuffix(Self.clear), "\(r.text.debugDescription)")
        #expect(r.text.components(separatedBy: Self.clear).count == dones.count + 2)  // each redraw, then the clear
        #expect(!r.text.contains("\n"))
    }

    @Test("pipes and files: nothing extra, however large the file; a small file on a terminal: nothing either")
    func quietUnlessLiveAndLarge() throws {
        let dir = try makeScratchDirectory("cnns-loadprog").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let pipe = Recording(live: false)
        #expect(pipe.run("save(rand(50, 50, seed:1), \"\(dir)/a.npy\"); x = load(\"\(dir)/a.npy\")\nprint(shape(x))") == nil)
        #expect(pipe.text == "[50, 50]\n")
        let below = Recording(live: true, threshold: LoadProgressLine.Settings.defaultThreshold)
        #expect(below.run("x = load(\"\(dir)/a.npy\")\nprint(shape(x))") == nil)
        #expect(below.text == "[50, 50]\n")
        #expect(LoadProgressLine.Settings().threshold == 16 << 20)
        #expect(Session(output: { _ in }).loadProgress.threshold == 16 << 20)
    }

    @Test("every loading builtin shows the line and clears it: safetensors, onnx, images, load_weights, mnist")
    func everyLoaderShowsIt() throws {
        let dir = try makeScratchDirectory("cnns-loadprog").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let setup = Recording(live: false)
        #expect(setup.run("""
            m = lenet5()
            save(m, "\(dir)/m.safetensors"); export(m, "\(dir)/m.onnx", input:[1, 1, 28, 28])
            save_image(rand(1, 3, 40, 40, seed:2), "\(dir)/p.png")
            """) == nil)
        let cases: [(code: String, file: String, after: String)] = [
            ("m = load(\"\(dir)/m.safetensors\")\nprint(m.params)", "m.safetensors", "61706\n"),
            ("g = load(\"\(dir)/m.onnx\")\nprint(g.params)", "m.onnx", "61706\n"),
            ("p = load(\"\(dir)/p.png\")\nprint(shape(p))", "p.png", "[1, 3, 40, 40]\n"),
            ("p = load_image(\"\(dir)/p.png\", gray:true)\nprint(shape(p))", "p.png", "[1, 1, 40, 40]\n"),
            ("load_weights(lenet5(), \"\(dir)/m.safetensors\")", "m.safetensors", "load_weights: "),
        ]
        for c in cases {
            let size = try #require(FileReader.size(dir + "/" + c.file))
            let r = Recording(live: true, threshold: min(size, 1000), step: max(1, size / 3))
            #expect(r.run(c.code) == nil, "\(c.code)")
            #expect(r.text.hasPrefix(Self.clear + "loading \(c.file) 0.0/"), "\(c.code): \(r.text.debugDescription)")
            // The line is cleared before what the statement prints.
            let cleared = r.text.components(separatedBy: Self.clear).last ?? ""
            #expect(cleared.hasPrefix(c.after), "\(c.code): \(r.text.debugDescription)")
            #expect(r.redraws.dropLast().allSatisfy { $0.hasPrefix("loading \(c.file) ") })
            #expect(r.redraws.count >= 4, "\(c.code): \(r.redraws)")
        }
    }

    @Test("mnist(dir): the four files as one line, their sizes summed")
    func dataSetLine() throws {
        let dir = try makeScratchDirectory("cnns-loadprog").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func idx(_ shape: [Int], _ payload: [UInt8]) -> [UInt8] {
            var bytes: [UInt8] = [0, 0, 0x08, UInt8(shape.count)]
            for d in shape { bytes += [0, 0, UInt8(d >> 8), UInt8(d & 0xFF)] }
            return bytes + payload
        }
        let files: [(String, [UInt8])] = [
            ("train-images-idx3-ubyte", idx([30, 28, 28], (0..<30 * 784).map { UInt8($0 % 251) })),
            ("train-labels-idx1-ubyte", idx([30], (0..<30).map { UInt8($0 % 10) })),
            ("t10k-images-idx3-ubyte", idx([10, 28, 28], (0..<10 * 784).map { UInt8($0 % 13) })),
            ("t10k-labels-idx1-ubyte", idx([10], (0..<10).map { UInt8(9 - $0) })),
        ]
        for (name, bytes) in files { try Data(bytes).write(to: URL(fileURLWithPath: dir + "/" + name)) }
        let total = files.reduce(0) { $0 + $1.1.count }

        let r = Recording(live: true, step: 2048)
        #expect(r.run("train, test = mnist(\"\(dir)\")\nprint(len(train), len(test), number(test.y[0]))") == nil)
        #expect(r.text.hasSuffix(Self.clear + "30 10 9\n"), "\(r.text.debugDescription)")
        let lines = r.redraws.dropLast()
        #expect(lines.first == "loading mnist \(Self.kB(0, total)) " + String(repeating: "─", count: 20))
        #expect(lines.last == "loading mnist \(Self.kB(total, total)) " + String(repeating: "━", count: 20))
        let dones = lines.compactMap { Double($0.components(separatedBy: " ")[2].components(separatedBy: "/")[0]) }
        #expect(dones.count == lines.count && zip(dones, dones.dropFirst()).allSatisfy { $0 <= $1 }, "\(dones)")

        let pipe = Recording(live: false)
        #expect(pipe.run("train, test = mnist(\"\(dir)\")\nprint(len(train))") == nil)
        #expect(pipe.text == "30\n")
    }

    @Test("a file that fails to parse clears the line and gives the usual error")
    func parseFailureClears() throws {
        let dir = try makeScratchDirectory("cnns-loadprog").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data((0..<20_000).map { UInt8($0 % 256) }).write(to: URL(fileURLWithPath: dir + "/bad.npy"))
        let source = "x = load(\"\(dir)/bad.npy\")"
        let live = Recording(live: true)
        let pipe = Recording(live: false)
        let liveError = try #require(live.run(source) as? ScriptError)
        let pipeError = try #require(pipe.run(source) as? ScriptError)
        #expect(liveError.message == pipeError.message)
        #expect(liveError.message.hasPrefix("load: \"\(dir)/bad.npy\": "), "\(liveError.message)")
        #expect(live.text.hasSuffix(Self.clear) && live.redraws.count == 6, "\(live.text.debugDescription)")
        #expect(pipe.text.isEmpty)
        // Unreadable files fail before any line is drawn, with the usual message.
        let missing = Recording(live: true)
        let e = try #require(missing.run("load(\"\(dir)/none.npy\")") as? ScriptError)
        #expect(e.message == "load: cannot read \"\(dir)/none.npy\": No such file or directory")
        #expect(missing.text.isEmpty)
        let directory = Recording(live: true)
        #expect((directory.run("load_weights(lenet5(), \"\(dir)\")") as? ScriptError)?.message
                == "load_weights: \"\(dir)\" is not a regular file")
    }

    @Test("Ctrl-C during a load stops it with the usual cancellation, clears the line and assigns nothing")
    func cancelMidLoad() throws {
        let dir = try makeScratchDirectory("cnns-loadprog").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let setup = Recording(live: false)
        #expect(setup.run("save(rand(100, 100, seed:3), \"\(dir)/a.npy\")") == nil)
        let source = "x = load(\"\(dir)/a.npy\")"
        // How many checks a whole load makes: the interpreter's around the statement, one per report.
        let whole = Recording(live: false)
        var all = 0
        whole.session.checkCancel = { all += 1 }
        #expect(whole.run(source) == nil)
        #expect(all >= 11)  // 40 kB in 4096-byte chunks: 11 reports
        for live in [true, false] {
            let r = Recording(live: live)
            var checks = 0
            r.session.checkCancel = {
                checks += 1
                if checks > all - 4 { throw CancelledError() }  // some reports before the last
            }
            #expect(r.run(source) is CancelledError)
            #expect(r.session.globals.lookup("x") == nil)
            if live {
                #expect((2...10).contains(r.redraws.count) && r.text.hasSuffix(Self.clear), "\(r.text.debugDescription)")
                #expect(r.redraws.allSatisfy { $0.hasPrefix("loading a.npy ") })
            } else {
                #expect(r.text.isEmpty)
            }
        }
    }

    @Test(":load of a session file shows the same line, cleared before its report; in a pipe only the report")
    func sessionLoadShowsProgress() throws {
        let dir = try makeScratchDirectory("cnns-loadprog").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/s.cnnsession"
        let saver = Recording(live: false)
        #expect(saver.run("big = rand(100, 120)") == nil)
        _ = try saver.session.runMeta(":save \(path)")

        let live = Recording(live: true)
        _ = try live.session.runMeta(":load \(path)")
        #expect(live.redraws.first?.hasPrefix("loading s.cnnsession 0.0/") == true, "\(live.text.debugDescription)")
        #expect(live.text.contains(Self.clear + "loaded 1 variable: big from \(path)\n"), "\(live.text.debugDescription)")
        #expect(live.session.globals.lookup("big") != nil)

        let pipe = Recording(live: false)
        _ = try pipe.session.runMeta(":load \(path)")
        #expect(pipe.text == "loaded 1 variable: big from \(path)\n")
    }

    @Test("sizes in decimal units chosen by the total; a long name shortened from the left to fit the width")
    func lineText() {
        #expect(LoadProgressLine.sizes(45_300_000, 46_800_000) == "45.3/46.8 MB")
        #expect(LoadProgressLine.sizes(0, 2_500_000_000) == "0.00/2.50 GB")
        #expect(LoadProgressLine.sizes(4096, 40_128) == "4.1/40.1 kB")
        let s = Session(presentation: Presentation(unicode: false, width: 40, live: true), output: { _ in })
        let line = LoadProgressLine("loading a-rather-long-file-name-for-a-narrow-terminal.safetensors", session: s)
        let text = line.text(23_400_000, 46_800_000)
        #expect(text == "…rs 23.4/46.8 MB [" + String(repeating: "=", count: 10) + ">" + String(repeating: " ", count: 9) + "]")
        #expect(text.count == 39)
        let wide = Session(presentation: Presentation(unicode: false, width: 80, live: true), output: { _ in })
        #expect(LoadProgressLine("loading m.onnx", session: wide).text(0, 2_000_000)
                == "loading m.onnx 0.0/2.0 MB [>" + String(repeating: " ", count: 19) + "]")
    }
}
