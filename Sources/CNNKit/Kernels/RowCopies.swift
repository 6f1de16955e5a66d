// Short row copies the convolutions' layouts are built from: output rows are short (24, 28, 56 …), where
// a memcpy call per row, or a loop with a scalar tail, costs as much as the copy itself.

/// dst[j] = src[2·j] for j in `range`: 32 input floats → their 16 even ones per step, while every load
/// stays within src[2·lowerBound ... 2·(upperBound - 1)], the values the row may read. The last part
/// step is one whole step ending at the last value (its 32 floats start one early, so the wanted ones
/// are the odd half), rewriting a few outputs with the same values: short rows (28 outputs at S2)
/// would otherwise spend most of their time in a scalar tail.
@inline(__always)
func deinterleaveEven(_ src: UnsafePointer<Float>, into dst: UnsafeMutablePointer<Float>, _ range: Range<Int>) {
    var j = range.lowerBound
    while j + 16 < range.upperBound {
        let v = UnsafeRawPointer(src + 2 * j).loadUnaligned(as: SIMD32<Float>.self)
        UnsafeMutableRawPointer(dst + j).storeBytes(of: v.evenHalf, as: SIMD16<Float>.self)
        j += 16
    }
    guard j < range.upperBound else { return }
    let last = range.upperBound - 16
    if last > range.lowerBound {
        let v = UnsafeRawPointer(src + 2 * last - 1).loadUnaligned(as: SIMD32<Float>.self)
        UnsafeMutableRawPointer(dst + last).storeBytes(of: v.oddHalf, as: SIMD16<Float>.self)
        return
    }
    while j < range.upperBound { dst[j] = src[2 * j]; j += 1 }
}

/// dst[0..<count] = src[0..<count] (+ bias): output rows are short (24, 28, 56 …), where a memcpy call
/// or a loop with a scalar tail costs as much as the copy; 16- and 4-wide vectors cover nearly all.
@inline(__always)
func copyRow(_ src: UnsafePointer<Float>, to dst: UnsafeMutablePointer<Float>, count: Int, adding bias: Float?) {
    let s = UnsafeRawPointer(src), d = UnsafeMutableRawPointer(dst)
    var j = 0
    if let bias {
        while j + 16 <= count {
            d.storeBytes(of: s.loadUnaligned(fromByteOffset: 4 * j, as: SIMD16<Float>.self) + bias, toByteOffset: 4 * j, as: SIMD16<Float>.self)
            j += 16
        }
        while j + 4 <= count {
            d.storeBytes(of: s.loadUnaligned(fromByteOffset: 4 * j, as: SIMD4<Float>.self) + bias, toByteOffset: 4 * j, as: SIMD4<Float>.self)
            j += 4
        }
        while j < count { dst[j] = src[j] + bias; j += 1 }
    } else {
        while j + 16 <= count {
            d.storeBytes(of: s.loadUnaligned(fromByteOffset: 4 * j, as: SIMD16<Float>.self), toByteOffset: 4 * j, as: SIMD16<Float>.self)
            j += 16
        }
        while j + 4 <= count {
            d.storeBytes(of: s.loadUnaligned(fromByteOffset: 4 * j, as: SIMD4<Float>.self), toByteOffset: 4 * j, as: SIMD4<Float>.self)
            j += 4
        }
        while j < count { dst[j] = src[j]; j += 1 }
    }
}
