import ArgumentParser
import CNNKit
import Foundation

/// `cnns bench [--json] [--threads N] [CASE…]`: times the standard cases of SPEC §6 and reports each
/// one's median, GFLOP/s and percent of the SGEMM rate measured first on this machine. Parsed by
/// ArgumentParser like the rest of the command line (main.swift dispatches the word `bench` here).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cnns bench",
        abstract: "Times the standard performance cases (float32, NCHW; random inputs).",
        discussion: """
            Each case is warmed up, then run at least 10 times and for at least a second; the median is \
            reported with GFLOP/s (FLOPs = 2·N·Cout·Hout·Wout·Cin·k·k) and the percent of the engine's \
            SGEMM rate measured first.

            cases (default: all available):
              L1     lenet       64,1,28,28 → 32, 5×5, s1, p0
              R3     resnet 3×3  8,64,56,56 → 64, 3×3, s1, p1
              S2     strided     8,64,56,56 → 128, 3×3, s2, p1
              P1     pointwise   8,256,56,56 → 64, 1×1, s1, p0
              ST     stem        8,3,224,224 → 64, 7×7, s2, p3
              POOL   max and average 2×2 s2 on 8,64,112,112
              R3B    R3's backward pass (input and weight gradients; FLOPs twice R3's)
              TRAIN  one LeNet-5 training step, batch 64 (SGD with momentum), in images/s
              RESNET18  ResNet-18 inference at 224×224: batch 1 latency and batch 8 images/s
            """)

    @Flag(help: "Print one JSON object instead of the table.")
    var json = false

    @Option(help: ArgumentHelp("Worker threads (default: every core, \(Engine.threads) here).", valueName: "n"))
    var threads: Int?

    @Argument(help: ArgumentHelp("The cases to time, in any case (default: all available).", valueName: "case"))
    var cases: [String] = []

    mutating func validate() throws {
        if let threads, threads < 1 {
            throw ValidationError("--threads needs a positive integer, got \(threads)")
        }
        for name in cases where !BenchCases.available.contains(name.uppercased()) {
            throw ValidationError("unknown case '\(name)' (cases: \(BenchCases.available.joined(separator: " ")))")
        }
    }

    /// Runs the cases and prints the report; returns the exit status (0, or 1 when SGEMM fails).
    func runCases() -> Int32 {
        if let threads { Engine.threads = threads }
        var names: [String] = []
        for name in cases.map({ $0.uppercased() }) where !names.contains(name) { names.append(name) }
        return Self.report(names: names.isEmpty ? BenchCases.available : names, json: json)
    }

    private static func report(names: [String], json: Bool) -> Int32 {
        let progress = BenchProgress()
        let peak: BenchResult
        do {
            progress.show("measuring the SGEMM peak…")
            defer { progress.clear() }
            peak = try BenchTiming.sgemmPeak()
        } catch {
            FileHandle.standardError.write(Data("cnns bench: SGEMM failed: \(error)\n".utf8))
            return 1
        }
        let peakRate = peak.gflops ?? 0
        var rows: [BenchRow] = [.done(peak)]
        if !json {
            print(BenchRow.banner(threads: Engine.threads))
            print(BenchRow.header)
            print(rows[0].line(peak: peakRate))
        }
        for name in names {
            for benchCase in BenchCases.cases(named: name) {
                let row: BenchRow
                progress.show("timing \(benchCase.name) (\(benchCase.shape))…")
                defer { progress.clear() }
                do {
                    let body = try benchCase.prepare()
                    let (ms, runs) = try BenchTiming.median(body)
                    row = .done(BenchResult(name: benchCase.name, shape: benchCase.shape, medianMs: ms, runs: runs,
                                            gflops: benchCase.flops.map { $0 / (ms * 1e6) },
                                            imagesPerSecond: benchCase.itemsPerRun.map { Double($0) / ms * 1000 },
                                            parameters: benchCase.parameters))
                } catch {
                    row = .failed(benchCase, "\(error)")
                }
                rows.append(row)
                if !json { print(row.line(peak: peakRate)) }
            }
        }
        if json { print(BenchRow.json(rows, threads: Engine.threads, peak: peakRate)) }
        return 0
    }
}

/// A status line on stderr while a case runs, redrawn in place, only when stderr is a terminal: pipes
/// and `--json` consumers see the results alone.
struct BenchProgress {
    let live = isatty(STDERR_FILENO) == 1

    func show(_ text: String) {
        guard live else { return }
        FileHandle.standardError.write(Data(("\r\u{1B}[2K" + text).utf8))
    }

    func clear() {
        guard live else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
    }
}
