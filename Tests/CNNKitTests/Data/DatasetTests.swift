@testable import CNNKit
import Testing
import CNNTestSupport

@Suite("Data: Dataset")
struct DatasetTests {
    @Test func initValidates() throws {
        let x = try Tensor(shape: [3, 1, 2, 2], repeating: 0.5)
        let ds = try Dataset(x: x, y: Tensor([0, 2, 1]))
        #expect(ds.count == 3)
        #expect(ds.sampleShape == [1, 2, 2])
        #expect(ds.classNames == ["0", "1", "2"])
        #expect(ds.labels == [0, 2, 1])
        #expect(ds.description == "dataset: 3 × 1×2×2, 3 classes")
        expectOpError("dataset", "rank ≥ 2", "shape 3") { _ = try Dataset(x: Tensor([1, 2, 3]), y: Tensor([0, 0, 0])) }
        expectOpError("dataset", "vector of 3 labels", "got shape 2") { _ = try Dataset(x: x, y: Tensor([0, 1])) }
        expectOpError("dataset", "label 1 is 1.5") { _ = try Dataset(x: x, y: Tensor([0, 1.5, 1])) }
        expectOpError("dataset", "label 2 is -1.0") { _ = try Dataset(x: x, y: Tensor([0, 1, -1])) }
        expectOpError("dataset", "label 2 is nan") { _ = try Dataset(x: x, y: Tensor([0, 1, .nan])) }
        expectOpError("dataset", "label 2 is out of range for 2 class names") {
            _ = try Dataset(x: x, y: Tensor([0, 1, 2]), classNames: ["a", "b"])
        }
        let empty = try Dataset(x: Tensor(shape: [0, 1, 4, 4], repeating: 0), y: Tensor([]), classNames: ["a"])
        #expect(empty.count == 0)
        #expect(empty[0..<10].count == 0)
    }

    @Test func sampleAccess() throws {
        let ds = numberedDataset(5)
        let (x, label) = try ds.sample(3)
        #expect(x.shape == [1, 2, 3])
        #expect(x.scalars == [300, 301, 302, 303, 304, 305])
        #expect(label == 0)
        #expect(try ds.sample(-1).x.scalars.first == 400)
        expectOpError("dataset", "index 5 is out of range for 5 samples") { _ = try ds.sample(5) }
        expectOpError("dataset", "index -6") { _ = try ds.sample(-6) }
    }

    /// Slices against Python's rules, written out as a plain reference loop over a parameter sweep.
    @Test func sliceMatchesPythonSemantics() throws {
        func python(_ n: Int, _ start: Int?, _ end: Int?, _ step: Int) -> [Int] {
            // CPython's PySlice_AdjustIndices, spelled plainly.
            var s: Int, e: Int
            if step > 0 {
                s = start ?? 0; e = end ?? n
                if s < 0 { s = max(s + n, 0) } else if s > n { s = n }
                if e < 0 { e = max(e + n, 0) } else if e > n { e = n }
                return s < e ? Array(stride(from: s, to: e, by: step)) : []
            } else {
                s = start ?? n - 1; e = end ?? -1 - n
                if s < 0 { s = max(s + n, -1) } else if s >= n { s = n - 1 }
                if e < 0 { e = max(e + n, -1) } else if e >= n { e = n - 1 }
                return s > e ? Array(stride(from: s, to: e, by: step)) : []
            }
        }
        let bounds: [Int?] = [nil, -12, -7, -3, -1, 0, 1, 2, 4, 6, 7, 20]
        for n in [0, 1, 7] {
            let ds = numberedDataset(n)
            for start in bounds {
                for end in bounds {
                    for step in [-5, -2, -1, 1, 2, 3, 9] {
                        let part = try ds.slice(start: start, end: end, step: step)
                        let expected = python(n, start, end, step)
                        #expect(sampleIDs(part) == expected, "n=\(n) [\(String(describing: start)):\(String(describing: end)):\(step)]")
                        #expect(part.y.scalars == expected.map { Float($0 % 3) })
                        #expect(part.x.shape == [expected.count, 1, 2, 3])
                    }
                }
            }
        }
        expectOpError("slice", "step must not be 0") { _ = try numberedDataset(3).slice(step: 0) }
        // Extreme bounds and steps neither trap nor overflow.
        let ds = numberedDataset(5)
        #expect(sampleIDs(try ds.slice(step: .max)) == [0])
        #expect(sampleIDs(try ds.slice(step: .min)) == [4])
        #expect(sampleIDs(try ds.slice(start: .min, end: .max, step: 2)) == [0, 2, 4])
        #expect(sampleIDs(try ds.slice(start: .max, end: .min, step: -3)) == [4, 1])
        #expect(sampleIDs(ds[Int.min ..< Int.max]) == [0, 1, 2, 3, 4])
    }

