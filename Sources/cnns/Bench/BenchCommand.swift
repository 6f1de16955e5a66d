import CNNKit
import Foundation

/// `cnns bench [--json] [--threads N] [CASE…]`: times the standard cases of SPEC §6 and reports each
/// one's median, GFLOP/s and percent of the SGEMM rate measured first on this machine.
enum BenchCommand {
    static let usage = """
        usage: cnns bench [--json] [--threads N] [CASE…]

        Times the standard performance cases (float32, NCHW; random inputs). Each case is warmed up,
        then run at least 10 times and for at least a second; the median is reported with GFLOP/s
        (FLOPs = 2·N·Cout·Hout·Wout·Cin·k·k) and the percent of the engine's SGEMM rate measured first.

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

        options:
          --json         print one JSON object instead of the table
          --threads N    worker threads (default: every core, \(Engine.threads) here)
          -h, --help     this help
        """

    /// Parses the arguments, runs the cases and prints the report; returns the exit status
    /// (0, or 2 for bad usage).
    static func run(arguments: [String]) -> Int32 {
        var json = false
        var threads: Int?
        var names: [String] = []
        var i = 0
        func fail(_ message: String) -> Int32 {
            FileHandle.standardError.write(Data("cnns bench: \(message)\n\(usage)\n".utf8))
            return 2
        }
        while i < arguments.count {
            let arg = arguments[i]
            switch arg {
            case "--json": json = true
            case "-h", "--help":
                print(usage)
                return 0
            case "--threads":
                i += 1
                guard i < arguments.count else { return fail("--threads needs a number") }
                guard let n = Int(arguments[i]), n >= 1 else { return fail("--threads needs a positive integer, got '\(arguments[i])'") }
                threads = n
            default:
                if arg.hasPrefix("--threads=") {
                    let value = String(arg.dropFirst("--threads=".count))
                    guard let n = Int(value), n >= 1 else { return fail("--threads needs a positive integer, got '\(value)'") }
                    threads = n
                } else if arg.hasPrefix("-") {
                    return fail("unknown option '\(arg)'")
                } else {
                    let name = arg.uppercased()
                    guard BenchCases.available.contains(name) else {
                        return fail("unknown case '\(arg)' (cases: \(BenchCases.available.joined(separator: " ")))")
                    }
                    if !names.contains(name) { names.append(name) }
                }
            }
            i += 1
        }
        if let threads { Engine.threads = threads }
        if names.isEmpty { names = BenchCases.available }
        return report(names: names, json: json)
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
