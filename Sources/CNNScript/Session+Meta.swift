import CNNKit
import Foundation

/// What the host does after a meta-command.
public enum MetaResult: Equatable, Sendable {
    case done
    /// `:quit`: leave the shell.
    case quit
}

/// Meta-commands: lines starting with `:` in the shell and in piped input, after IPython's magics
/// (`:who` ≈ `%whos`, `:time` ≈ `%time`, `:timeit` ≈ `%timeit`, `:reset` ≈ `%reset -f`). They are not
/// part of the language (scripts cannot use them); they talk about the session. Everything they show
/// goes through `output`; errors are `ScriptError`s placed in `<stdin>`.
extension Session {
    /// The meta-commands with their one-line help, in the order `:help` lists them.
    public static let metaCommands: [(name: String, usage: String, summary: String)] = [
        ("who", ":who [NAME…]", "the session's variables: name, kind, shape or parameter count, memory"),
        ("del", ":del NAME…", "forget variables"),
        ("reset", ":reset", "forget every variable and numbered output (Out[n], _n, _)"),
        ("time", ":time STMT", "run STMT once and show its CPU and wall time"),
        ("timeit", ":timeit [-n LOOPS] [-r RUNS] STMT", "time STMT over many loops (adaptive, like %timeit): mean ± std. dev. and best"),
        ("run", ":run FILE", "run a script in this session (like %run): its variables stay"),
        ("history", ":history [N]", "the last N (default all) lines of input history"),
        ("save", ":save FILE [NAME…]", "save the session's variables (or the named ones) to one file, atomically, optimizer state included"),
        ("load", ":load FILE", "load variables saved by :save (replacing variables of the same names)"),
        ("help", ":help [NAME]", "this list, or help on a builtin or meta-command"),
        ("quit", ":quit", "leave the shell (as Ctrl-D does)"),
    ]

    /// True when `line` is a meta-command (its first non-blank character is `:`).
    public static func isMeta(_ line: String) -> Bool {
        line.first { !$0.isWhitespace } == ":"
    }

    /// Runs one meta-command line for a host: how it ended (errors placed at the line, in `<stdin>`)
    /// and whether it was `:quit`.
    public func executeMeta(_ line: String, history: [String] = []) -> (result: RunOutcome, quit: Bool) {
        var quit = false
        let result = result(file: "<stdin>") { quit = try runMeta(line, history: history) == .quit }
        return (result, quit)
    }

