@testable import CNNScript
import CNNKit
import Foundation
import Testing
import CNNTestSupport

/// `:save` / `:load` of optimizers: settings and per-parameter state survive, so training continued in
/// a fresh session is bit-identical to training that never stopped; hostile optimizer entries are
/// refused with a reason before anything is defined.
@Suite("meta-commands: session files with optimizers")
struct MetaSessionOptimizerTests {
    /// A tiny conv net (BatchNorm included, so its running statistics travel too) and 8 samples.
    private let setup = """
        m = Sequential(Conv(1, 2, 3, pad:1), BatchNorm(2), ReLU(), Flatten(), Dense(32, 3))
        x = randn(8, 1, 4, 4, seed:3)
        y = tensor([0, 1, 2, 0, 1, 2, 0, 1])
        """

    private func train(_ seed: Int) -> String {
        "fit(m, [x, y], epochs:1, batch:3, opt:opt, seed:\(seed), verbose:false);"
    }

    private func parameters(_ s: CapturingSession, _ name: String = "m") throws -> [(String, [UInt32])] {
        guard case .object(let o as ModelObject)? = s.value(name) else { throw Failure("'\(name)' is not a model") }
        return o.module.namedParameters().map { ($0.name, $0.variable.value.scalars.map(\.bitPattern)) }
    }

    private func optimizer(_ s: CapturingSession, _ name: String = "opt") throws -> OptimizerObject {
        guard case .object(let o as OptimizerObject)? = s.value(name) else { throw Failure("'\(name)' is not an optimizer") }
        return o
    }

