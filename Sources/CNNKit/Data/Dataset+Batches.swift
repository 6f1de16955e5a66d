extension Dataset {
    /// Mini-batches for training: each step yields `x` (B×C×H×W) and `y` (B labels), B = `size`
    /// except for a shorter last batch (dropped with `dropLast`). With `shuffle`, the order is a
    /// permutation fixed by `seed`; pass a different seed each epoch for a fresh order.
    public func batches(size: Int, shuffle: Bool = false, seed: UInt64 = 0, dropLast: Bool = false) throws -> DatasetBatches {
        guard size >= 1 else {
            throw OpError("batches", "batch size must be ≥ 1, got \(size)")
        }
        var random = DataRandom(seed: seed)
        let order = shuffle ? random.permutation(count) : nil
        return DatasetBatches(dataset: self, order: order, size: size, dropLast: dropLast)
    }
}

/// The batches of a `Dataset`, in order or shuffled; iterate with `for (x, y) in batches`.
public struct DatasetBatches: Sequence, Sendable {
    public let dataset: Dataset
    /// The sample order, or nil for 0..<N in order.
    public let order: [Int]?
    public let size: Int
    public let dropLast: Bool

    /// How many batches one pass yields.
    public var count: Int {
        dataset.count / size + (dropLast || dataset.count % size == 0 ? 0 : 1)
    }

    /// Batch `index` (0..<count), or nil outside.
    public func batch(_ index: Int) -> (x: Tensor, y: Tensor)? {
        guard index >= 0, index < count else { return nil }
        let lo = index * size, hi = Swift.min(dataset.count, lo + size)
        if let order {
            return dataset.gatherRows(Array(order[lo..<hi]))
        }
        let part = dataset.contiguous(lo, hi)
        return (part.x, part.y)
    }

    public func makeIterator() -> Iterator { Iterator(batches: self) }

    public struct Iterator: IteratorProtocol {
        let batches: DatasetBatches
        var position = 0

        public mutating func next() -> (x: Tensor, y: Tensor)? {
            defer { position += 1 }
            return batches.batch(position)
        }
    }
}
