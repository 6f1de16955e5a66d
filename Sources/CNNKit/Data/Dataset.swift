/// A labelled data set held in memory: `x` is N×C×H×W float32 (images with pixels in 0…1 for the
/// built-in sets; any rank ≥ 2 with samples along axis 0 is accepted), `y` the N class indices stored
/// as floats (the way `cross_entropy` takes them), and `classNames[k]` the name of class k.
///
/// Every transformation returns a new `Dataset` and leaves this one unchanged. Slicing follows
/// Python: out-of-range bounds clamp, negative indices count from the end, nothing ever traps.
public struct Dataset: Equatable, Sendable, CustomStringConvertible {
    public internal(set) var x: Tensor
    public internal(set) var y: Tensor
    public internal(set) var classNames: [String]
    /// Shown by `description` (`fashion-mnist train`).
    public var name: String

    /// Checks that `x` has rank ≥ 2, `y` is a vector of the same length holding whole numbers in
    /// 0..<classCount. Without `classNames`, classes are named "0", "1", … up to the largest label.
    public init(x: Tensor, y: Tensor, classNames: [String]? = nil, name: String = "dataset") throws {
        guard x.rank >= 2 else {
            throw OpError("dataset", "x must hold samples along axis 0 with rank ≥ 2 (N×C×H×W), got shape \(Shape.describe(x.shape))")
        }
        guard y.rank == 1, y.shape[0] == x.shape[0] else {
            throw OpError("dataset", "y must be a vector of \(x.shape[0]) labels (one per sample of x \(Shape.describe(x.shape))), got shape \(Shape.describe(y.shape))")
        }
        var largest = -1
        for (i, v) in y.scalars.enumerated() {
            guard v.isFinite, v >= 0, v == v.rounded(), v < Float(1 << 24) else {
                throw OpError("dataset", "label \(i) is \(v), not a class index (a whole number ≥ 0)")
            }
            largest = max(largest, Int(v))
        }
        let names = classNames ?? (0...max(largest, 0)).map(String.init)
        guard largest < names.count else {
            throw OpError("dataset", "label \(largest) is out of range for \(names.count) class names")
        }
        self.init(unchecked: x, y: y, classNames: names, name: name)
    }

    init(unchecked x: Tensor, y: Tensor, classNames: [String], name: String) {
        self.x = x
        self.y = y
        self.classNames = classNames
        self.name = name
    }

    /// Number of samples (N).
    public var count: Int { x.shape[0] }
    /// Shape of one sample (C×H×W).
    public var sampleShape: [Int] { Array(x.shape.dropFirst()) }
    public var classCount: Int { classNames.count }
    /// The labels as integers.
    public var labels: [Int] { y.scalars.map { Int($0) } }

    /// How many samples each class has.
    public var classCounts: [Int] {
        var counts = [Int](repeating: 0, count: classCount)
        for v in y.scalars { counts[Int(v)] += 1 }
        return counts
    }

    public var description: String {
        "\(name): \(count) × \(Shape.describe(sampleShape)), \(classCount) classes"
    }

    /// Sample `index` (negative counts from the end) as a C×H×W tensor and its label.
    public func sample(_ index: Int) throws -> (x: Tensor, label: Int) {
        let i = index < 0 ? index + count : index
        guard i >= 0, i < count else {
            throw OpError("dataset", "index \(index) is out of range for \(count) samples")
        }
        let row = rowSize
        return (Tensor(unchecked: sampleShape, scalars: Array(x.scalars[i * row ..< (i + 1) * row])), Int(y.scalars[i]))
    }

    /// `ds[a..<b]`: samples a up to b, clamped like a Python slice `ds[a:b]`.
    public subscript(range: Range<Int>) -> Dataset {
        let (start, _, n) = Self.sliceBounds(start: range.lowerBound, end: range.upperBound, step: 1, count: count)
        return contiguous(start, start + n)
    }

    /// Python's `ds[start:end:step]`: nil bounds mean the ends, negatives count from the end, bounds
    /// clamp, a negative step walks backwards. Only `step == 0` is an error.
    public func slice(start: Int? = nil, end: Int? = nil, step: Int = 1) throws -> Dataset {
        guard step != 0 else { throw OpError("slice", "step must not be 0") }
        let (first, stride, n) = Self.sliceBounds(start: start, end: end, step: step, count: count)
        if stride == 1 { return contiguous(first, first + n) }
        return gather((0..<n).map { first + $0 * stride })
    }

    /// The samples at `indices`, in that order (repeats allowed; negatives count from the end).
    public func select(indices: [Int]) throws -> Dataset {
        var resolved = [Int]()
        resolved.reserveCapacity(indices.count)
        for i in indices {
            let j = i < 0 ? i + count : i
            guard j >= 0, j < count else {
                throw OpError("select", "index \(i) is out of range for \(count) samples")
            }
            resolved.append(j)
        }
        return gather(resolved)
    }

