/// Signed distance functions of the ten `shapes` classes, in shape-local units: the shape is centred
/// on the origin and fits in the unit disc, y points down (image rows). Negative inside, positive
/// outside; the renderer scales the distance to pixels and turns it into 1-pixel antialiased coverage.
/// Formulas after Inigo Quilez's 2D distance functions.
enum ShapeSDF {
    /// Distance to class `label`'s shape; `half` is the half stroke width of the line-drawn classes.
    @inline(__always)
    static func distance(_ label: Int, _ x: Float, _ y: Float, half: Float) -> Float {
        switch label {
        case 0: return length(x, y) - 0.85                                        // circle (disc)
        case 1: return box(x, y, 0.7, 0.7)                                        // square
        case 2: return triangle(x, -y, 0.82)                                      // triangle, apex up
        case 3: return min(box(x, y, 0.85, half), box(x, y, half, 0.85))         // plus
        case 4: return box(x, y, 0.9, half)                                       // horizontal bar
        case 5: return box(x, y, half, 0.9)                                       // vertical bar
        case 6: return abs(length(x, y) - 0.72) - half                            // ring
        case 7: return (abs(x) + abs(y) - 0.95) * 0.70710678                      // diamond
        case 8:                                                                   // cross (X)
            let u = (x + y) * 0.70710678, v = (x - y) * 0.70710678
            return min(box(u, v, 0.85, half), box(u, v, half, 0.85))
        default: return star5(x, -y, 0.95, 0.45)                                  // five-pointed star
        }
    }

    @inline(__always)
    static func length(_ x: Float, _ y: Float) -> Float { (x * x + y * y).squareRoot() }

    /// Axis-aligned box of half sizes bx × by.
    @inline(__always)
    static func box(_ x: Float, _ y: Float, _ bx: Float, _ by: Float) -> Float {
        let dx = abs(x) - bx, dy = abs(y) - by
        return length(max(dx, 0), max(dy, 0)) + min(max(dx, dy), 0)
    }

    /// Equilateral triangle with half side r, centroid at the origin, apex towards +y.
    static func triangle(_ px: Float, _ py: Float, _ r: Float) -> Float {
        let k: Float = 1.7320508
        var x = abs(px) - r
        var y = py + r / k
        if x + k * y > 0 {
            (x, y) = ((x - k * y) / 2, (-k * x - y) / 2)
        }
        x -= min(max(x, -2 * r), 0)
        return -length(x, y) * (y < 0 ? -1 : 1)
    }

    /// Five-pointed star of outer radius r and inner ratio rf, a point towards +y.
    static func star5(_ px: Float, _ py: Float, _ r: Float, _ rf: Float) -> Float {
        let k1x: Float = 0.809016994375, k1y: Float = -0.587785252292
        let k2x: Float = -k1x, k2y: Float = k1y
        var x = abs(px), y = py
        var d = 2 * max(k1x * x + k1y * y, 0)
        x -= d * k1x; y -= d * k1y
        d = 2 * max(k2x * x + k2y * y, 0)
        x -= d * k2x; y -= d * k2y
        x = abs(x)
        y -= r
        let bax = rf * -k1y, bay = rf * k1x - 1
        let h = min(max((x * bax + y * bay) / (bax * bax + bay * bay), 0), r)
        let s: Float = (y * bax - x * bay) < 0 ? -1 : 1
        return length(x - bax * h, y - bay * h) * s
    }
}
