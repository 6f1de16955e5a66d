import Foundation

/// The numbers behind a heat map: the value range, area-average downsampling, and the mapping of one
/// value to a ramp character or a colour.
struct HeatStats {
    /// Smallest and largest non-NaN value (may be infinite): what the header reports.
    var min: Float = .infinity, max: Float = -.infinity
    /// Smallest and largest finite value: what the scale spans, so one `inf` cannot flatten the map.
    var finiteMin: Float = .infinity, finiteMax: Float = -.infinity
    var hasNaN = false

    init(_ values: UnsafeBufferPointer<Float>) {
        for v in values {
            if v.isNaN { hasNaN = true; continue }
            min = Swift.min(min, v); max = Swift.max(max, v)
            if v.isFinite { finiteMin = Swift.min(finiteMin, v); finiteMax = Swift.max(finiteMax, v) }
        }
        if finiteMin > finiteMax { finiteMin = 0; finiteMax = 0 }   // no finite value at all
    }

    var hasValues: Bool { min <= max }
    var isConstant: Bool { finiteMin == finiteMax }
    /// Signed data gets the diverging colour map centred on 0.
    var isSigned: Bool { min < 0 }

    /// Position of `v` on the scale, 0…1; a constant map sits in the middle. NaN → nil.
    func unit(_ v: Float) -> Float? {
        if v.isNaN { return nil }
        if v == .infinity { return 1 }
        if v == -.infinity { return 0 }
        let range = finiteMax - finiteMin
        guard range > 0 else { return 0.5 }
        return Swift.min(Swift.max((v - finiteMin) / range, 0), 1)
    }

    /// Position of `v` on the diverging scale, -1…1 with 0 at zero. NaN → nil.
    func signedUnit(_ v: Float) -> Float? {
        if v.isNaN { return nil }
        let m = Swift.max(abs(finiteMin), abs(finiteMax))
        if v.isInfinite { return v > 0 ? 1 : -1 }
        guard m > 0 else { return 0 }
        return Swift.min(Swift.max(v / m, -1), 1)
    }
}

/// The area average of an `h×w` map in `factor×factor` blocks (partial blocks at the right and bottom
/// edges average what they hold); NaN entries are skipped, so a block is NaN only when all of it is.
/// Returns the `ceil(h/factor)×ceil(w/factor)` result, row-major.
func downsample(_ map: UnsafeBufferPointer<Float>, h: Int, w: Int, factor f: Int) -> [Float] {
    if f <= 1 { return Array(map) }
    let oh = (h + f - 1) / f, ow = (w + f - 1) / f
    var out = [Float](repeating: .nan, count: oh * ow)
    for i in 0..<oh {
        for j in 0..<ow {
            var sum: Double = 0
            var n = 0
            for y in i * f..<Swift.min((i + 1) * f, h) {
                for x in j * f..<Swift.min((j + 1) * f, w) {
                    let v = map[y * w + x]
                    if !v.isNaN { sum += Double(v); n += 1 }
                }
            }
            if n > 0 { out[i * ow + j] = Float(sum / Double(n)) }
        }
    }
    return out
}

/// A 24-bit colour, quantised to the xterm 256-colour palette when true colour is not available.
struct RGB: Equatable {
    var r: UInt8, g: UInt8, b: UInt8

    /// NaN cells: magenta stands out from both the grey and the blue-white-red maps.
    static let nan = RGB(r: 255, g: 0, b: 255)

    /// ColorBrewer RdBu end points and centre (the map matplotlib calls `RdBu_r`): blue < 0 < red.
    static let blue = RGB(r: 33, g: 102, b: 172)
    static let white = RGB(r: 247, g: 247, b: 247)
    static let red = RGB(r: 178, g: 24, b: 43)

    static func mix(_ a: RGB, _ b: RGB, _ t: Float) -> RGB {
        func c(_ x: UInt8, _ y: UInt8) -> UInt8 { UInt8((Float(x) + (Float(y) - Float(x)) * t).rounded()) }
        return RGB(r: c(a.r, b.r), g: c(a.g, b.g), b: c(a.b, b.b))
    }

    /// Diverging map for `s` in -1…1.
    static func diverging(_ s: Float) -> RGB {
        s < 0 ? mix(white, blue, -s) : mix(white, red, s)
    }

    /// Grey for `t` in 0…1, spanning the same 8…238 levels as xterm's grey ramp 232…255.
    static func grey(_ t: Float) -> RGB {
        let g = UInt8((8 + 230 * t).rounded())
        return RGB(r: g, g: g, b: g)
    }

    /// The nearest entry of the xterm 6×6×6 colour cube (16…231), channel by channel.
    var cubeIndex: Int {
        let levels: [Int] = [0, 95, 135, 175, 215, 255]
        func q(_ x: UInt8) -> Int {
            var best = 0
            for k in 1..<levels.count where abs(levels[k] - Int(x)) < abs(levels[best] - Int(x)) { best = k }
            return best
        }
        return 16 + 36 * q(r) + 6 * q(g) + q(b)
    }
}

/// One colour as an SGR parameter list, foreground or background.
enum ColorCode: Equatable {
    case indexed(Int)
    case rgb(RGB)

    func sgr(background: Bool) -> String {
        switch self {
        case .indexed(let n): return "\u{1B}[\(background ? 48 : 38);5;\(n)m"
        case .rgb(let c): return "\u{1B}[\(background ? 48 : 38);2;\(c.r);\(c.g);\(c.b)m"
        }
    }
}

/// Compact numbers for headers: four significant digits, `%g` style (`-1.25`, `3.5`, `1e-05`).
func compactNumber(_ v: Float) -> String {
    if v.isNaN { return "nan" }
    if v.isInfinite { return v < 0 ? "-inf" : "inf" }
    if v == 0 { return "0" }   // no `-0` in a range
    return String(format: "%.4g", Double(v))
}