    /// Splits into two parts of round(fraction·N) and the rest samples, after a shuffle fixed by
    /// `seed` (or in order with `shuffle: false`). `fraction` must lie strictly between 0 and 1.
    public func split(fraction: Double, seed: UInt64 = 0, shuffle: Bool = true) throws -> (first: Dataset, second: Dataset) {
        guard fraction.isFinite, fraction > 0, fraction < 1 else {
            throw OpError("split", "fraction must lie strictly between 0 and 1, got \(fraction)")
        }
        let n = count
        let k = min(n, max(0, Int((fraction * Double(n)).rounded())))
        guard shuffle else { return (contiguous(0, k), contiguous(k, n)) }
        var random = DataRandom(seed: seed)
        let order = random.permutation(n)
        return (gather(Array(order[..<k])), gather(Array(order[k...])))
    }

    /// Keeps the samples of `classes` (in their original order). With `relabel`, class `classes[i]`
    /// becomes class i and `classNames` shrinks to match (for training on a subset, e.g. 0–4 vs 5–9);
    /// without it labels and names stay as they were.
    public func filter(classes: [Int], relabel: Bool = true) throws -> Dataset {
        guard !classes.isEmpty else { throw OpError("filter", "needs at least one class") }
        var newLabel = [Int](repeating: -1, count: classCount)
        for (i, c) in classes.enumerated() {
            guard c >= 0, c < classCount else {
                throw OpError("filter", "class \(c) is out of range for \(classCount) classes")
            }
            guard newLabel[c] < 0 else { throw OpError("filter", "class \(c) is listed twice") }
            newLabel[c] = i
        }
        let kept = y.scalars.indices.filter { newLabel[Int(y.scalars[$0])] >= 0 }
        var result = gather(kept)
        if relabel {
            result.y.scalars = result.y.scalars.map { Float(newLabel[Int($0)]) }
            result.classNames = classes.map { classNames[$0] }
        }
        return result
    }

    // MARK: - Row copying

    var rowSize: Int { x.count / max(count, 1) }

    /// Samples start..<end, which the caller has clamped.
    func contiguous(_ start: Int, _ end: Int) -> Dataset {
        let row = rowSize
        let xs = Array(x.scalars[start * row ..< end * row])
        return Dataset(unchecked: Tensor(unchecked: [end - start] + sampleShape, scalars: xs),
                       y: Tensor(unchecked: [end - start], scalars: Array(y.scalars[start..<end])),
                       classNames: classNames, name: name)
    }

    /// The samples at `indices`, which the caller has checked.
    func gather(_ indices: [Int]) -> Dataset {
        let (xs, ys) = gatherRows(indices)
        return Dataset(unchecked: xs, y: ys, classNames: classNames, name: name)
    }

    /// x rows and labels at checked `indices`, copied with memcpy-sized moves over threads.
    func gatherRows(_ indices: [Int]) -> (x: Tensor, y: Tensor) {
        let row = rowSize, k = indices.count
        let xs = [Float](unsafeUninitializedCapacity: k * row) { out, initialized in
            x.scalars.withUnsafeBufferPointer { src in
                guard let s = src.baseAddress, let d = out.baseAddress else { return }
                parallelFor(k, minChunk: max(1, 32_768 / max(row, 1))) { j in
                    (d + j * row).update(from: s + indices[j] * row, count: row)
                }
            }
            initialized = k * row
        }
        let ys = indices.map { y.scalars[$0] }
        return (Tensor(unchecked: [k] + sampleShape, scalars: xs), Tensor(unchecked: [k], scalars: ys))
    }

    /// Python's `slice.indices` followed by its length: the first index, the step and how many.
    static func sliceBounds(start: Int?, end: Int?, step original: Int, count n: Int) -> (first: Int, step: Int, count: Int) {
        // A step longer than the data picks at most one sample, as does ±(n+1); clamping keeps the
        // arithmetic below from overflowing for steps near Int.min or Int.max.
        let step = max(min(original, n + 1), -(n + 1))
        let lower = step < 0 ? -1 : 0
        let upper = step < 0 ? n - 1 : n
        func clamp(_ v: Int?, default d: Int) -> Int {
            guard var v else { return d }
            if v < 0 { v += n }
            return min(max(v, lower), upper)
        }
        let first = clamp(start, default: step < 0 ? upper : lower)
        let stop = clamp(end, default: step < 0 ? lower : upper)
        let length: Int
        if step > 0 {
            length = stop > first ? (stop - first + step - 1) / step : 0
        } else {
            length = first > stop ? (first - stop - step - 1) / -step : 0
        }
        return (first, step, length)
    }
}
