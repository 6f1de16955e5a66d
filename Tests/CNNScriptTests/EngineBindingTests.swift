@testable import CNNScript
import CNNKit
import Foundation
import Testing

/// The language's plumbing: each script is compared with the same engine call made directly, so these
/// check argument binding and conversion (not the engine's arithmetic, which CNNKit's tests check).
@Suite struct EngineBindingTests {
    private func tensor(_ s: Session, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) -> Tensor? {
        guard let t = s.globals.lookup(name)?.tensorValue else {
            Issue.record("\(name) is not a tensor", sourceLocation: sourceLocation)
            return nil
        }
        return t
    }

    private func session(_ source: String, sourceLocation: SourceLocation = #_sourceLocation) -> Session {
        let s = Session(output: { _ in })
        let r = run(source, session: s)
        if let e = r.error { Issue.record("\(e.rendered)", sourceLocation: sourceLocation) }
        return s
    }

    @Test func convArguments() throws {
        let s = session("x = randn(1, 2, 7, 7, seed:1)\nw = randn(4, 2, 3, 3, seed:2)\nb = [1, 2, 3, 4]\ny = conv(x, w, b, stride:2, pad:[1, 0], dilation:[1, 2])\nz = conv(x, w, pad:\"same\", stride:[2, 1])")
        var r1 = RandomSource(seed: 1), r2 = RandomSource(seed: 2)
        let x = try Tensor.randn([1, 2, 7, 7], using: &r1), w = try Tensor.randn([4, 2, 3, 3], using: &r2)
        let y = try Tensor.conv(x, w, bias: Tensor([1, 2, 3, 4]), stride: Size2(2), padding: .explicit(Padding2D(h: 1, w: 0)), dilation: Size2(1, 2))
        #expect(tensor(s, "y") == y)
        #expect(tensor(s, "z") == (try Tensor.conv(x, w, stride: Size2(2, 1), padding: .same)))
    }

    @Test func pipesAndPools() throws {
        let s = session("x = reshape(arange(32), [1, 2, 4, 4])\ny = x |> relu |> maxpool(2) |> flatten\nz = avgpool(x, 3, stride:1, pad:1, count_pad:false)")
        let x = try Tensor.arange(0, 32).reshape([1, 2, 4, 4])
        #expect(tensor(s, "y") == (try Tensor.maxPool(x.relu(), kernel: Size2(2)).flatten(axis: 1)))
        #expect(tensor(s, "z") == (try Tensor.avgPool(x, kernel: Size2(3), stride: Size2(1), padding: .explicit(Padding2D(1)), countPad: false)))
    }

    @Test func operatorsBroadcastThroughTheEngine() throws {
        let s = session("t = [[1, 2], [3, 4]]\nu = t @ t + 1\nv = 2 ** t - t / 2\nc = t > 2")
        let t = try Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])
        let u = try Tensor.binary(.add, try Tensor.matmul(t, t), Tensor(1))
        #expect(tensor(s, "u") == u)
        let v = try Tensor.binary(.sub, try Tensor.binary(.pow, Tensor(2), t), try Tensor.binary(.div, t, Tensor(2)))
        #expect(tensor(s, "v") == v)
        #expect(tensor(s, "c")?.scalars == [0, 0, 1, 1])
    }

    @Test func indexingAndReductions() throws {
        let s = session("x = reshape(arange(24), [2, 3, 4])\na = x[0, :, 1:3]\nb = x[-1, ::-1, -1]\nm = mean(x, axis:[1, 2], keepdims:true)")
        let x = try Tensor.arange(0, 24).reshape([2, 3, 4])
        #expect(tensor(s, "a") == (try x.index([.index(0), .slice(start: nil, end: nil, step: nil), .slice(start: 1, end: 3, step: nil)])))
        #expect(tensor(s, "b") == (try x.index([.index(-1), .slice(start: nil, end: nil, step: -1), .index(-1)])))
        #expect(tensor(s, "m") == (try x.mean(axes: [1, 2], keepdims: true)))
    }

    @Test func oneElementTensorsActAsNumbers() {
        #expect(run("x = ones(2, 2)\nif mean(x) > 0 { print(\"positive\") }\nfor i in range(sum(x)) { print(i) }").lines
                == ["positive", "0", "1", "2", "3"])
    }

    @Test func seededRandomness() throws {
        let s = session("seed(7)\na = rand(3)\nb = rand(3)\nseed(7)\nc = rand(3)\nd = randn(2, seed:9)")
        var rng = RandomSource(seed: 7)
        let a = try Tensor.rand([3], using: &rng), b = try Tensor.rand([3], using: &rng)
        #expect(tensor(s, "a") == a)
        #expect(tensor(s, "b") == b)
        #expect(tensor(s, "c") == a)
        var r9 = RandomSource(seed: 9)
        #expect(tensor(s, "d") == (try Tensor.randn([2], using: &r9)))
    }

    @Test func saveAndLoadRoundTripAndAFailedSaveKeepsTheOldFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cnns-lang-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("t.npy").path
        let s = session("t = reshape(arange(6), [2, 3])\nsave(t, \"\(path)\")\nu = load(\"\(path)\")")
        #expect(tensor(s, "u") == tensor(s, "t"))
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let r = run("save(\"not a tensor\", \"\(path)\")", session: s)
        #expect(r.error?.message == "save: .npy holds a tensor, got \"not a tensor\"")
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        #expect(leftovers == ["t.npy"])
    }

    @Test func engineErrorsArePlacedAtTheCall() {
        let r = run("x = zeros(1, 1, 3, 3)\ny = x |> conv(ones(1, 1, 5, 5))")
        #expect(r.error?.line == 2)
        #expect(r.error?.column == 10)
        #expect(r.error?.message.hasPrefix("conv: ") == true)
    }
}

/// File handling that does not need the engine.
@Suite struct FileTests {
    @Test func saveIntoAMissingDirectoryFailsCleanly() {
        let r = run("save([1, 2], \"/nonexistent-cnns-dir/t.npy\")")
        #expect(r.error?.message.hasPrefix("save: cannot write \"/nonexistent-cnns-dir/t.npy\"") == true)
    }

    @Test func extensionsAreCheckedBeforeAnythingIsRead() {
        #expect(run("load(\"noext\")").error?.message == "load: \"noext\" has no file extension (supported: \(FileFormats.supported("load")))")
        #expect(run("save([1], \"m.txt\")").error?.message == "save: cannot save \".txt\" files (supported: \(FileFormats.supported("save")))")
        #expect(run("save([1], \"m.onnx\")").error?.message == "save: .onnx holds a model, got a tensor 1")
    }
}