    private struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    private func meta(_ s: CapturingSession, _ line: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try s.session.runMeta(line)
        } catch {
            Issue.record("\(line): \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test("fit, :save, :load into a fresh session, fit on: bit-identical to an uninterrupted run", arguments: [
        "SGD(lr:0.1, momentum:0.9)",
        "SGD(lr:0.05, momentum:0.8, nesterov:true, decay:0.01)",
        "Adam(lr:0.01)",
        "Adam(lr:0.01, decay:0.01)",
        "AdamW(lr:0.02, beta1:0.8, decay:0.05)",
    ])
    func continuation(_ constructor: String) throws {
        let dir = try makeScratchDirectory("cnns-opt")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("run.cnnsession").path

        let straight = CapturingSession(seed: 5)
        straight.run(setup + "\nopt = \(constructor)\n" + train(11) + "\n" + train(12) + "\n" + train(13))

        let before = CapturingSession(seed: 5)
        before.run(setup + "\nopt = \(constructor)\n" + train(11))
        meta(before, ":save \(path)")

        let after = CapturingSession(seed: 99)  // another generator: nothing may depend on it
        meta(after, ":load \(path)")
        after.run(train(12) + "\n" + train(13))

        let expected = try parameters(straight), got = try parameters(after)
        #expect(!expected.isEmpty && got.map(\.0) == expected.map(\.0))
        for (a, b) in zip(got, expected) { #expect(a.1 == b.1, "\(constructor): \(a.0) differs after continuing") }
        #expect(try optimizer(after).describe(PrintOptions()) == optimizer(straight).describe(PrintOptions()))
        // :who shows the state and its memory: 6 tensors, 1 (momentum) or 2 (moments) floats per weight.
        let mark = after.text.count
        meta(after, ":who opt")
        let bytes = 4 * (2 * 9 + 2 + 2 + 2 + 3 * 32 + 3) * (constructor.hasPrefix("SGD") ? 1 : 2)
        let row = after.text.dropFirst(mark).split(separator: "\n").last.map(String.init) ?? ""
        #expect(row.hasPrefix("opt") && row.contains("state for 6 tensors") && row.hasSuffix(" \(bytes) B"), "\(row)")

        // The test can fail: a fresh optimizer (no moments, no momentum) ends elsewhere.
        let fresh = CapturingSession(seed: 99)
        meta(fresh, ":load \(path)")
        fresh.run("opt = \(constructor)\n" + train(12) + "\n" + train(13))
        #expect(try parameters(fresh).map(\.1) != expected.map(\.1), "\(constructor): the state made no difference")
    }

    @Test("a param() tensor stepped by hand keeps its optimizer state across :save / :load")
    func bareTensor() throws {
        let dir = try makeScratchDirectory("cnns-opt")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("w.cnnsession").path
        let steps = "for i in range(3) { zero_grad(w); backward(sum(w * w * w)); step(opt, w) }"
        for constructor in ["SGD(lr:0.05, momentum:0.9, nesterov:true)", "AdamW(lr:0.1)"] {
            let start = "w = param(randn(5, seed:1))\nopt = \(constructor)"
            let straight = CapturingSession()
            straight.run(start + "\n" + steps + "\n" + steps)
            let before = CapturingSession()
            before.run(start + "\n" + steps)
            meta(before, ":save \(path)")
            let after = CapturingSession()
            meta(after, ":load \(path)")
            after.run(steps)
            guard case .tensor(let a)? = after.value("w"), case .tensor(let b)? = straight.value("w") else {
                Issue.record("w lost its gradient flag"); continue
            }
            #expect(a.value.scalars.map(\.bitPattern) == b.value.scalars.map(\.bitPattern), "\(constructor)")
            let state = try optimizer(after).optimizer.exportState()
            #expect(state.count == 1 && state.first?.steps == 6 && state.first?.parameter === a)
        }
    }

    @Test("settings round-trip: a changed opt.lr, momentum, nesterov, decay, betas, eps, AdamW's decoupling")
    func hyperparameters() throws {
        let dir = try makeScratchDirectory("cnns-opt")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("h.cnnsession").path
        let s = CapturingSession()
        s.run("""
            a = SGD(lr:0.1, momentum:0.9, nesterov:true, decay:0.01)
            a.lr = 0.025
            b = Adam(lr:3e-4, beta1:0.85, beta2:0.995, eps:1e-7, decay:0.002)
            c = AdamW(decay:0.05)
            d = SGD(lr:0.3)
            opts = [AdamW(lr:0.5), 1]
            """)
        meta(s, ":save \(path)")
        let t = CapturingSession()
        meta(t, ":load \(path)")
        for name in ["a", "b", "c", "d"] {
            let x = try optimizer(s, name), y = try optimizer(t, name)
            #expect(x.settings == y.settings && x.describe(PrintOptions()) == y.describe(PrintOptions()), "\(name)")
            #expect(x.optimizer.learningRate.bitPattern == y.optimizer.learningRate.bitPattern, "\(name)")
        }
        let a = try #require(try optimizer(t, "a").optimizer as? SGD)
        #expect(a.learningRate == 0.025 && a.momentum == 0.9 && a.nesterov && a.weightDecay == 0.01)
        let b = try #require(try optimizer(t, "b").optimizer as? Adam)
        #expect(b.learningRate == 3e-4 && b.beta1 == 0.85 && b.beta2 == 0.995 && b.eps == 1e-7 && b.weightDecay == 0.002 && !b.decoupled)
        let c = try #require(try optimizer(t, "c").optimizer as? Adam)
        #expect(c.decoupled && c.weightDecay == 0.05 && c.learningRate == 0.001)
        let d = try #require(try optimizer(t, "d").optimizer as? SGD)
        #expect(d.momentum == 0 && !d.nesterov && d.learningRate == 0.3)
        guard case .list(let items)? = t.value("opts"), case .object(let o as OptimizerObject)? = items.first else {
            Issue.record("an optimizer in a list did not come back"); return
        }
        #expect(o.optimizer.learningRate == 0.5 && (o.optimizer as? Adam)?.decoupled == true)
        #expect(try optimizer(t, "b").optimizer.exportState().isEmpty, "an optimizer that never stepped has no state")
    }

    @Test("an optimizer that has not stepped yet continues like one that never stopped")
    func notStepped() throws {
        let dir = try makeScratchDirectory("cnns-opt")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("n.cnnsession").path
        let straight = CapturingSession(seed: 2)
        straight.run(setup + "\nopt = Adam(lr:0.01)\n" + train(4))
        let before = CapturingSession(seed: 2)
        before.run(setup + "\nopt = Adam(lr:0.01)")
        meta(before, ":save \(path)")
        let after = CapturingSession()
        meta(after, ":load \(path)")
        after.run(train(4))
        #expect(try parameters(after).map(\.1) == parameters(straight).map(\.1))
    }

    @Test("state of parameters no saved variable owns is left out with a note; the rest is kept")
    func unsavedOwners() throws {
        let dir = try makeScratchDirectory("cnns-opt")
        defer { try? FileManager.default.removeItem(at: dir) }
        let s = CapturingSession(seed: 3)
        s.run(setup + """

            other = Sequential(Dense(2, 2))
            opt = SGD(lr:0.1, momentum:0.9)
            \(train(1))
            zero_grad(other); backward(sum(other(ones(1, 2)))); step(opt, other)
            w = m.layers[4].weight
            """)
        #expect(try optimizer(s).optimizer.exportState().count == 8, "conv, batchnorm and dense (weight, bias each) + other's 2")

        // Only the optimizer: every parameter is outside the file.
        let alone = dir.appendingPathComponent("alone.cnnsession").path
        let before = s.text.count
        meta(s, ":save \(alone) opt")
        #expect(String(s.text.dropFirst(before)).contains("note: optimizer 'opt': the state of 8 parameters that belong to no saved model or tensor is not saved"))
        let t = CapturingSession()
        meta(t, ":load \(alone)")
        #expect(try optimizer(t).optimizer.exportState().isEmpty)
        #expect(try (optimizer(t).optimizer as? SGD)?.momentum == 0.9)

        // A deleted model: its state is dropped, the saved model's state binds to the loaded model.
        meta(s, ":del other")
        let most = dir.appendingPathComponent("most.cnnsession").path
        let mark = s.text.count
        meta(s, ":save \(most)")
        #expect(String(s.text.dropFirst(mark)).contains("the state of 2 parameters"))
        let u = CapturingSession()
        meta(u, ":load \(most)")
        let state = try optimizer(u).optimizer.exportState()
        guard case .object(let model as ModelObject)? = u.value("m") else { Issue.record("m"); return }
        let loaded = model.module.namedParameters()
        #expect(state.count == 6 && state.allSatisfy { e in loaded.contains { $0.variable === e.parameter } },
                "the state belongs to the loaded model's parameters (the model owns them before the copy w)")
        #expect(state.map { e in loaded.first { $0.variable === e.parameter }?.name ?? "?" }
                == ["0.weight", "0.bias", "1.weight", "1.bias", "4.weight", "4.bias"])