    /// Runs one meta-command line. `history` holds the host's input history, oldest first, for
    /// `:history`. Throws `ScriptError` (unknown command, bad arguments, errors of the timed statement,
    /// files that cannot be saved or loaded) or `CancelledError`.
    public func runMeta(_ line: String, history: [String] = []) throws -> MetaResult {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        let body = trimmed.dropFirst()  // the ':'
        let name = String(body.prefix { !$0.isWhitespace })
        let rest = body.dropFirst(name.count).trimmingCharacters(in: .whitespaces)
        let words = rest.split(whereSeparator: \.isWhitespace).map(String.init)
        let fail = { (message: String) -> ScriptError in
            ScriptError(file: "<stdin>", line: 1, column: 1, message: message, sourceLine: line)
        }
        switch name {
        case "who", "whos": who(words)
        case "del":
            guard !words.isEmpty else { throw fail(":del: give the names of the variables to forget") }
            let missing = words.filter { globals.lookup($0) == nil }
            guard missing.isEmpty else {
                throw fail(":del: no variable named \(missing.map { "'\($0)'" }.joined(separator: ", "))")
            }
            for word in words { globals.remove(word) }
        case "reset":
            globals.removeAll()
            outputs.clear()
            lastValue = .none
        case "time":
            guard !rest.isEmpty else { throw fail(":time: give a statement to time, e.g. :time sum(randn(1000))") }
            let cpu = cpuSeconds()
            let wall = try Timing.seconds { try run(rest, file: "<stdin>", echo: .all) }
            output("CPU time: \(Timing.format(cpuSeconds() - cpu)), Wall time: \(Timing.format(wall))\n")
        case "timeit": try timeit(rest, line: line, fail: fail)
        case "history":
            var shown = history
            if let first = words.first {
                guard let n = Int(first), n >= 0 else { throw fail(":history: expected a count, got '\(first)'") }
                shown = Array(history.suffix(n))
            }
            let start = history.count - shown.count + 1
            let width = String(history.count).count
            for (i, entry) in shown.enumerated() {
                let number = String(start + i)
                output(String(repeating: " ", count: width - number.count) + number + "  "
                       + entry.replacingOccurrences(of: "\n", with: "\n" + String(repeating: " ", count: width + 2)) + "\n")
            }
        case "save":
            guard let path = words.first else { throw fail(":save: give a file name, e.g. :save session.cnnsession") }
            // Named variables must all be saved; the whole session skips what files cannot hold (a data
            // set, a function), saying so, rather than refusing to save the rest.
            let named = words.count > 1
            var variables: [(String, Value)] = []
            var skipped: [String] = []
            for n in named ? Array(words.dropFirst()) : globals.allNames {
                guard let value = globals.lookup(n) else { throw fail(":save: no variable named '\(n)'") }
                if !named && !SessionFile.isStorable(value) {
                    skipped.append("\(n) (\(value.typeName))")
                    continue
                }
                variables.append((n, value))
            }
            var notes: [String] = []
            if !skipped.isEmpty {
                notes.append("not saved: \(skipped.joined(separator: ", ")); session files hold models, optimizers, tensors, numbers, strings, bools and lists")
            }
            do {
                let encoded = try SessionFile.encode(variables)
                try SessionFile.writeAtomically(encoded.bytes, to: expand(path))
                notes += encoded.notes
            } catch let e as SessionFile.Failure {
                throw fail(":save: \(e)")
            }
            output("saved \(Self.count(variables.count, "variable")) to \(path)\n")
            for note in notes { output("note: \(note)\n") }
        case "load":
            guard let path = words.first, words.count == 1 else { throw fail(":load: give one file name, e.g. :load session.cnnsession") }
            let variables: [(String, Value)]
            do {
                variables = try LoadProgressLine.run("loading " + (path as NSString).lastPathComponent, session: self) { progress in
                    try SessionFile.decode(try FileReader.read(expand(path), progress: progress))
                }
            } catch let e as SessionFile.Failure {
                throw fail(":load: \(path): \(e)")
            } catch let e as FileReader.Failure {
                throw fail(":load: \(e)")
            }
            for (n, value) in variables { globals.define(n, value) }
            let listed = variables.map(\.0).joined(separator: ", ")
            output("loaded \(Self.count(variables.count, "variable"))\(variables.isEmpty ? "" : ": " + listed) from \(path)\n")
        case "run":
            guard let path = words.first, words.count == 1 else { throw fail(":run: give one script, e.g. :run setup.cnns") }
            let text: String
            do {
                text = try Session.readSource(expand(path))
            } catch let e as UnreadableSource {
                throw fail(":run: cannot read \(path): \(e)")
            }
            try run(text, file: path, echo: .none)
        case "help", "?":
            try metaHelp(words.first, fail: fail)
        case "quit", "q", "exit":
            return .quit
        default:
            let near = Completion.nearest(name, among: Self.metaCommands.map(\.name)).map { " (did you mean ':\($0)'?)" } ?? ""
            throw fail("unknown meta-command ':\(name)'\(near); :help lists them")
        }
        return .done
    }

    // MARK: - :who

    private func who(_ only: [String]) {
        let names = only.isEmpty ? globals.allNames : only.filter { globals.lookup($0) != nil }
        guard !names.isEmpty else {
            output(only.isEmpty ? "no variables\n" : "no such variables\n")
            return
        }
        var rows = [["name", "kind", "shape / size", "memory"]]
        for name in names {
            let value = globals.lookup(name) ?? .none
            rows.append([name, value.typeName, Self.size(of: value), Self.bytes(Self.memory(of: value))])
        }
        let widths = (0..<4).map { c in rows.map { $0[c].count }.max() ?? 0 }
        for row in rows {
            let cells = (0..<4).map { c in c == 3 ? String(repeating: " ", count: widths[c] - row[c].count) + row[c]
                                               : row[c] + String(repeating: " ", count: widths[c] - row[c].count) }
            output(cells.joined(separator: "  ").trimmingCharacters(in: .whitespaces) + "\n")
        }
    }

    private static func size(of value: Value) -> String {
        switch value {
        case .tensor(let t): return shapeText(t.shape) + (t.isConstant ? "" : " (grad)")
        case .list(let items): return count(items.count, "item")
        case .string(let s): return count(s.count, "character")
        case .number(let n): return Value.formatNumber(n)
        case .bool(let b): return b ? "true" : "false"
        case .function(let f): return f.signature
        case .object(let o as ModelObject): return "\(Shape.grouped(o.module.parameterCount())) params"
        case .object(let o as OptimizerObject):
            let n = o.optimizer.exportState().count
            return n == 0 ? "no state yet" : "state for \(count(n, "tensor"))"
        case .object, .none: return ""
        }
    }

