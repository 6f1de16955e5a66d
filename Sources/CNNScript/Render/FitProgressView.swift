import CNNKit
import Foundation

/// What `fit` shows while it trains, as text for `session.output` (the language never touches the
/// terminal itself; `Presentation.live` says whether it may redraw).
///
/// Live (a terminal), Keras style: an `Epoch 1/5` line, then one line redrawn in place with "\r" and
/// an ANSI clear-line — no newline until the epoch ends —
/// ` 37/235 ━━━━━━━━━━━──────── ETA 2s 12ms/step - 5213 img/s - loss: 0.4123 - acc: 0.8512`,
/// (`[=====>    ]` without Unicode), finished with the epoch's time and validation numbers.
/// Not live (a pipe or a file): exactly one plain line per epoch, which stays readable when tee'd
/// (keras-team/keras#8414):
/// `epoch 1/5  loss 0.4123  acc 0.8512  val_loss 0.3900  val_acc 0.8600  5213 img/s  11.2s`.
struct FitProgressView {
    let presentation: Presentation
    /// Redraws come at most this often (the last batch of an epoch always draws).
    var interval = 0.05
    private var lastDraw = -Double.infinity
    private var headerEpoch = 0

    static let clearLine = "\r\u{1B}[2K"
    static let barWidth = 20

    init(presentation: Presentation) { self.presentation = presentation }

    /// The text to output for one progress report, or nil when nothing is drawn this time.
    /// `now` is a monotonic clock in seconds.
    mutating func render(_ p: FitProgress, now: Double) -> String? {
        guard presentation.live else {
            return p.phase == .epochEnd ? FitProgressView.plainLine(p) + "\n" : nil
        }
        var out = ""
        if headerEpoch != p.epoch {
            headerEpoch = p.epoch
            out += "Epoch \(p.epoch)/\(p.epochs)\n"
            lastDraw = -Double.infinity
        }
        switch p.phase {
        case .batch:
            guard now - lastDraw >= interval || p.batch >= p.batches || !out.isEmpty else { return nil }
            lastDraw = now
            return out + FitProgressView.clearLine + barLine(p)
        case .epochEnd:
            return out + FitProgressView.clearLine + barLine(p) + "\n"
        }
    }

    /// The line after an interrupt: where training stopped and what was kept.
    static func stoppedLine(epoch: Int, batch: Int, batches: Int, live: Bool) -> String {
        (live ? clearLine : "") + "training stopped at epoch \(epoch), batch \(batch)/\(batches): the weights learned so far are kept\n"
    }

    func barLine(_ p: FitProgress) -> String {
        let total = max(p.batches, 1)
        let done = min(max(p.batch, 0), total)
        let digits = String(total).count
        let counter = String(repeating: " ", count: max(0, digits - String(done).count)) + "\(done)/\(total)"
        var parts = [counter + " " + bar(Double(done) / Double(total))]
        let perStep = done > 0 ? p.elapsed / Double(done) : 0
        if p.phase == .epochEnd {
            parts[0] += " " + FitProgressView.duration(p.elapsed) + " " + FitProgressView.milliseconds(perStep) + "/step"
        } else {
            parts[0] += " ETA " + FitProgressView.duration(perStep * Double(total - done)) + " " + FitProgressView.milliseconds(perStep) + "/step"
        }
        parts.append("\(Int(p.imagesPerSecond.rounded())) img/s")
        parts.append(String(format: "loss: %.4f", Double(p.loss)))
        parts.append(String(format: "acc: %.4f", Double(p.accuracy)))
        if let v = p.valLoss { parts.append(String(format: "val_loss: %.4f", Double(v))) }
        if let v = p.valAccuracy { parts.append(String(format: "val_acc: %.4f", Double(v))) }
        return parts.joined(separator: " - ")
    }

    /// `━━━━━━━━────` (Unicode) or `[=======>    ]` (ASCII), `fraction` in 0…1.
    func bar(_ fraction: Double) -> String {
        let w = FitProgressView.barWidth
        let filled = Int((min(max(fraction, 0), 1) * Double(w)).rounded(.down))
        if presentation.unicode {
            return String(repeating: "━", count: filled) + String(repeating: "─", count: w - filled)
        }
        if filled >= w { return "[" + String(repeating: "=", count: w) + "]" }
        return "[" + String(repeating: "=", count: filled) + ">" + String(repeating: " ", count: w - filled - 1) + "]"
    }

    static func plainLine(_ p: FitProgress) -> String {
        var parts = ["epoch \(p.epoch)/\(p.epochs)",
                     String(format: "loss %.4f", Double(p.loss)),
                     String(format: "acc %.4f", Double(p.accuracy))]
        if let v = p.valLoss { parts.append(String(format: "val_loss %.4f", Double(v))) }
        if let v = p.valAccuracy { parts.append(String(format: "val_acc %.4f", Double(v))) }
        parts.append("\(Int(p.imagesPerSecond.rounded())) img/s")
        parts.append(String(format: "%.1fs", p.elapsed))
        return parts.joined(separator: "  ")
    }

    /// `7s`, `2m05s`, `1h03m`
    static func duration(_ seconds: Double) -> String {
        let s = Int(max(0, seconds).rounded())
        if s < 60 { return "\(s)s" }
        if s < 3600 { return String(format: "%dm%02ds", s / 60, s % 60) }
        return String(format: "%dh%02dm", s / 3600, (s % 3600) / 60)
    }

    /// `12ms`, `1.2s`, and a decimal for fast steps (`0.4ms`) so small models do not read `0ms`.
    static func milliseconds(_ seconds: Double) -> String {
        if seconds >= 1 { return String(format: "%.1fs", seconds) }
        if seconds < 0.0095 { return String(format: "%.1fms", seconds * 1000) }
        return "\(Int((seconds * 1000).rounded()))ms"
    }
}
