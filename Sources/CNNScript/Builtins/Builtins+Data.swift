import CNNKit

/// Data sets: the built-in ones, splitting and normalising. A data set indexes and slices like a list
/// (`ds[0]` is `[image, label]`, `ds[0:100]` a data set) and has `.x`, `.y`, `.classes`; `len(ds)`.
extension Builtins {
    /// `mnist` and `fashion_mnist`: `[train, test]`, so `train, test = fashion_mnist()` unpacks.
    private static func mnistLike(_ name: String, _ summary: String, notes: String,
                                  _ load: @escaping (String?, ByteProgress) throws -> (train: Dataset, test: Dataset)) -> Builtin {
        Builtin(
            name: name, group: .data, summary: summary,
            parameters: [.optional("dir", "the directory holding the four IDX files (raw or .gz)")],
            shapes: "→ [train 60000×1×28×28, test 10000×1×28×28]",
            notes: notes + " " + LoadProgressLine.note,
            example: "train, test = \(name)()",
            body: { a, i in
                let dir = a.isGiven("dir") ? try a.string("dir") : nil
                // The four files' sizes together decide whether the progress line shows.
                let (train, test) = try LoadProgressLine.run("loading \(name)", session: i.session) { try load(dir, $0) }
                return .list([.object(DatasetObject(train)), .object(DatasetObject(test))])
            })
    }

    static let data: [Builtin] = [
        Builtin(
            name: "shapes", group: .data,
            summary: "A data set drawn on the fly (no files): n grey images of ten shapes (circle, square, triangle, …) at random places, sizes and brightness.",
            parameters: [.positional("n", .number(1000), "how many images"),
                         .labeled("size", .number(28), "image side, 8…256"),
                         .labeled("seed", .number(0), "the same seed draws the same images")],
            shapes: "→ n×1×size×size, labels 0…9",
            example: "ds = shapes(n:100); ds.classes",
            body: { a, _ in
                let n = try a.int("n")
                guard n >= 0 else { throw a.fail("n", "a count ≥ 0", got: a["n"]) }
                let size = try a.int("size")
                guard Datasets.shapesSizes.contains(size) else {
                    throw a.fail("size", "an integer in \(Datasets.shapesSizes.lowerBound)…\(Datasets.shapesSizes.upperBound)", got: a["size"])
                }
                let seed = UInt64(bitPattern: Int64(try a.int("seed")))
                return .object(DatasetObject(try Datasets.shapes(n: n, size: size, seed: seed)))
            }),
        mnistLike("mnist", "MNIST's handwritten digits as [train, test].",
                  notes: "Without dir: $CNNS_DATA/mnist.") { try Datasets.mnist(directory: $0, progress: $1) },
        mnistLike("fashion_mnist", "Fashion-MNIST's clothing images as [train, test] (ten named classes).",
                  notes: "Without dir: $CNNS_DATA/fashion-mnist, then \(Datasets.debianFashionMNISTDirectory) (Debian's dataset-fashion-mnist).") {
            try Datasets.fashionMNIST(directory: $0, progress: $1)
        },
        Builtin(
            name: "dataset", group: .data,
            summary: "A data set from images and labels (classes: names them; by default \"0\", \"1\", …).",
            parameters: [.required("x", "N×C×H×W samples (any rank ≥ 2, samples along axis 0)"),
                         .required("y", "N class indices"),
                         .labeled("classes", .none, shown: "", "a list of class names"),
                         .labeled("name", .string("dataset"), "shown when the data set prints")],
            example: "dataset(zeros(4, 1, 2, 2), [0, 1, 1, 0], classes:[\"no\", \"yes\"])",
            body: { a, _ in
                var names: [String]?
                if a.isGiven("classes") {
                    guard case .list(let items) = a["classes"] else { throw a.fail("classes", "a list of strings", got: a["classes"]) }
                    names = try items.map { item in
                        guard case .string(let s) = item else { throw a.fail("classes", "a list of strings", got: a["classes"]) }
                        return s
                    }
                }
                return .object(DatasetObject(try Dataset(x: try a.tensor("x"), y: try a.tensor("y"), classNames: names,
                                                         name: try a.string("name"))))
            }),
        Builtin(
            name: "split", group: .data,
            summary: "Splits a data set in two, [first fraction, rest], after a shuffle fixed by seed:.",
            parameters: [.required("data", "a data set"), .required("fraction", "the share of the first part, strictly between 0 and 1"),
                         .labeled("seed", .number(0), "fixes the shuffle"),
                         .labeled("shuffle", .bool(true), "shuffle first (false keeps the order)")],
            example: "train, val = split(shapes(n:100), 0.9)",
            body: { a, _ in
                guard case .object(let d as DatasetObject) = a["data"] else { throw a.fail("data", "a data set", got: a["data"]) }
                let f = try a.number("fraction")
                guard f > 0, f < 1 else { throw a.fail("fraction", "a number strictly between 0 and 1", got: a["fraction"]) }
                let (first, second) = try d.dataset.split(fraction: f, seed: UInt64(bitPattern: Int64(try a.int("seed"))),
                                                          shuffle: try a.bool("shuffle"))
                return .list([.object(DatasetObject(first, normalization: d.normalization)),
                              .object(DatasetObject(second, normalization: d.normalization))])
            }),
        Builtin(
            name: "normalize", group: .data,
            summary: "(x - mean) / std per channel, as torchvision's Normalize; without mean:/std: they are computed from this data set.",
            parameters: [.required("data", "a data set"),
                         .labeled("mean", .none, shown: "computed", "one value, or one per channel"),
                         .labeled("std", .none, shown: "computed", "one value, or one per channel (> 0)")],
            notes: "The result's .mean and .std are the values used: normalize(test, mean: train.mean, std: train.std).",
            example: "tr = normalize(shapes(n:100)); tr.mean",
            body: { a, _ in
                guard case .object(let d as DatasetObject) = a["data"] else { throw a.fail("data", "a data set", got: a["data"]) }
                func floats(_ name: String) throws -> [Float]? {
                    guard a.isGiven(name) else { return nil }
                    guard let t = try? Convert.tensor(a[name]), t.rank <= 1 else {
                        throw a.fail(name, "a number or a list of numbers", got: a[name])
                    }
                    return t.scalars
                }
                let r = try d.dataset.normalized(mean: try floats("mean"), std: try floats("std"))
                return .object(DatasetObject(r.dataset, normalization: (r.mean, r.std)))
            }),
    ]
}