    private static func shapeText(_ shape: [Int]) -> String { Value.shapeText(shape) }

    /// Bytes the value's numbers occupy (float32 tensors and parameters, 8 per number, string bytes).
    static func memory(of value: Value) -> Int {
        switch value {
        case .tensor(let t): return t.value.scalars.count * 4
        case .list(let items): return items.reduce(0) { $0 + memory(of: $1) }
        case .string(let s): return s.utf8.count
        case .number: return 8
        case .bool: return 1
        case .object(let o as ModelObject): return o.module.parameterCount() * 4
        case .object(let o as OptimizerObject):
            return o.optimizer.exportState().reduce(0) { $0 + 4 * ($1.first.count + $1.second.count) }
        case .function, .object, .none: return 0
        }
    }

    /// `512 B`, `1.5 KiB`, `3.0 MiB`.
    static func bytes(_ n: Int) -> String {
        if n < 1024 { return "\(n) B" }
        let units = ["KiB", "MiB", "GiB", "TiB"]
        var value = Double(n) / 1024
        var unit = 0
        while value >= 1024, unit < units.count - 1 { value /= 1024; unit += 1 }
        return String(format: "%.1f %@", value, units[unit])
    }

    private static func count(_ n: Int, _ noun: String) -> String { Timing.count(n, noun) }

    // MARK: - :time, :timeit

    private func cpuSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    /// IPython's `%timeit`: unless `-n` fixes it, the loop count grows 1, 2, 5, 10, 20, … until one run
    /// takes at least 0.2 s; then `-r` runs (default 7) of that many loops. Shows the mean and standard
    /// deviation of the per-loop time over the runs, and the best run (the least disturbed one).
    private func timeit(_ text: String, line: String, fail: (String) -> ScriptError) throws {
        var words = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        var loops: Int?
        var runs = 7
        while let flag = words.first, flag == "-n" || flag == "-r" {
            guard words.count >= 2, let n = Int(words[1]), (1...1_000_000).contains(n) else {
                throw fail(":timeit: \(flag) needs a count from 1 to 1000000")
            }
            if flag == "-n" { loops = n } else { runs = n }
            words.removeFirst(2)
        }
        let source = words.joined(separator: " ")
        guard !source.isEmpty else { throw fail(":timeit: give a statement to time, e.g. :timeit sum(randn(1000))") }
        let program: Program
        switch prepare(source, file: "<stdin>") {
        case .ready(let p): program = p
        case .incomplete(let error), .failed(let error): throw error
        }
        let once = { try self.run(program, echo: .none) }
        let number: Int
        if let loops {
            number = loops
        } else {
            var candidate = 1
            var step = 0
            while try Timing.seconds(loops: candidate, once) < 0.2 && candidate < 1_000_000 {
                step += 1
                candidate = [1, 2, 5][step % 3] * Int(pow(10, Double(step / 3)))
            }
            number = candidate
        }
        var timing = Timing(loops: number)
        for _ in 0..<runs { try timing.measure(once) }
        output(timing.meanReport + "\n")
    }

    // MARK: - :help

    private func metaHelp(_ topic: String?, fail: (String) -> ScriptError) throws {
        guard let topic else {
            let width = Self.metaCommands.map(\.usage.count).max() ?? 0
            var text = "Meta-commands (the shell and piped input; not part of the language):\n"
            for command in Self.metaCommands {
                text += "  " + command.usage + String(repeating: " ", count: width - command.usage.count)
                    + "  " + command.summary + "\n"
            }
            text += "Results are numbered: Out[n] in the shell; _n is result n and _ the last one.\n"
            text += "help() lists the builtins; :help NAME explains one.\n"
            output(text)
            return
        }
        let name = topic.hasPrefix(":") ? String(topic.dropFirst()) : topic
        if let command = Self.metaCommands.first(where: { $0.name == name }) {
            output("\(command.usage)\n  \(command.summary)\n")
        } else if Builtins.byName[name] != nil || name == "syntax" {
            try run("help(\(Value.quote(name)))", file: "<stdin>", echo: .none)
        } else {
            throw fail(":help: no builtin or meta-command named '\(name)'")
        }
    }

    // MARK: - Files

    private func expand(_ path: String) -> String {
        path.hasPrefix("~") ? (path as NSString).expandingTildeInPath : path
    }
}
