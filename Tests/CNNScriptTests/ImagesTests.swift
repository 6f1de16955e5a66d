@testable import CNNScript
import CNNKit
import Foundation
import Testing
import CNNTestSupport

/// `load_image`, `save_image` and `script_dir` from the language: round trips through real files, the
/// grid written for 4-D tensors, and errors that name the function, the file and what was wrong.
@Suite("Language: images")
struct ImagesTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/images/good").path

    @Test("save_image then load_image returns the picture for .png, .ppm and .pgm")
    func roundTrip() throws {
        let dir = try makeScratchDirectory("cnns-images").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = run("""
            x = floor(rand(1, 3, 5, 7, seed: 3) * 255) / 255
            save_image(x, "\(dir)/a.png"); save_image(x, "\(dir)/a.ppm")
            print(max(abs(load_image("\(dir)/a.png") - x)) < 1e-6, shape(load_image("\(dir)/a.ppm")))
            g = floor(rand(4, 6, seed: 4) * 255) / 255
            save_image(g, "\(dir)/g.pgm")
            print(max(abs(load_image("\(dir)/g.pgm")[0, 0] - g)) < 1e-6)
            print(shape(load_image("\(dir)/a.png", gray: true)), shape(load_image("\(dir)/a.pgm_missing.png", gray: true)))
            """)
        // The last line fails on purpose: the missing file's error names it.
        #expect(r.lines.prefix(2) == ["1 [1, 3, 5, 7]", "1"], "\(r.output)")
        #expect(r.error?.message.contains("load_image: cannot read") == true)
        #expect(r.error?.message.contains("a.pgm_missing.png") == true)
    }

    @Test("a 4-D tensor is written as a labelled grid of the documented size")
    func grid() throws {
        let dir = try makeScratchDirectory("cnns-images").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = run("""
            save_image(randn(2, 3, 5, 5, seed: 1), "\(dir)/maps.png", rgb: false)
            save_image(randn(2, 3, 5, 5, seed: 1), "\(dir)/colour.png", scale: "shared")
            print(shape(load_image("\(dir)/maps.png")), shape(load_image("\(dir)/colour.png")))
            """)
        #expect(r.error == nil, "\(r.error?.rendered ?? "")")
        // 2 rows of 3 grey tiles, 5×5 enlarged 6× to 30, labels 5 high + 2 gap, 4-pixel padding:
        // width 4 + 3·(30 + 4) = 106, height 4 + 2·(5 + 2 + 30 + 4) = 86; colour: 2 tiles side by side, 4 + 37 + 4 = 45 high.
        #expect(r.lines == ["[1, 1, 86, 106] [1, 3, 45, 72]"], "\(r.output)")
    }

    @Test("load_image reads every fixture format from the language")
    func fixtures() {
        let r = run("""
            for f in ["rgb8.png", "gray16.png", "palette8.png", "rgb_q90.jpg", "gray_p2.pgm", "rgb_p6.ppm"] {
              print(f, shape(load_image("\(Self.fixtures)/" + f)))
            }
            """)
        #expect(r.error == nil, "\(r.error?.rendered ?? "")")
        #expect(r.lines == ["rgb8.png [1, 3, 32, 32]", "gray16.png [1, 1, 32, 32]", "palette8.png [1, 3, 32, 32]",
                            "rgb_q90.jpg [1, 3, 32, 32]", "gray_p2.pgm [1, 1, 32, 32]", "rgb_p6.ppm [1, 3, 32, 32]"], "\(r.output)")
    }

    @Test("errors name the function, the file or argument, and what was wrong")
    func errors() throws {
        let dir = try makeScratchDirectory("cnns-images").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let notImage = "\(dir)/notes.png"
        try "hello".write(toFile: notImage, atomically: true, encoding: .utf8)
        expectError("load_image(\"\(notImage)\")", 1, 1, "load_image: \"\(notImage)\": not a PNG, JPEG, PGM or PPM file")
        /// The 1-based column where `needle` starts in `source`.
        func column(_ source: String, _ needle: String) -> Int {
            source.range(of: needle).map { source.distance(from: source.startIndex, to: $0.lowerBound) + 1 } ?? 0
        }
        let jpg = "save_image(ones(2, 2), \"\(dir)/x.jpg\")"
        expectError(jpg, 1, column(jpg, "\"\(dir)"), "save_image: cannot write \".jpg\" files (supported: .png, .pgm, .ppm)")
        let log = "save_image(ones(2, 2), \"\(dir)/x.png\", scale: \"log\")"
        expectError(log, 1, column(log, "scale:"), "save_image: scale: expected one of \"auto\", \"tile\", \"shared\", \"none\"")
        expectError("save_image(ones(5), \"\(dir)/x.png\")", 1, 1, "expected an H×W, C×H×W or N×C×H×W tensor, got shape 5")
        expectError("save_image(ones(2, 2), \"\(dir)/missing/x.png\")", 1, 1, "save_image: cannot write")
        expectError("load_image(\"\(dir)\")", 1, 1, "is not a regular file")
        let gray = "load_image(\"\(Self.fixtures)/rgb8.png\", gray: 1)"
        expectError(gray, 1, column(gray, "gray:"), "load_image: gray: expected true or false")
        // A failed save leaves no file behind.
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/x.png"))
    }

    @Test("script_dir is the running file's directory, \".\" for typed input")
    func scriptDir() {
        #expect(run("print(script_dir())", file: "/some/where/run.cnns").lines == ["/some/where"])
        #expect(run("print(script_dir())", file: "run.cnns").lines == ["."])
        #expect(run("print(script_dir())", file: "<input>").lines == ["."])
        #expect(run("print(script_dir())", file: "<-e>").lines == ["."])
    }

    @Test("help describes the scaling rule and the gray conversion")
    func help() throws {
        let save = try #require(Builtins.byName["save_image"])
        #expect(Builtins.help(save).contains("\"auto\" writes values already within 0…1 as they are"))
        let load = try #require(Builtins.byName["load_image"])
        #expect(Builtins.help(load).contains("0.299 R + 0.587 G + 0.114 B"))
    }

    @Test("the load/save table entries for pictures (wired into FileFormats.all by its owner) read and write")
    func fileFormats() throws {
        let session = Session(output: { _ in })
        let load = try #require(FileFormats.imageFormats.first { $0.extensions.contains(".jpg") }?.load)
        guard case .tensor(let t) = try load(try FileFormats.read("\(Self.fixtures)/rgb_q90.jpg", op: "load"), session.interpreter) else {
            Issue.record("load gave no tensor")
            return
        }
        #expect(t.shape == [1, 3, 32, 32])
        for ext in [".png", ".pgm", ".ppm"] {
            let save = try #require(FileFormats.imageFormats.first { $0.extensions == [ext] }?.save)
            let bytes = try save(.tensor(t), session.interpreter)
            let back = try ImageFile.decode([UInt8](bytes))
            #expect(back.shape == [1, ext == ".pgm" ? 1 : 3, 32, 32], "\(ext)")
        }
        #expect(throws: RuntimeError.self) { try FileFormats.imageFormats[1].save?(.string("x"), session.interpreter) }
    }
}