    @Test func rangeSubscriptClamps() {
        let ds = numberedDataset(10)
        #expect(sampleIDs(ds[2..<5]) == [2, 3, 4])
        #expect(sampleIDs(ds[0..<100]) == Array(0..<10))
        #expect(sampleIDs(ds[8..<100]) == [8, 9])
        #expect(sampleIDs(ds[20..<30]) == [])
        #expect(sampleIDs(ds[-3..<10]) == [7, 8, 9])
        #expect(ds[3..<3].count == 0)
        #expect(ds[0..<4].classNames == ds.classNames)
    }

    @Test func selectGathers() throws {
        let ds = numberedDataset(6)
        let part = try ds.select(indices: [5, 0, 0, -1, 2])
        #expect(sampleIDs(part) == [5, 0, 0, 5, 2])
        #expect(part.labels == [2, 0, 0, 2, 2])
        #expect(part.x.scalars[0..<6] == ds.x.scalars[30..<36])
        #expect(try ds.select(indices: []).count == 0)
        expectOpError("select", "index 6 is out of range for 6 samples") { _ = try ds.select(indices: [1, 6]) }
        expectOpError("select", "index -7") { _ = try ds.select(indices: [-7]) }
    }

    @Test func splitPartitions() throws {
        let ds = numberedDataset(50)
        let (a, b) = try ds.split(fraction: 0.9, seed: 4)
        #expect(a.count == 45 && b.count == 5)
        #expect((sampleIDs(a) + sampleIDs(b)).sorted() == Array(0..<50))
        #expect(sampleIDs(a) != Array(0..<45), "split shuffles")
        // Rows stay with their labels.
        for part in [a, b] {
            #expect(zip(sampleIDs(part), part.labels).allSatisfy { $0.0 % 3 == $0.1 })
        }
        let (a2, _) = try ds.split(fraction: 0.9, seed: 4)
        #expect(a2 == a)
        let (a3, _) = try ds.split(fraction: 0.9, seed: 5)
        #expect(a3 != a)
        let (c, d) = try ds.split(fraction: 0.3, shuffle: false)
        #expect(sampleIDs(c) == Array(0..<15) && sampleIDs(d) == Array(15..<50))
        #expect(try numberedDataset(0).split(fraction: 0.5).first.count == 0)
        for bad in [0.0, 1.0, -0.1, 1.5, .nan, .infinity] {
            expectOpError("split", "strictly between 0 and 1") { _ = try ds.split(fraction: bad) }
        }
    }

    @Test func filterClasses() throws {
        let ds = numberedDataset(12, classes: 4)                 // labels 0 1 2 3 0 1 2 3 …
        let kept = try ds.filter(classes: [3, 1])
        #expect(sampleIDs(kept) == [1, 3, 5, 7, 9, 11])
        #expect(kept.labels == [1, 0, 1, 0, 1, 0])                // 3 → 0, 1 → 1
        #expect(kept.classNames == ["c3", "c1"])
        let same = try ds.filter(classes: [3, 1], relabel: false)
        #expect(same.labels == [1, 3, 1, 3, 1, 3])
        #expect(same.classNames == ds.classNames)
        expectOpError("filter", "class 4 is out of range for 4 classes") { _ = try ds.filter(classes: [4]) }
        expectOpError("filter", "class 1 is listed twice") { _ = try ds.filter(classes: [1, 1]) }
        expectOpError("filter", "at least one class") { _ = try ds.filter(classes: []) }
    }

