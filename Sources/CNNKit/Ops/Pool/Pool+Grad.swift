// dY: N×C×P×Q (or the input's rank) → dX: N×C×H×W
//
// Pooling gradients, one task per N·C plane (each owns its dX plane: no races).
// - max: the forward pass records, for every output, the position of the tap it chose (PyTorch's
//   rule: the first maximum, a NaN wins; padding is never chosen) and the backward pass adds dY there.
// - avg: dY / divisor is spread over the window's taps inside the input, with exactly the divisor the
//   forward used (Pool+Kernels.swift: count_pad and the ceil-mode clipping to input + padding).
// - global: avg spreads dY / (H·W) over the plane; max routes dY to the plane's first maximum.

extension Tensor {
    /// Max pooling of one plane that also returns, for every output, the plane offset `y·W + x` of the
    /// input it took (−1 for a window with no tap inside the input, which validation rules out).
    static func maxPoolPlaneWithIndices(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>,
                                        _ indices: UnsafeMutablePointer<Int32>, _ g: PoolGeometry) {
        // The taps of a window that fall inside the input, per axis: a range of tap numbers, so the
        // scan below needs no bounds checks.
        func taps(start: Int, count: Int, dilation: Int, size: Int) -> Range<Int> {
            let lo = Swift.min(count, Swift.max(0, ceilDiv(-start, dilation)))
            return lo..<Swift.max(lo, Swift.min(count, ceilDiv(size - start, dilation)))
        }
        for op in 0..<g.p {
            let ys = op * g.sh - g.top
            let rows = taps(start: ys, count: g.kh, dilation: g.dh, size: g.h)
            for oq in 0..<g.q {
                let xs = oq * g.sw - g.left
                let cols = taps(start: xs, count: g.kw, dilation: g.dw, size: g.w)
                var m = -Float.infinity
                var at = -1
                if let i0 = rows.first, let j0 = cols.first {
                    at = (ys + i0 * g.dh) * g.w + xs + j0 * g.dw
                    m = src[at]
                    for i in rows {
                        let line = (ys + i * g.dh) * g.w + xs
                        for j in cols {
                            let v = src[line + j * g.dw]
                            // Strictly larger keeps the first maximum; the first NaN wins and stays.
                            // Selects, not branches: the winner is unpredictable on real data.
                            let take = !(v <= m) && m == m
                            at = take ? line + j * g.dw : at
                            m = take ? v : m
                        }
                    }
                }
                dst[op * g.q + oq] = m
                indices[op * g.q + oq] = Int32(at)
            }
        }
    }

    /// 2×2 stride-2 windows inside the plane (LeNet's and VGG's pools): the same first-maximum and NaN
    /// rule as `maxPoolPlaneWithIndices`, with the four taps unrolled.
    static func maxPool2x2PlaneWithIndices(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>,
                                           _ indices: UnsafeMutablePointer<Int32>, _ g: PoolGeometry) {
        let w = g.w, q = g.q
        for op in 0..<g.p {
            let top = 2 * op * w
            let r0 = src + top, r1 = r0 + w
            let out = dst + op * q, idx = indices + op * q
            for oq in 0..<q {
                let x = 2 * oq
                var m = r0[x], at = top + x
                // Strictly larger, or the first NaN (which then stays): as scalarNanMax, with the position.
                var v = r0[x + 1]
                var take = !(v <= m) && m == m
                at = take ? top + x + 1 : at; m = take ? v : m
                v = r1[x]
                take = !(v <= m) && m == m
                at = take ? top + w + x : at; m = take ? v : m
                v = r1[x + 1]
                take = !(v <= m) && m == m
                at = take ? top + w + x + 1 : at; m = take ? v : m
                out[oq] = m
                idx[oq] = Int32(at)
            }
        }
    }

