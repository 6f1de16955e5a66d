import CNNKit
import Dispatch
import Foundation

/// What loading a large file shows while the engine reads it, as text for `session.output` (the
/// language never touches the terminal itself; `Presentation.live` says whether it may redraw).
///
/// Live (a terminal), for a file of at least `Settings.threshold` bytes: one line redrawn in place
/// with "\r" and an ANSI clear-line, `loading resnet18.safetensors 45.3/46.8 MB ━━━━━━━━━━━━━━━━━━━─`,
/// kept at 100% while the bytes are decoded, and cleared when the load ends — loaded, failed or
/// interrupted — so what follows (the value, an error) starts on a clean line.
/// Not live (a pipe, a redirected script, a transcript): nothing at all. A load has no result worth a
/// line of its own, and a pipe's stdout must stay stable data whatever the file's size (as `evaluate`,
/// which shows its bar only on a terminal; `fit` prints a line per epoch because those are results).
///
/// Every report also calls `session.checkCancel()`, so Ctrl-C stops a long load between chunks
/// (the engine checks `Engine.checkCancel()` there as well).
final class LoadProgressLine {
    /// When a load shows progress and how often it redraws; `Session.loadProgress` holds the
    /// session's (tests lower the threshold to see the line with small files).
    struct Settings {
        /// 16 MiB: smaller files load in a fraction of a second, where a flash of a bar is noise.
        static let defaultThreshold = 16 << 20
        /// Files of at least this many bytes show the line.
        var threshold = Settings.defaultThreshold
        /// Seconds between redraws; the first report and the last (100%) always draw.
        var interval = 0.1
        /// Bytes the engine reads between reports.
        var step = ByteProgress.defaultStep
    }

    /// For the help of every builtin that loads files.
    static let note = "On a terminal a load of \(Settings.defaultThreshold >> 20) MiB or more shows a progress line, cleared when it is done (nothing in pipes or files); Ctrl-C stops it."

    private let label: String
    private let session: Session
    private let settings: Settings
    private var lastDraw = -Double.infinity
    private var drawn = false

    init(_ label: String, session: Session) {
        self.label = label
        self.session = session
        self.settings = session.loadProgress
    }

    /// Runs `body` — a load that reads through the progress it is given and then decodes — showing
    /// the line while it runs and clearing it when `body` returns or throws.
    static func run<T>(_ label: String, session: Session, _ body: (ByteProgress) throws -> T) throws -> T {
        let line = LoadProgressLine(label, session: session)
        defer { line.finish() }
        return try body(ByteProgress(step: line.settings.step) { done, total in try line.report(done, total) })
    }

    /// One report from the engine: checks for a cancel, then redraws when the line is shown and due.
    func report(_ done: Int, _ total: Int) throws {
        try session.checkCancel()
        guard session.presentation.live, total >= settings.threshold else { return }
        let now = Double(DispatchTime.now().uptimeNanoseconds) / 1e9
        guard !drawn || done >= total || now - lastDraw >= settings.interval else { return }
        lastDraw = now
        drawn = true
        session.output(FitProgressView.clearLine + text(done, total))
    }

    /// Clears the line if it was drawn.
    func finish() {
        if drawn { session.output(FitProgressView.clearLine) }
        drawn = false
    }

    /// `loading NAME 45.3/46.8 MB ━━━━━━━━━━━━━━──────`: the label shortened from the left (`…`) when
    /// the line would not fit the terminal, since a redraw that wraps cannot be cleared.
    func text(_ done: Int, _ total: Int) -> String {
        let tail = " " + LoadProgressLine.sizes(done, total) + " "
            + FitProgressView(presentation: session.presentation).bar(total > 0 ? Double(done) / Double(total) : 1)
        let room = session.presentation.width - 1 - tail.count
        var name = label
        if name.count > room { name = room > 1 ? "…" + String(label.suffix(room - 1)) : "" }
        return name + tail
    }

    /// `45.3/46.8 MB`: decimal units, as file managers and `ls -h --si` show sizes, chosen by the total.
    static func sizes(_ done: Int, _ total: Int) -> String {
        let (unit, scale, format): (String, Double, String) =
            total >= 1_000_000_000 ? ("GB", 1e9, "%.2f") : total >= 1_000_000 ? ("MB", 1e6, "%.1f") : ("kB", 1e3, "%.1f")
        return String(format: format, Double(done) / scale) + "/" + String(format: format, Double(total) / scale) + " " + unit
    }
}
