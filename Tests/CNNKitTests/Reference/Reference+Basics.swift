@testable import CNNKit
import Foundation

/// Plainly written references for the basic ops: one multi-index at a time, no merging of axes, no
/// fast paths, sums in Double. The engine's kernels are checked against these on random shapes.
enum BasicsRef {
    // MARK: Multi-index helpers

    /// The multi-index of flat position `flat` in a row-major tensor of `shape`.
    static func unravel(_ flat: Int, _ shape: [Int]) -> [Int] {
        var index = [Int](repeating: 0, count: shape.count)
        var rest = flat
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            index[axis] = rest % shape[axis]
            rest /= shape[axis]
        }
        return index
    }

    /// The flat row-major position of `index` in a tensor of `shape`.
    static func ravel(_ index: [Int], _ shape: [Int]) -> Int {
        var flat = 0
        for axis in 0..<shape.count { flat = flat * shape[axis] + index[axis] }
        return flat
    }

    static func element(_ t: Tensor, _ index: [Int]) -> Float { t.scalars[ravel(index, t.shape)] }

    // MARK: Broadcasting

    /// NumPy's broadcast shape, or nil when the shapes do not broadcast.
    static func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int]? {
        let rank = max(a.count, b.count)
        let pa = [Int](repeating: 1, count: rank - a.count) + a
        let pb = [Int](repeating: 1, count: rank - b.count) + b
        var out: [Int] = []
        for i in 0..<rank {
            if pa[i] == pb[i] { out.append(pa[i]) } else if pa[i] == 1 { out.append(pb[i]) } else if pb[i] == 1 { out.append(pa[i]) } else { return nil }
        }
        return out
    }

    /// The element of `t` that position `outIndex` of a broadcast result reads.
    static func broadcastElement(_ t: Tensor, _ outIndex: [Int]) -> Float {
        let lead = outIndex.count - t.rank
        let index = (0..<t.rank).map { t.shape[$0] == 1 ? 0 : outIndex[$0 + lead] }
        return element(t, index)
    }

    static func binary(_ a: Tensor, _ b: Tensor, _ f: (Float, Float) -> Float) -> Tensor? {
        guard let out = broadcastShape(a.shape, b.shape) else { return nil }
        let n = out.reduce(1, *)
        var values: [Float] = []
        for i in 0..<n {
            let idx = unravel(i, out)
            values.append(f(broadcastElement(a, idx), broadcastElement(b, idx)))
        }
        return Tensor(unchecked: out, scalars: values)
    }

    // MARK: Reductions

    enum Reduction { case sum, mean, max, min, std }

    /// Reduces over `axes` (already non-negative and distinct) by visiting every input element.
    static func reduce(_ x: Tensor, axes: [Int], keepdims: Bool, _ kind: Reduction) -> Tensor {
        let reduced = Set(axes)
        let keptShape = (0..<x.rank).map { reduced.contains($0) ? 1 : x.shape[$0] }
        let outCount = keptShape.reduce(1, *)
        var groups = [[Double]](repeating: [], count: outCount)
        for i in 0..<x.count {
            var idx = unravel(i, x.shape)
            for a in reduced { idx[a] = 0 }
            groups[ravel(idx, keptShape)].append(Double(x.scalars[i]))
        }
        let values: [Float] = groups.map { g in
            switch kind {
            case .sum: return Float(g.reduce(0, +))
            case .mean: return Float(g.reduce(0, +) / Double(g.count))
            case .max: return Float(g.max() ?? .nan)
            case .min: return Float(g.min() ?? .nan)
            case .std:
                let m = g.reduce(0, +) / Double(g.count)
                return Float((g.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(g.count)).squareRoot())
            }
        }
        let outShape = keepdims ? keptShape : (0..<x.rank).filter { !reduced.contains($0) }.map { x.shape[$0] }
        return Tensor(unchecked: outShape, scalars: values)
    }

    /// First index of the largest value along `axis`.
    static func argmax(_ x: Tensor, axis: Int, keepdims: Bool) -> Tensor {
        var outShape = x.shape
        outShape[axis] = 1
        var values: [Float] = []
        for o in 0..<outShape.reduce(1, *) {
            var idx = unravel(o, outShape)
            var best = -Float.infinity, bestK = 0
            for k in 0..<x.shape[axis] {
                idx[axis] = k
                let v = element(x, idx)
                if k == 0 || v > best { best = v; bestK = k }
            }
            values.append(Float(bestK))
        }
        if !keepdims { outShape.remove(at: axis) }
        return Tensor(unchecked: outShape, scalars: values)
    }

    // MARK: Shape ops

    /// Result axis i is input axis `axes[i]`.
    static func permute(_ x: Tensor, _ axes: [Int]) -> Tensor {
        let outShape = axes.map { x.shape[$0] }
        var values: [Float] = []
        for i in 0..<x.count {
            let outIdx = unravel(i, outShape)
            var inIdx = [Int](repeating: 0, count: x.rank)
            for (k, a) in axes.enumerated() { inIdx[a] = outIdx[k] }
            values.append(element(x, inIdx))
        }
        return Tensor(unchecked: outShape, scalars: values)
    }

    static func concat(_ ts: [Tensor], axis: Int) -> Tensor {
        var outShape = ts[0].shape
        outShape[axis] = ts.map { $0.shape[axis] }.reduce(0, +)
        var values: [Float] = []
        for i in 0..<outShape.reduce(1, *) {
            var idx = unravel(i, outShape)
            var t = 0
            while idx[axis] >= ts[t].shape[axis] { idx[axis] -= ts[t].shape[axis]; t += 1 }
            values.append(element(ts[t], idx))
        }
        return Tensor(unchecked: outShape, scalars: values)
    }

    /// Constant padding with per-axis `begin`/`end`.
    static func pad(_ x: Tensor, begin: [Int], end: [Int], value: Float) -> Tensor {
        let outShape = (0..<x.rank).map { x.shape[$0] + begin[$0] + end[$0] }
        var values: [Float] = []
        for i in 0..<outShape.reduce(1, *) {
            let idx = unravel(i, outShape)
            let inIdx = (0..<x.rank).map { idx[$0] - begin[$0] }
            let inside = (0..<x.rank).allSatisfy { inIdx[$0] >= 0 && inIdx[$0] < x.shape[$0] }
            values.append(inside ? element(x, inIdx) : value)
        }
        return Tensor(unchecked: outShape, scalars: values)
    }

    // MARK: Indexing

    /// The positions a Python slice takes from an axis of `size`, found by testing every candidate
    /// position rather than by computing a count.
    static func slicePositions(start: Int?, end: Int?, step: Int?, size: Int) -> [Int] {
        let step = step ?? 1
        if step > 0 {
            var s = start ?? 0
            if s < 0 { s = max(s + size, 0) }
            var e = end ?? size
            if e < 0 { e = max(e + size, 0) }
            e = min(e, size)
            return (0..<size).filter { $0 >= s && $0 < e && ($0 - s) % step == 0 }
        } else {
            var s = start ?? size - 1
            if s < 0 { s += size }
            s = min(s, size - 1)
            var e = end ?? -1
            if end != nil && e < 0 { e = max(e + size, -1) }
            return (0..<size).reversed().filter { $0 <= s && $0 > e && (s - $0) % (-step) == 0 }
        }
    }

    static func index(_ x: Tensor, _ items: [IndexItem]) -> Tensor {
        var positions: [[Int]] = []
        var keep: [Bool] = []
        for axis in 0..<x.rank {
            let item = axis < items.count ? items[axis] : .slice(start: nil, end: nil, step: nil)
            switch item {
            case .index(let i):
                positions.append([i < 0 ? i + x.shape[axis] : i]); keep.append(false)
            case .slice(let s, let e, let st):
                positions.append(slicePositions(start: s, end: e, step: st, size: x.shape[axis])); keep.append(true)
            }
        }
        let walkShape = positions.map(\.count)
        var values: [Float] = []
        for i in 0..<walkShape.reduce(1, *) {
            let w = unravel(i, walkShape)
            values.append(element(x, (0..<x.rank).map { positions[$0][w[$0]] }))
        }
        let outShape = (0..<x.rank).filter { keep[$0] }.map { walkShape[$0] }
        return Tensor(unchecked: outShape, scalars: values)
    }

    // MARK: Matmul

    /// Triple loop per batch, with NumPy's promotion of 1-D operands and batch broadcasting.
    static func matmul(_ a: Tensor, _ b: Tensor) -> Tensor {
        let a2 = a.rank == 1 ? Tensor(unchecked: [1, a.shape[0]], scalars: a.scalars) : a
        let b2 = b.rank == 1 ? Tensor(unchecked: [b.shape[0], 1], scalars: b.scalars) : b
        let m = a2.shape[a2.rank - 2], k = a2.shape[a2.rank - 1], n = b2.shape[b2.rank - 1]
        let batch = broadcastShape(Array(a2.shape.dropLast(2)), Array(b2.shape.dropLast(2))) ?? []
        let outFull = batch + [m, n]
        var values: [Float] = []
        for i in 0..<outFull.reduce(1, *) {
            let idx = unravel(i, outFull)
            let bi = Array(idx.prefix(batch.count)), r = idx[batch.count], c = idx[batch.count + 1]
            var acc = 0.0
            for p in 0..<k {
                acc += Double(broadcastElement(a2, bi + [r, p])) * Double(broadcastElement(b2, bi + [p, c]))
            }
            values.append(Float(acc))
        }
        var outShape = batch
        if a.rank > 1 { outShape.append(m) }
        if b.rank > 1 { outShape.append(n) }
        return Tensor(unchecked: outShape, scalars: values)
    }
}