    @Test func batchesCoverEverySampleOnce() throws {
        let ds = numberedDataset(10)
        let ordered = try ds.batches(size: 4)
        #expect(ordered.count == 3)
        let parts = Array(ordered)
        #expect(parts.map { $0.x.shape } == [[4, 1, 2, 3], [4, 1, 2, 3], [2, 1, 2, 3]])
        #expect(parts[2].y.scalars == [2, 0])
        #expect(parts[1].x.scalars.first == 400)

        let dropped = try ds.batches(size: 4, dropLast: true)
        #expect(dropped.count == 2 && Array(dropped).count == 2)

        let shuffled = try ds.batches(size: 3, shuffle: true, seed: 1)
        var seen: [Int] = []
        for (x, y) in shuffled {
            let ids = (0..<y.count).map { Int(x.scalars[$0 * 6]) / 100 }
            #expect(zip(ids, y.scalars).allSatisfy { Float($0.0 % 3) == $0.1 })
            seen += ids
        }
        #expect(seen.sorted() == Array(0..<10))
        #expect(seen != Array(0..<10))
        let again = try ds.batches(size: 3, shuffle: true, seed: 1)
        #expect(Array(again).map(\.x) == Array(shuffled).map(\.x))
        #expect(try ds.batches(size: 100).count == 1)
        let huge = try ds.batches(size: .max)
        #expect(huge.count == 1 && Array(huge).first?.y.count == 10)
        #expect(try ds.batches(size: .max, dropLast: true).count == 0)
        #expect(try numberedDataset(0).batches(size: 2).count == 0)
        #expect(shuffled.batch(4) == nil && shuffled.batch(-1) == nil)
        expectOpError("batches", "batch size must be ≥ 1, got 0") { _ = try ds.batches(size: 0) }
    }

    /// Normalisation against per-channel mean and std computed by a plain loop.
    @Test func normalizeMatchesReference() throws {
        var rng = TestRNG(3)
        for (n, c, h, w) in [(5, 1, 3, 4), (7, 3, 2, 2), (600, 2, 3, 3), (1, 4, 1, 1)] {
            let x = rng.tensor([n, c, h, w], 0, 1)
            let ds = try Dataset(x: x, y: Tensor(unchecked: [n], scalars: [Float](repeating: 0, count: n)))
            let (normed, mean, std) = try ds.normalized()
            #expect(mean.count == c && std.count == c)
            for ch in 0..<c {
                var values: [Double] = []
                for i in 0..<n { for p in 0..<h * w { values.append(Double(x.scalars[(i * c + ch) * h * w + p])) } }
                let m = values.reduce(0, +) / Double(values.count)
                let v = values.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(values.count)
                let s = v > 0 ? v.squareRoot() : 1
                #expect(abs(Double(mean[ch]) - m) < 1e-5)
                #expect(abs(Double(std[ch]) - s) < 1e-5)
                for i in 0..<n {
                    for p in 0..<h * w {
                        let k = (i * c + ch) * h * w + p
                        let expected = (Double(x.scalars[k]) - m) / s
                        #expect(abs(Double(normed.x.scalars[k]) - expected) < 1e-4)
                    }
                }
            }
            #expect(normed.y == ds.y)
        }
    }

    @Test func normalizeWithGivenValues() throws {
        let x = try Tensor(shape: [2, 2, 1, 2], scalars: [1, 2, 3, 4, 5, 6, 7, 8])
        let ds = try Dataset(x: x, y: Tensor([0, 1]))
        let scalar = try ds.normalized(mean: [1], std: [2])
        #expect(scalar.dataset.x.scalars == [0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5])
        #expect(scalar.mean == [1, 1] && scalar.std == [2, 2])
        let perChannel = try ds.normalized(mean: [1, 3], std: [1, 0.5])
        #expect(perChannel.dataset.x.scalars == [0, 1, 0, 2, 4, 5, 8, 10])
        // A constant channel is centred, not divided by zero.
        let flat = try Dataset(x: Tensor(shape: [3, 1, 2, 2], repeating: 0.7), y: Tensor([0, 0, 0]))
        let f = try flat.normalized()
        #expect(f.std == [1])
        #expect(f.dataset.x.scalars.allSatisfy { abs($0) < 1e-6 })
        expectOpError("normalize", "3 values", "1 or one per channel (2)") { _ = try ds.normalized(mean: [0, 0, 0]) }
        expectOpError("normalize", "std must be > 0, got 0.0") { _ = try ds.normalized(std: [1, 0]) }
        expectOpError("normalize", "must be finite") { _ = try ds.normalized(mean: [.nan]) }
        let empty = try Dataset(x: Tensor(shape: [0, 1, 2, 2], repeating: 0), y: Tensor([]), classNames: ["a"])
        expectOpError("normalize", "empty data set") { _ = try empty.normalized() }
        #expect(try empty.normalized(mean: [0], std: [1]).dataset.count == 0)
    }

    /// Normalisation statistics are summed in fixed blocks, so thread counts cannot change them.
    @Test func normalizeIndependentOfThreads() throws {
        let saved = Engine.threads
        defer { Engine.threads = saved }
        let ds = try Datasets.shapes(n: 700, size: 8, seed: 2)
        Engine.threads = 1
        let one = try ds.normalized()
        Engine.threads = 3
        let three = try ds.normalized()
        #expect(one.mean == three.mean && one.std == three.std && one.dataset == three.dataset)
    }
}