        // Nothing saved but the tensor w (the model's Dense weight itself): that state is kept, on w.
        let tensorOnly = dir.appendingPathComponent("w.cnnsession").path
        meta(s, ":save \(tensorOnly) w opt")
        let v = CapturingSession()
        meta(v, ":load \(tensorOnly)")
        guard case .tensor(let w)? = v.value("w") else { Issue.record("w"); return }
        let kept = try optimizer(v).optimizer.exportState()
        #expect(kept.count == 1 && kept.first?.parameter === w && kept.first?.steps == 3)
    }

    // MARK: - Malformed files

    /// A session file from a manifest and a data section.
    private func file(_ json: String, data: [UInt8]) -> [UInt8] {
        var bytes = Array("CNNSSES1".utf8)
        var n = UInt64(json.utf8.count).littleEndian
        withUnsafeBytes(of: &n) { bytes.append(contentsOf: $0) }
        return bytes + Array(json.utf8) + data
    }

    /// A tensor `w` of 2 values (bytes 0..<8) with requires_grad, a plain tensor `plain` (8..<16),
    /// a number `n` and the optimizer `opt` given; the data section has 40 bytes.
    private func withTensor(_ optimizer: String, wGrad: Bool = true) -> [UInt8] {
        let json = """
            {"format": "cnns-session", "version": 1, "variables": [
             ["w", {"kind": "tensor", "shape": [2], "offset": 0, "requires_grad": \(wGrad)}],
             ["plain", {"kind": "tensor", "shape": [2], "offset": 8}],
             ["n", {"kind": "number", "value": "1"}],
             ["opt", \(optimizer)]]}
            """
        return file(json, data: [UInt8](repeating: 0, count: 40))
    }

    private func sgd(_ state: String, momentum: String = "0.9", extra: String = "") -> String {
        #"{"kind": "optimizer", "type": "sgd", "lr": "0.1", "momentum": "\#(momentum)", "nesterov": false, "decay": "0"\#(extra), "state": [\#(state)]}"#
    }

    private func adam(_ state: String, type: String = "adam", beta1: String = "0.9") -> String {
        #"{"kind": "optimizer", "type": "\#(type)", "lr": "0.001", "beta1": "\#(beta1)", "beta2": "0.999", "eps": "1e-08", "decay": "0", "state": [\#(state)]}"#
    }

    @Test("hand-built files with a sound optimizer load; its buffers are read from the data section")
    func handBuilt() throws {
        var data = [UInt8](repeating: 0, count: 40)
        for (i, f) in [Float(1.5), -2, 0.25, 4].enumerated() {
            withUnsafeBytes(of: f.bitPattern.littleEndian) { data.replaceSubrange(16 + 4 * i..<20 + 4 * i, with: $0) }
        }
        let json = """
            {"format": "cnns-session", "version": 1, "variables": [
             ["opt", \(adam(#"{"owner": "w", "path": "", "steps": 7, "count": 2, "first": 16, "second": 24}"#))],
             ["w", {"kind": "tensor", "shape": [2], "offset": 0, "requires_grad": true}]]}
            """
        let dir = try makeScratchDirectory("cnns-opt")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("ok.cnnsession")
        try Data(file(json, data: data)).write(to: path)
        let s = CapturingSession()
        meta(s, ":load \(path.path)")
        let state = try optimizer(s).optimizer.exportState()
        guard case .tensor(let w)? = s.value("w") else { Issue.record("w"); return }
        #expect(state.count == 1 && state.first?.parameter === w, "bound to w though w comes later in the file")
        #expect(state.first?.steps == 7 && state.first?.first == [1.5, -2] && state.first?.second == [0.25, 4])
    }

    @Test("malformed optimizer entries are refused with a reason, and nothing is defined")
    func malformed() throws {
        let entry = #"{"owner": "w", "path": "", "steps": 1, "count": 2, "first": 16}"#
        let adamEntry = #"{"owner": "w", "path": "", "steps": 1, "count": 2, "first": 16, "second": 24}"#
        let cases: [(String, [UInt8], String)] = [
            ("unknown type", withTensor(#"{"kind": "optimizer", "type": "rmsprop", "state": []}"#), "unknown type 'rmsprop'"),
            ("no type", withTensor(#"{"kind": "optimizer", "state": []}"#), "unknown type (missing)"),
            ("lr a number", withTensor(#"{"kind": "optimizer", "type": "sgd", "lr": 0.1, "momentum": "0", "nesterov": false, "decay": "0", "state": []}"#), "lr is not a decimal string"),
            ("bad momentum", withTensor(sgd(entry, momentum: "1.5")), "SGD: momentum must be in [0, 1), got 1.5"),
            ("bad beta", withTensor(adam(adamEntry, beta1: "nan")), "Adam: beta1 must be in [0, 1)"),
            ("no nesterov", withTensor(#"{"kind": "optimizer", "type": "sgd", "lr": "0.1", "momentum": "0", "decay": "0", "state": []}"#), "nesterov is not true or false"),
            ("no state list", withTensor(#"{"kind": "optimizer", "type": "adamw", "lr": "0.1", "beta1": "0.9", "beta2": "0.999", "eps": "1e-08", "decay": "0"}"#), "without a state list"),
            ("entry not an object", withTensor(sgd("3")), "state entry 0 is not an object"),
            ("dangling owner", withTensor(sgd(entry.replacingOccurrences(of: #""w""#, with: #""q""#))), "names no variable saved in this file"),
            ("owner not a name", withTensor(sgd(entry.replacingOccurrences(of: #""w""#, with: #""1 + 1""#))), "no owner naming a variable"),
            ("owner a number", withTensor(sgd(entry.replacingOccurrences(of: #""w""#, with: #""n""#))), "neither a model nor a tensor with requires_grad"),
            ("owner without grad", withTensor(sgd(entry), wGrad: false), "neither a model nor a tensor with requires_grad"),
            ("path on a tensor", withTensor(sgd(entry.replacingOccurrences(of: #""path": """#, with: #""path": "fc.weight""#))), "has a path, but 'w' is a tensor"),
            ("wrong count", withTensor(sgd(entry.replacingOccurrences(of: #""count": 2"#, with: #""count": 3"#))), "has 3 values per buffer but the tensor is 2 (2 values)"),
            ("huge count", withTensor(sgd(entry.replacingOccurrences(of: #""count": 2"#, with: #""count": 1e15"#))), "no element count"),
            ("negative steps", withTensor(sgd(entry.replacingOccurrences(of: #""steps": 1"#, with: #""steps": -3"#))), "no step count"),
            ("fractional steps", withTensor(sgd(entry.replacingOccurrences(of: #""steps": 1"#, with: #""steps": 1.5"#))), "no step count"),
            ("buffer past the end", withTensor(sgd(entry.replacingOccurrences(of: #""first": 16"#, with: #""first": 36"#))), "needs bytes 36..<44 but the data section has 40"),
            ("huge offset", withTensor(sgd(entry.replacingOccurrences(of: #""first": 16"#, with: #""first": 9223372036854775800"#))), "data section has 40"),
            ("negative offset", withTensor(sgd(entry.replacingOccurrences(of: #""first": 16"#, with: #""first": -4"#))), "not a byte offset"),
            ("overlaps a tensor", withTensor(sgd(entry.replacingOccurrences(of: #""first": 16"#, with: #""first": 4"#))), "overlaps"),
            ("moments overlap", withTensor(adam(adamEntry.replacingOccurrences(of: #""second": 24"#, with: #""second": 20"#))), "overlaps"),
            ("no momentum buffer", withTensor(sgd(#"{"owner": "w", "path": "", "steps": 1, "count": 2}"#)), "no first buffer offset"),
            ("no second moment", withTensor(adam(entry)), "no second buffer offset"),
            ("SGD with a second buffer", withTensor(sgd(adamEntry)), "has a second buffer, which this optimizer does not keep"),
            ("state without momentum", withTensor(sgd(entry, momentum: "0")), "SGD without momentum keeps no state"),
            ("twice", withTensor(adam(adamEntry + ", " + adamEntry)), "appears twice"),
        ]
        for (label, bytes, reason) in cases { try expectSessionFileRefused(bytes, reason, label) }
    }

    @Test("optimizer state naming a model parameter that the stored model lacks is refused")
    func modelPaths() throws {
        let dir = try makeScratchDirectory("cnns-opt")
        defer { try? FileManager.default.removeItem(at: dir) }
        let s = CapturingSession()
        s.run("m = Sequential(Dense(2, 2))\nopt = Adam(lr:0.1)\nzero_grad(m); backward(sum(m(ones(1, 2)))); step(opt, m)")
        let good = dir.appendingPathComponent("good.cnnsession").path
        meta(s, ":save \(good)")
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: good)))
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains(#""path":"0.weight""#), "the file names parameters by their safetensors paths")

        /// The saved file with its manifest text edited (the data section is kept).
        func edited(_ from: String, _ to: String) throws -> [UInt8] {
            var length: UInt64 = 0
            for i in (8..<16).reversed() { length = length << 8 | UInt64(bytes[i]) }
            let manifest = String(decoding: bytes[16..<16 + Int(length)], as: UTF8.self)
            #expect(manifest.contains(from), "the saved manifest has \(from)")
            return file(manifest.replacingOccurrences(of: from, with: to), data: Array(bytes[(16 + Int(length))...]))
        }
        try expectSessionFileRefused(try edited(#""path":"0.weight""#, #""path":"0.kernel""#), "the state of 'm.0.kernel' names no parameter of model 'm'", "missing path")
        try expectSessionFileRefused(try edited(#""path":"0.weight""#, #""path":"""#), "names a model but no parameter path", "empty path")
        // The bias's buffers (2 values) come last in the data section: claiming 1 value overlaps nothing.
        try expectSessionFileRefused(try edited(#""count":2,"#, #""count":1,"#),
                          "has 1 value per buffer but the parameter is 2 (2 values)", "count against the model")
    }

}
