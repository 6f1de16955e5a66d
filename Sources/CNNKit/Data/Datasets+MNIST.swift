import Foundation

/// The built-in data sets: MNIST-format files on disk (`mnist`, `fashionMNIST`) and a procedural one
/// that needs no files (`shapes`).
public enum Datasets {
    public static let mnistClassNames = (0...9).map(String.init)
    public static let fashionMNISTClassNames = [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ]
    /// Where Debian's `dataset-fashion-mnist` package installs the four gzip IDX files.
    public static let debianFashionMNISTDirectory = "/usr/share/datasets/fashion-mnist"
    /// The environment variable naming a data folder: `$CNNS_DATA/fashion-mnist`, `$CNNS_DATA/mnist`.
    public static let dataEnvironmentVariable = "CNNS_DATA"

    /// MNIST's training (60,000) and test (10,000) digits from `directory`, or `$CNNS_DATA/mnist` when
    /// nil: 1×28×28 images with pixels in 0…1, labels 0–9 named "0"…"9". `progress` hears how far the
    /// four files have come (their sizes on disk are the total; see `loadFiles`).
    public static func mnist(directory: String? = nil, progress: ByteProgress? = nil) throws -> (train: Dataset, test: Dataset) {
        try loadMNISTFormat(MNISTFormat.mnist, directory: directory,
                            environment: ProcessInfo.processInfo.environment, progress: progress)
    }

    /// Fashion-MNIST's training (60,000) and test (10,000) images from `directory`; when nil, from
    /// `$CNNS_DATA/fashion-mnist`, then `/usr/share/datasets/fashion-mnist` (Debian's
    /// `dataset-fashion-mnist`). 1×28×28 images, pixels in 0…1, 10 labelled classes. `progress` as
    /// for `mnist`.
    public static func fashionMNIST(directory: String? = nil, progress: ByteProgress? = nil) throws -> (train: Dataset, test: Dataset) {
        try loadMNISTFormat(MNISTFormat.fashion, directory: directory,
                            environment: ProcessInfo.processInfo.environment, progress: progress)
    }
}

/// What tells MNIST and Fashion-MNIST apart for loading: names, where to look, how to get them.
struct MNISTFormat {
    var op: String
    var title: String
    var name: String
    var classNames: [String]
    var folder: String
    var systemDirectories: [String]
    var howToGet: String

    static let fileStems = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                            "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]

    static let mnist = MNISTFormat(
        op: "mnist", title: "MNIST", name: "mnist", classNames: Datasets.mnistClassNames,
        folder: "mnist", systemDirectories: [],
        howToGet: "download the four MNIST IDX files (raw or .gz) into a directory and pass it: mnist(\"DIR\"), or put them in $CNNS_DATA/mnist")

    static let fashion = MNISTFormat(
        op: "fashion_mnist", title: "Fashion-MNIST", name: "fashion-mnist",
        classNames: Datasets.fashionMNISTClassNames, folder: "fashion-mnist",
        systemDirectories: [Datasets.debianFashionMNISTDirectory],
        howToGet: "on Debian/Ubuntu `apt-get install dataset-fashion-mnist` (installs them in \(Datasets.debianFashionMNISTDirectory)); or download the four files from https://github.com/zalandoresearch/fashion-mnist (data/fashion) into a directory and pass it: fashion_mnist(\"DIR\"), or put them in $CNNS_DATA/fashion-mnist")

    /// The directories searched when none is given, in order, with how each is described.
    func searchDirectories(environment: [String: String]) -> [(path: String?, label: String)] {
        var dirs: [(String?, String)] = []
        if let root = environment[Datasets.dataEnvironmentVariable], !root.isEmpty {
            let path = (root as NSString).appendingPathComponent(folder)
            dirs.append((path, "$\(Datasets.dataEnvironmentVariable)/\(folder) = \(path)"))
        } else {
            dirs.append((nil, "$\(Datasets.dataEnvironmentVariable)/\(folder) ($\(Datasets.dataEnvironmentVariable) is not set)"))
        }
        for d in systemDirectories { dirs.append((d, d)) }
        return dirs
    }
}