    /// Adds `dy` / divisor to every input tap of every window of one plane (`dx` zeroed by the caller).
    static func avgPoolPlaneBackward(_ dy: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, _ g: PoolGeometry,
                                     countPad: Bool) {
        for op in 0..<g.p {
            let ys = op * g.sh - g.top
            let ye = Swift.min(ys + g.kh, g.h + g.bottom)
            let y0 = Swift.max(ys, 0), y1 = Swift.min(ye, g.h)
            let rows = countPad ? ye - ys : Swift.max(0, y1 - y0)
            for oq in 0..<g.q {
                let xs = oq * g.sw - g.left
                let xe = Swift.min(xs + g.kw, g.w + g.right)
                let x0 = Swift.max(xs, 0), x1 = Swift.min(xe, g.w)
                let cols = countPad ? xe - xs : Swift.max(0, x1 - x0)
                let share = dy[op * g.q + oq] / Float(rows * cols)
                for y in y0..<Swift.max(y0, y1) {
                    let row = dx + y * g.w
                    for x in x0..<Swift.max(x0, x1) { row[x] += share }
                }
            }
        }
    }

    /// A zeroed tensor of `shape` whose every plane (`inPlane` values) is written by `plane(i, dst)`.
    static func gradientPlanes(_ shape: [Int], planes: Int, inPlane: Int,
                               _ plane: (Int, UnsafeMutablePointer<Float>) -> Void) -> Tensor {
        var dx = [Float](repeating: 0, count: planes * inPlane)
        dx.withUnsafeMutableBufferPointer { buf in
            guard let d = buf.baseAddress else { return }
            parallelFor(planes, minChunk: Swift.max(1, 4096 / Swift.max(1, inPlane))) { i in plane(i, d + i * inPlane) }
        }
        return Tensor(unchecked: shape, scalars: dx)
    }
}

extension Variable {
    /// Differentiable max pooling: the value of `Tensor.maxPool` (same parameters, rank adaptation and
    /// errors); the gradient of each output goes to the input it took. With ties the first maximum in
    /// row-major window order takes it, as in PyTorch.
    public static func maxPool(_ x: Variable, kernel: Size2, stride: Size2? = nil, padding: PaddingSpec = .valid,
                               dilation: Size2 = Size2(1), ceilMode: Bool = false) throws -> Variable {
        guard Autograd.needsGraph(x) else {
            return Variable(try Tensor.maxPool(x.value, kernel: kernel, stride: stride, padding: padding,
                                               dilation: dilation, ceilMode: ceilMode))
        }
        let op = "maxpool"
        let planes = try ImageBatch(x.value.shape, op: op)
        let window = Window2D(kernel: kernel, stride: stride ?? kernel, dilation: dilation,
                              padding: padding, ceilMode: ceilMode)
        let g = try Tensor.poolGeometry(planes, window: window, op: op)
        let inPlane = g.h * g.w, outPlane = g.p * g.q
        let total = planes.planes * outPlane
        var indices = [Int32](repeating: -1, count: total)
        var y = [Float](repeating: 0, count: total)
        x.value.scalars.withUnsafeBufferPointer { src in
            y.withUnsafeMutableBufferPointer { dst in
                indices.withUnsafeMutableBufferPointer { idx in
                    guard let s = src.baseAddress, let d = dst.baseAddress, let ix = idx.baseAddress else { return }
                    let fast = g.is2x2Stride2
                    parallelFor(planes.planes) { i in
                        if fast {
                            Tensor.maxPool2x2PlaneWithIndices(s + i * inPlane, d + i * outPlane, ix + i * outPlane, g)
                        } else {
                            Tensor.maxPoolPlaneWithIndices(s + i * inPlane, d + i * outPlane, ix + i * outPlane, g)
                        }
                    }
                }
            }
        }
        let value = Tensor(unchecked: planes.shape(channels: planes.c, size: Size2(g.p, g.q)), scalars: y)
        let xShape = x.shape, chosen = indices
        return Autograd.record(value, parents: [x]) { gy in
            let dx = gy.scalars.withUnsafeBufferPointer { gb in
                Tensor.gradientPlanes(xShape, planes: planes.planes, inPlane: inPlane) { i, d in
                    guard let gp = gb.baseAddress else { return }
                    for o in 0..<outPlane {
                        let at = Int(chosen[i * outPlane + o])
                        if at >= 0 { d[at] += gp[i * outPlane + o] }
                    }
                }
            }
            return [dx]
        }
    }

