import CNNKit

/// A data set as a value: `ds.x` (N×C×H×W), `ds.y` (N labels), `ds.classes`, `len(ds)`, `ds[0]` (one
/// sample as `[image, label]`, as a PyTorch Dataset gives it) and `ds[0:100]` (a data set again).
/// Data sets are values: every operation makes a new one and leaves this one as it was.
final class DatasetObject: IndexableObject {
    let dataset: Dataset
    /// The per-channel mean and std `normalize` used, so the test set can be normalised the same way.
    let normalization: (mean: [Float], std: [Float])?

    init(_ dataset: Dataset, normalization: (mean: [Float], std: [Float])? = nil) {
        self.dataset = dataset
        self.normalization = normalization
    }

    var typeName: String { "dataset" }
    var memberNames: [String] {
        ["x", "y", "classes", "name", "shape", "counts"] + (normalization == nil ? [] : ["mean", "std"])
    }

    func member(_ name: String) throws -> Value? {
        switch name {
        case "x": return .tensor(dataset.x)
        case "y": return .tensor(dataset.y)
        case "classes": return .list(dataset.classNames.map { .string($0) })
        case "name": return .string(dataset.name)
        case "shape": return Convert.list(dataset.sampleShape)
        case "counts": return Convert.list(dataset.classCounts)
        case "mean": return normalization.map { .list($0.mean.map(Value.float)) }
        case "std": return normalization.map { .list($0.std.map(Value.float)) }
        default: return nil
        }
    }

    /// `dataset shapes: 1000 images 1×28×28, 10 classes`
    func describe(_ options: PrintOptions) -> String {
        let n = dataset.count
        let what = dataset.x.rank >= 3 ? (n == 1 ? "image" : "images") : (n == 1 ? "sample" : "samples")
        return "dataset \(dataset.name): \(n) \(what) \(Shape.describe(dataset.sampleShape)), \(dataset.classCount) class\(dataset.classCount == 1 ? "" : "es")"
    }

    var count: Int { dataset.count }

    func element(_ i: Int) throws -> Value {
        let s = try dataset.sample(i)
        return .list([.tensor(s.x), .number(Double(s.label))])
    }

    func slice(start: Int?, end: Int?, step: Int) throws -> Value {
        .object(DatasetObject(try dataset.slice(start: start, end: end, step: step), normalization: normalization))
    }

    func setElement(_ i: Int, _ value: Value) throws {
        throw RuntimeError("a data set cannot be changed in place (make a new one with dataset(x, y))")
    }
}