extension Datasets {
    /// The file for `stem` in `directory`: `stem`, `stem.gz`, or the dotted spelling some mirrors use
    /// (`train-images.idx3-ubyte`), raw or .gz.
    static func findFile(_ stem: String, in directory: String) -> String? {
        let dotted = stem.replacingOccurrences(of: "-idx", with: ".idx")
        for name in [stem, stem + ".gz", dotted, dotted + ".gz"] {
            let path = (directory as NSString).appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                return path
            }
        }
        return nil
    }

    /// Finds the four files (in `directory`, or the first search directory that has all four), then
    /// loads them in parallel.
    static func loadMNISTFormat(_ format: MNISTFormat, directory: String?, environment: [String: String],
                                progress: ByteProgress? = nil) throws -> (train: Dataset, test: Dataset) {
        let candidates = directory.map { [($0 as String?, $0)] } ?? format.searchDirectories(environment: environment)
        var report: [String] = []
        var found: [String]?
        for (path, label) in candidates {
            guard let path else { report.append("  \(label)"); continue }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
                report.append("  \(label): no such directory")
                continue
            }
            let files = MNISTFormat.fileStems.map { findFile($0, in: path) }
            let missing = zip(MNISTFormat.fileStems, files).filter { $0.1 == nil }.map { $0.0 + "[.gz]" }
            if missing.isEmpty {
                found = files.compactMap { $0 }
                break
            }
            report.append("  \(label): missing \(missing.joined(separator: ", "))")
        }
        guard let files = found, files.count == 4 else {
            let needs = MNISTFormat.fileStems.joined(separator: ", ")
            throw OpError(format.op, """
                \(format.title) files not found. Looked in:
                \(report.joined(separator: "\n"))
                A directory needs \(needs) (each raw or .gz).
                To get them: \(format.howToGet).
                """)
        }
        return try loadFiles(files, format: format, progress: progress)
    }

    /// Loads [train images, train labels, test images, test labels] from the given paths. `progress`
    /// hears of all four at once: the total is the files' sizes on disk, each file's share split
    /// between its read and its inflating (compressed bytes consumed; a raw file's at once), as
    /// `IDX.read` does for one file. The files load on several threads; their reports are summed
    /// under a lock, so `progress` is never called concurrently.
    static func loadFiles(_ files: [String], format: MNISTFormat,
                          progress: ByteProgress? = nil) throws -> (train: Dataset, test: Dataset) {
        let tally = progress.map { job in
            ProgressTally(weights: files.flatMap { IDX.readAndInflateShares(FileReader.size($0) ?? 0) }, job: job)
        }
        var results = [Result<Tensor, Error>](repeating: .failure(OpError(format.op, "not loaded")), count: 4)
        results.withUnsafeMutableBufferPointer { slots in
            guard let base = slots.baseAddress else { return }
            // The four files inflate and convert independently; parallelFor honours Engine.threads.
            parallelFor(4) { i in
                base[i] = Result {
                    i % 2 == 0
                        ? try loadImages(files[i], op: format.op, tally: tally, parts: 2 * i)
                        : try loadLabels(files[i], op: format.op, classes: format.classNames.count, tally: tally, parts: 2 * i)
                }
            }
        }
        let t = try results.map { try $0.get() }
        func assemble(_ images: Tensor, _ labels: Tensor, _ part: Int, _ split: String) throws -> Dataset {
            guard images.shape[0] == labels.shape[0] else {
                throw OpError(format.op, "\(files[part]) holds \(images.shape[0]) images but \(files[part + 1]) holds \(labels.shape[0]) labels")
            }
            return Dataset(unchecked: images, y: labels, classNames: format.classNames, name: "\(format.name) \(split)")
        }
        return (try assemble(t[0], t[1], 0, "train"), try assemble(t[2], t[3], 2, "test"))
    }

    /// An N×H×W ubyte IDX file as N×1×H×W floats in 0…1.
    static func loadImages(_ path: String, op: String, tally: ProgressTally? = nil, parts: Int = 0) throws -> Tensor {
        let (bytes, header) = try readIDXHeader(path, op: op, tally: tally, parts: parts)
        guard header.type == .uint8, header.shape.count == 3 else {
            throw OpError(op, "\(path): expected N×H×W ubyte images, found \(Shape.describe(header.shape)) of \(header.type.name)")
        }
        let scalars = IDX.convert(bytes, from: header.dataOffset, count: header.count, type: .uint8, divisor: 255)
        let s = header.shape
        return Tensor(unchecked: [s[0], 1, s[1], s[2]], scalars: scalars)
    }

    /// An N ubyte IDX label file, every label checked to be < `classes`.
    static func loadLabels(_ path: String, op: String, classes: Int,
                           tally: ProgressTally? = nil, parts: Int = 0) throws -> Tensor {
        let (bytes, header) = try readIDXHeader(path, op: op, tally: tally, parts: parts)
        guard header.type == .uint8, header.shape.count == 1 else {
            throw OpError(op, "\(path): expected a vector of ubyte labels, found \(Shape.describe(header.shape)) of \(header.type.name)")
        }
        if let bad = bytes[header.dataOffset...].firstIndex(where: { Int($0) >= classes }) {
            throw OpError(op, "\(path): label \(bad - header.dataOffset) is \(bytes[bad]); labels must be below \(classes)")
        }
        return Tensor(unchecked: header.shape,
                      scalars: IDX.convert(bytes, from: header.dataOffset, count: header.count, type: .uint8, divisor: 1))
    }

    /// The (inflated) bytes of an IDX file and its checked header; the read reports to part `parts`
    /// of `tally`, the inflating to part `parts + 1`.
    private static func readIDXHeader(_ path: String, op: String,
                                      tally: ProgressTally?, parts: Int) throws -> ([UInt8], IDX.Header) {
        let raw = try IDX.readFile(path, op: op, limit: IDX.byteLimit, tally: tally, part: parts)
        let bytes = try IDX.inflateIfGzip(raw, op: op, source: path, limit: IDX.byteLimit, tally: tally, part: parts + 1)
        return (bytes, try IDX.parseHeader(bytes, op: op, source: path))
    }
}