    /// Differentiable average pooling: the value of `Tensor.avgPool` (same parameters, divisor rules,
    /// rank adaptation and errors); each output's gradient is shared equally by the inputs it averaged,
    /// divided by the same divisor (padding taps count in it with `countPad`, as in PyTorch).
    public static func avgPool(_ x: Variable, kernel: Size2, stride: Size2? = nil, padding: PaddingSpec = .valid,
                               ceilMode: Bool = false, countPad: Bool = true) throws -> Variable {
        let value = try Tensor.avgPool(x.value, kernel: kernel, stride: stride, padding: padding,
                                       ceilMode: ceilMode, countPad: countPad)
        guard Autograd.needsGraph(x) else { return Variable(value) }
        let planes = try ImageBatch(x.value.shape, op: "avgpool")
        let window = Window2D(kernel: kernel, stride: stride ?? kernel, padding: padding, ceilMode: ceilMode)
        let g = try Tensor.poolGeometry(planes, window: window, op: "avgpool")
        let xShape = x.shape
        return Autograd.record(value, parents: [x]) { gy in
            let outPlane = g.p * g.q
            let dx = gy.scalars.withUnsafeBufferPointer { gb in
                Tensor.gradientPlanes(xShape, planes: planes.planes, inPlane: g.h * g.w) { i, d in
                    guard let gp = gb.baseAddress else { return }
                    Tensor.avgPoolPlaneBackward(gp + i * outPlane, d, g, countPad: countPad)
                }
            }
            return [dx]
        }
    }

    /// Differentiable global average pooling (N×C×1×1, as `Tensor.globalAvgPool`): every input of a
    /// plane gets its output's gradient / (H·W).
    public static func globalAvgPool(_ x: Variable) throws -> Variable {
        let value = try Tensor.globalAvgPool(x.value)
        guard Autograd.needsGraph(x) else { return Variable(value) }
        let planes = try ImageBatch(x.value.shape, op: "gavgpool")
        let xShape = x.shape, size = planes.h * planes.w
        return Autograd.record(value, parents: [x]) { gy in
            let dx = Tensor.gradientPlanes(xShape, planes: planes.planes, inPlane: size) { i, d in
                let share = gy.scalars[i] / Float(size)
                d.update(repeating: share, count: size)
            }
            return [dx]
        }
    }

    /// Differentiable global max pooling (N×C×1×1, as `Tensor.globalMaxPool`): each plane's gradient
    /// goes to its first maximum (its first NaN when it holds one, matching the forward's NaN rule).
    public static func globalMaxPool(_ x: Variable) throws -> Variable {
        let value = try Tensor.globalMaxPool(x.value)
        guard Autograd.needsGraph(x) else { return Variable(value) }
        let planes = try ImageBatch(x.value.shape, op: "gmaxpool")
        let xShape = x.shape, size = planes.h * planes.w
        let xv = x.value
        return Autograd.record(value, parents: [x]) { gy in
            let dx = xv.scalars.withUnsafeBufferPointer { xb in
                Tensor.gradientPlanes(xShape, planes: planes.planes, inPlane: size) { i, d in
                    guard let p = xb.baseAddress.map({ $0 + i * size }) else { return }
                    var at = 0, m = p[0]
                    for j in 1..<Swift.max(1, size) where !m.isNaN && (p[j] > m || p[j].isNaN) {
                        m = p[j]
                        at = j
                    }
                    d[at] = gy.scalars[i]
                }
            }
            return [dx]
        }
    }
}
