import CNNKit
import Foundation

/// One line of the benchmark report: a timed case or a case that threw.
enum BenchRow {
    case done(BenchResult)
    case failed(BenchCase, String)

    static let header = pad("case", 13) + pad("shape", 42) + lpad("ms", 10) + lpad("GFLOP/s", 10) + lpad("% peak", 8)
        + lpad("img/s", 9)

    func line(peak: Double) -> String {
        switch self {
        case .done(let r):
            let rate = r.gflops.map { String(format: "%.1f", $0) } ?? "—"
            let percent = r.gflops.map { peak > 0 ? String(format: "%.1f", 100 * $0 / peak) : "—" } ?? "—"
            let images = r.imagesPerSecond.map { String(format: "%.0f", $0) } ?? ""
            return Self.pad(r.name, 13) + Self.pad(r.shape, 42) + Self.lpad(String(format: "%.3f", r.medianMs), 10)
                + Self.lpad(rate, 10) + Self.lpad(percent, 8) + Self.lpad(images, 9)
        case .failed(let c, let message):
            return Self.pad(c.name, 13) + Self.pad(c.shape, 42) + "  failed: \(message)"
        }
    }

    /// The first line of the table: what ran, on what.
    static func banner(threads: Int) -> String {
        "cnns bench: \(Kernels.summary); \(threads) thread\(threads == 1 ? "" : "s"), float32 NCHW, "
            + "median of ≥ 10 runs (≥ 1 s) after warm-up"
    }

    /// `{"cpu": …, "vector_extension": …, "kernels": …, "gemm": …, "threads": 2, "sgemm_peak_gflops": …,
    /// "cases": [{"case": "L1", "median_ms": …, …}, …]}`.
    static func json(_ rows: [BenchRow], threads: Int, peak: Double) -> String {
        var cases: [String] = []
        for row in rows {
            switch row {
            case .done(let r):
                var fields = ["\"case\": \(quote(r.name))", "\"shape\": \(quote(r.shape))", "\"status\": \"ok\"",
                              "\"median_ms\": \(number(r.medianMs))", "\"runs\": \(r.runs)"]
                if let g = r.gflops {
                    fields.append("\"gflops\": \(number(g))")
                    if peak > 0 { fields.append("\"percent_peak\": \(number(100 * g / peak))") }
                }
                if let ips = r.imagesPerSecond { fields.append("\"images_per_second\": \(number(ips))") }
                fields.append("\"parameters\": \(object(r.parameters))")
                cases.append("{" + fields.joined(separator: ", ") + "}")
            case .failed(let c, let message):
                cases.append("{\"case\": \(quote(c.name)), \"shape\": \(quote(c.shape)), \"status\": \"failed\", "
                             + "\"error\": \(quote(message)), \"parameters\": \(object(c.parameters))}")
            }
        }
        let machine = "\"cpu\": \(quote(Kernels.cpuDescription)), \"kernels\": \(quote(Kernels.active.name)), "
            + "\"gemm\": \(quote(Kernels.gemmDescription)), "
        return "{" + machine + "\"threads\": \(threads), \"sgemm_peak_gflops\": \(number(peak)), \"cases\": [\n  "
            + cases.joined(separator: ",\n  ") + "\n]}"
    }

    private static func number(_ x: Double) -> String { x.isFinite ? String(format: "%.4f", x) : "null" }

    private static func object(_ d: [String: Int]) -> String {
        "{" + d.keys.sorted().map { "\(quote($0)): \(d[$0] ?? 0)" }.joined(separator: ", ") + "}"
    }

    /// A JSON string literal (the engine's writer, as safetensors headers use).
    static func quote(_ s: String) -> String { JSONValue.quote(s) }

    /// Left-aligned in `width` columns (counting characters, so `×` and `→` take one).
    static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
    }

    static func lpad(_ s: String, _ width: Int) -> String {
        s.count >= width ? " " + s : String(repeating: " ", count: width - s.count) + s
    }
}
