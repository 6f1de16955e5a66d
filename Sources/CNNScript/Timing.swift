import Dispatch
import Foundation

/// Timed runs of a piece of code, behind `timeit(expr)` and `:timeit STMT`: one clock, one loop, one
/// set of statistics and one duration format. Each keeps its own report, as users know them: the
/// builtin the median and best of single runs, the meta-command IPython's mean ± std. dev. of runs of
/// many loops.
public struct Timing {
    /// How many times the code runs in one timed run.
    let loops: Int
    /// Seconds per loop of each timed run, in order.
    private(set) var perLoop: [Double] = []

    init(loops: Int) { self.loops = loops }

    /// Seconds `body` takes to run `loops` times.
    public static func seconds(loops: Int = 1, _ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<loops { try body() }
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// One timed run of `loops` loops; returns its seconds.
    @discardableResult
    mutating func measure(_ body: () throws -> Void) rethrows -> Double {
        let seconds = try Timing.seconds(loops: loops, body)
        perLoop.append(seconds / Double(loops))
        return seconds
    }

    var best: Double { perLoop.min() ?? 0 }
    var median: Double { perLoop.isEmpty ? 0 : perLoop.sorted()[perLoop.count / 2] }
    var mean: Double { perLoop.isEmpty ? 0 : perLoop.reduce(0, +) / Double(perLoop.count) }
    /// The sample standard deviation (n − 1), 0 for one run.
    var deviation: Double {
        guard perLoop.count > 1 else { return 0 }
        let m = mean
        return (perLoop.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(perLoop.count - 1)).squareRoot()
    }

    /// `median 1.20 µs, best 1.10 µs over 20 runs` (`timeit(expr)`).
    var medianReport: String {
        "median \(Timing.format(median)), best \(Timing.format(best)) over \(Timing.count(perLoop.count, "run"))"
    }

    /// `1.20 µs ± 30.1 ns per loop (mean ± std. dev. of 7 runs, 100000 loops each); best 1.15 µs` (`:timeit`).
    var meanReport: String {
        "\(Timing.format(mean)) ± \(Timing.format(deviation)) per loop (mean ± std. dev. of "
            + "\(Timing.count(perLoop.count, "run")), \(Timing.count(loops, "loop")) each); best \(Timing.format(best))"
    }

    /// `850 ns`, `12.3 µs`, `4.56 ms`, `1.23 s`: three significant digits.
    public static func format(_ seconds: Double) -> String {
        let (value, unit): (Double, String)
        switch abs(seconds) {
        case ..<1e-6: (value, unit) = (seconds * 1e9, "ns")
        case ..<1e-3: (value, unit) = (seconds * 1e6, "µs")
        case ..<1: (value, unit) = (seconds * 1e3, "ms")
        default: (value, unit) = (seconds, "s")
        }
        let digits = abs(value) >= 100 ? 0 : abs(value) >= 10 ? 1 : 2
        return String(format: "%.\(digits)f \(unit)", value)
    }

    static func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
}
