/// A 3×5 pixel bitmap font for the labels `ImageGrid` draws above its tiles (`n0 c3`, `k12`): digits, the
/// few letters labels use, and a little punctuation. Characters it lacks draw as blanks.
enum ImageFont {
    static let glyphWidth = 3
    static let glyphHeight = 5
    /// Columns between glyphs.
    static let spacing = 1

    /// Each glyph as five rows of three pixels, `#` on.
    private static let glyphs: [Character: [String]] = [
        "0": ["###", "#.#", "#.#", "#.#", "###"],
        "1": [".#.", "##.", ".#.", ".#.", "###"],
        "2": ["###", "..#", "###", "#..", "###"],
        "3": ["###", "..#", ".##", "..#", "###"],
        "4": ["#.#", "#.#", "###", "..#", "..#"],
        "5": ["###", "#..", "###", "..#", "###"],
        "6": ["###", "#..", "###", "#.#", "###"],
        "7": ["###", "..#", ".#.", ".#.", ".#."],
        "8": ["###", "#.#", "###", "#.#", "###"],
        "9": ["###", "#.#", "###", "..#", "###"],
        "n": ["...", "##.", "#.#", "#.#", "#.#"],
        "c": ["...", ".##", "#..", "#..", ".##"],
        "k": ["#..", "#.#", "##.", "#.#", "#.#"],
        "x": ["...", "#.#", ".#.", "#.#", "#.#"],
        "-": ["...", "...", "###", "...", "..."],
        ".": ["...", "...", "...", "...", ".#."],
        ":": ["...", ".#.", "...", ".#.", "..."],
    ]

    /// Pixel width of `text` at `scale` (no trailing spacing).
    static func width(of text: String, scale: Int = 1) -> Int {
        text.isEmpty ? 0 : (text.count * (glyphWidth + spacing) - spacing) * scale
    }

    /// Whether pixel (x, y) of `glyph` is on; false outside the glyph or for unknown characters.
    static func isOn(_ glyph: Character, x: Int, y: Int) -> Bool {
        guard let rows = glyphs[glyph], (0..<glyphHeight).contains(y), (0..<glyphWidth).contains(x) else { return false }
        return Array(rows[y])[x] == "#"
    }

    /// Draws `text` into an interleaved 8-bit canvas with its top-left corner at (x, y), each font pixel
    /// `scale`×`scale`; pixels falling outside the canvas are skipped.
    static func draw(_ text: String, x: Int, y: Int, scale: Int, value: UInt8,
                     into canvas: inout [UInt8], width: Int, height: Int, channels: Int) {
        for (k, ch) in text.enumerated() {
            let left = x + k * (glyphWidth + spacing) * scale
            for gy in 0..<glyphHeight {
                for gx in 0..<glyphWidth where isOn(ch, x: gx, y: gy) {
                    for dy in 0..<scale {
                        for dx in 0..<scale {
                            let px = left + gx * scale + dx, py = y + gy * scale + dy
                            guard px >= 0, px < width, py >= 0, py < height else { continue }
                            let base = (py * width + px) * channels
                            for c in 0..<channels { canvas[base + c] = value }
                        }
                    }
                }
            }
        }
    }
}
