@testable import CNNScript
import CNNKit
import Foundation
import Testing

@Suite struct RegistryTests {
    /// Every SPEC §3 function this library binds (load_image, save_image and explain come later).
    static let specNames = [
        "tensor", "zeros", "ones", "full", "rand", "randn", "arange", "linspace", "eye",
        "shape", "reshape", "transpose", "permute", "squeeze", "unsqueeze", "concat", "stack", "pad",
        "abs", "exp", "log", "sqrt", "clip", "sum", "mean", "max", "min", "argmax", "std", "matmul",
        "conv", "maxpool", "avgpool", "gavgpool", "gmaxpool", "flatten", "linear", "relu", "leaky_relu", "sigmoid",
        "tanh", "softmax", "log_softmax", "batchnorm", "dropout", "im2col", "convolve", "correlate", "kernel",
        "load", "save", "print", "show", "vars", "help", "timeit", "seed", "printopts", "range", "len",
    ]

    @Test func everySpecFunctionIsRegisteredOnce() {
        let names = Builtins.all.map(\.name)
        #expect(Set(names).count == names.count, "duplicate names")
        for n in RegistryTests.specNames { #expect(Builtins.byName[n] != nil, "\(n) is missing") }
    }

    @Test func everyEntryIsDocumented() {
        for b in Builtins.all {
            #expect(!b.summary.isEmpty, "\(b.name)")
            #expect(!b.example.isEmpty, "\(b.name)")
            for p in b.parameters { #expect(!p.doc.isEmpty, "\(b.name): \(p.name)") }
            let h = Builtins.help(b)
            #expect(h.hasPrefix(b.signature), "\(b.name)")
            #expect(Builtins.overview().contains(b.name), "\(b.name)")
            #expect(Builtins.markdownReference().contains("`\(b.signature)`"), "\(b.name)")
        }
    }

    @Test func signatures() {
        #expect(Builtins.byName["conv"]?.signature == "conv(x, w, b?, stride: 1, pad: 0, dilation: 1, groups: 1)")
        #expect(Builtins.byName["maxpool"]?.signature == "maxpool(x, k, stride: k, pad: 0, dilation: 1, ceil: false)")
        #expect(Builtins.byName["avgpool"]?.signature == "avgpool(x, k, stride: k, pad: 0, ceil: false, count_pad: true)")
        #expect(Builtins.byName["zeros"]?.signature == "zeros(shape…)")
        #expect(Builtins.byName["convolve"]?.signature == "convolve(f, g, mode: \"full\")")
        #expect(Builtins.byName["linspace"]?.signature == "linspace(start, end, n = 50)")
        #expect(Builtins.byName["im2col"]?.signature == "im2col(x, k, stride: 1, pad: 0, dilation: 1)")
    }
}

@Suite struct CompletionTests {
    @Test func builtinsVariablesAndKeywords() {
        let s = Session(output: { _ in })
        _ = run("img = [[1, 2], [3, 4]]\nimage_count = 3", session: s)
        #expect(s.completions(for: "x = im").starts(with: ["im2col", "image_count", "img"]))
        #expect(s.completions(for: "co").contains("conv"))
        #expect(s.completions(for: "co").contains("convolve"))
        #expect(s.completions(for: "fo") == ["for"])
        #expect(s.completions(for: "zzz").isEmpty)
        #expect(s.completions(for: "").isEmpty)
    }

    @Test func labelsOfTheFunctionBeingCalled() {
        let s = Session(output: { _ in })
        // A start that begins a label means the label (one Tab gives `stride:`); other names return
        // once no label fits.
        #expect(s.completions(for: "conv(x, k, st") == ["stride:"])
        #expect(s.completions(for: "conv(x, k, std").contains("std"))
        #expect(s.completions(for: "y = maxpool(x, 2, ").prefix(6) == ["ceil:", "dilation:", "k:", "pad:", "stride:", "x:"])
        _ = run("fn block(c, bee = 2) = c", session: s)
        #expect(s.completions(for: "block(1, b").first == "bee:")
        // A closed call no longer offers its labels.
        #expect(!s.completions(for: "conv(x, k) + st").contains("stride:"))
    }

    @Test func membersAfterADot() {
        let s = Session(output: { _ in })
        _ = run("t = [[1, 2], [3, 4]]", session: s)
        #expect(s.completions(for: "t.sh") == ["shape"])
        #expect(s.completions(for: "print(t.") == Interpreter.tensorMembers + Interpreter.gradMembers)
        #expect(s.completions(for: "nothing.sh").isEmpty)
    }

    @Test func filesInsideStrings() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cnns-complete-\(getpid())")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("imgs"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for f in ["train.npy", "test.npy", ".hidden"] {
            _ = FileManager.default.createFile(atPath: dir.appendingPathComponent(f).path, contents: Data())
        }
        let s = Session(output: { _ in })
        #expect(s.completions(for: "x = load(\"\(dir.path)/t") == ["test.npy", "train.npy"])
        #expect(s.completions(for: "load(\"\(dir.path)/") == ["imgs/", "test.npy", "train.npy"])
        #expect(s.completions(for: "load(\"\(dir.path)/.h") == [".hidden"])
        // A closed string is not completed as a path; an escaped quote does not close one.
        #expect(!s.completions(for: "print(\"a\") + le").isEmpty)
        #expect(s.completions(for: "print(\"say \\\"hi\\\"\", load(\"\(dir.path)/tr") == ["train.npy"])
    }
}
