@testable import CNNKit
import Foundation
import Testing
import CNNTestSupport

/// Writes the four MNIST-format files for `train` and `test` images (N×H×W bytes) and labels into
/// `dir`, gzipped or raw, under the standard names (or the dotted spelling).
private func writeMNISTFiles(_ dir: String, train: (images: [[UInt8]], labels: [UInt8]),
                             test: (images: [[UInt8]], labels: [UInt8]), h: UInt32 = 4, w: UInt32 = 3,
                             gzip: Bool = true, dotted: Bool = false) throws {
    func name(_ stem: String) -> String {
        (dotted ? stem.replacingOccurrences(of: "-idx", with: ".idx") : stem) + (gzip ? ".gz" : "")
    }
    func write(_ bytes: [UInt8], _ stem: String) throws {
        try writeFile(gzip ? gzipCompress(bytes) : bytes, dir + "/" + name(stem))
    }
    for (part, data) in [("train", train), ("t10k", test)] {
        try write(idxBytes(type: 0x08, shape: [UInt32(data.images.count), h, w], payload: data.images.flatMap { $0 }),
                  "\(part)-images-idx3-ubyte")
        try write(idxBytes(type: 0x08, shape: [UInt32(data.labels.count)], payload: data.labels), "\(part)-labels-idx1-ubyte")
    }
}

private func randomImages(_ n: Int, _ pixels: Int, _ rng: inout TestRNG) -> [[UInt8]] {
    (0..<n).map { _ in (0..<pixels).map { _ in UInt8(truncatingIfNeeded: rng.next()) } }
}

/// A format like Fashion-MNIST's whose system directory is `systemDirectory` (a temporary copy of
/// the Debian layout), so tests never depend on what is installed on the machine.
private func fashionFormat(systemDirectory: String) -> MNISTFormat {
    var format = MNISTFormat.fashion
    format.systemDirectories = [systemDirectory]
    return format
}

@Suite("Data: MNIST loaders")
struct MNISTLoaderTests {
    @Test func loadsGzipAndRawFiles() throws {
        var rng = TestRNG(21)
        let train = (images: randomImages(5, 12, &rng), labels: [UInt8]([9, 0, 3, 3, 1]))
        let test = (images: randomImages(2, 12, &rng), labels: [UInt8]([4, 8]))
        for (gzip, dotted) in [(true, false), (false, false), (true, true), (false, true)] {
            let dir = try makeScratchDirectory("cnns-data").path
            defer { try? FileManager.default.removeItem(atPath: dir) }
            try writeMNISTFiles(dir, train: train, test: test, gzip: gzip, dotted: dotted)
            for (loaded, names) in [(try Datasets.fashionMNIST(directory: dir), Datasets.fashionMNISTClassNames),
                                    (try Datasets.mnist(directory: dir), Datasets.mnistClassNames)] {
                #expect(loaded.train.x.shape == [5, 1, 4, 3])
                #expect(loaded.test.x.shape == [2, 1, 4, 3])
                #expect(loaded.train.x.scalars == train.images.flatMap { $0 }.map { Float($0) / 255 })
                #expect(loaded.test.x.scalars == test.images.flatMap { $0 }.map { Float($0) / 255 })
                #expect(loaded.train.labels == [9, 0, 3, 3, 1])
                #expect(loaded.test.labels == [4, 8])
                #expect(loaded.train.classNames == names && loaded.test.classNames == names)
            }
            #expect(try Datasets.fashionMNIST(directory: dir).train.name == "fashion-mnist train")
            #expect(try Datasets.mnist(directory: dir).test.name == "mnist test")
        }
        #expect(Datasets.fashionMNISTClassNames == ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"])
        #expect(Datasets.mnistClassNames == ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"])
    }

    /// The file list of Debian's dataset-fashion-mnist 0.0~git20200523.55506a9-1 (`dpkg -c`):
    /// rebuilt under a temporary root, it must be found through the Debian directory.
    @Test func findsTheDebianPackageLayout() throws {
        let debFiles = [
            "./usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz",
            "./usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz",
            "./usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz",
            "./usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz",
        ]
        #expect(MNISTFormat.fashion.systemDirectories == [Datasets.debianFashionMNISTDirectory])
        #expect(Datasets.debianFashionMNISTDirectory == "/usr/share/datasets/fashion-mnist")
        let root = try makeScratchDirectory("cnns-data").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let debianDir = root + Datasets.debianFashionMNISTDirectory
        try FileManager.default.createDirectory(atPath: debianDir, withIntermediateDirectories: true)
        var rng = TestRNG(2)
        try writeMNISTFiles(debianDir, train: (randomImages(3, 12, &rng), [0, 1, 2]), test: (randomImages(1, 12, &rng), [7]))
        let written = try FileManager.default.contentsOfDirectory(atPath: debianDir).sorted()
        #expect(written.map { "./usr/share/datasets/fashion-mnist/" + $0 } == debFiles)
        let loaded = try Datasets.loadMNISTFormat(fashionFormat(systemDirectory: debianDir), directory: nil, environment: [:])
        #expect(loaded.train.count == 3 && loaded.test.labels == [7])
    }

    @Test func environmentDirectoryComesFirst() throws {
        let root = try makeScratchDirectory("cnns-data").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let system = root + "/system", data = root + "/data"
        for d in [system, data + "/fashion-mnist", data + "/mnist"] {
            try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        }
        var rng = TestRNG(4)
        try writeMNISTFiles(system, train: (randomImages(2, 12, &rng), [1, 1]), test: (randomImages(1, 12, &rng), [1]))
        try writeMNISTFiles(data + "/fashion-mnist", train: (randomImages(3, 12, &rng), [2, 2, 2]), test: (randomImages(1, 12, &rng), [2]), gzip: false)
        try writeMNISTFiles(data + "/mnist", train: (randomImages(4, 12, &rng), [5, 5, 5, 5]), test: (randomImages(1, 12, &rng), [5]))
        let format = fashionFormat(systemDirectory: system)
        let fromEnv = try Datasets.loadMNISTFormat(format, directory: nil, environment: ["CNNS_DATA": data])
        #expect(fromEnv.train.labels == [2, 2, 2])
        let fromSystem = try Datasets.loadMNISTFormat(format, directory: nil, environment: ["CNNS_DATA": root + "/nothing"])
        #expect(fromSystem.train.labels == [1, 1])
        let mnist = try Datasets.loadMNISTFormat(.mnist, directory: nil, environment: ["CNNS_DATA": data])
        #expect(mnist.train.labels == [5, 5, 5, 5])
    }

    @Test func missingFilesSayWhereAndHow() throws {
        let root = try makeScratchDirectory("cnns-data").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let format = fashionFormat(systemDirectory: root + "/absent")
        expectOpError("fashion_mnist", "Fashion-MNIST files not found",
                      "$CNNS_DATA/fashion-mnist ($CNNS_DATA is not set)",
                      "\(root)/absent: no such directory",
                      "train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte",
                      "apt-get install dataset-fashion-mnist", "/usr/share/datasets/fashion-mnist",
                      "https://github.com/zalandoresearch/fashion-mnist", "fashion_mnist(\"DIR\")") {
            _ = try Datasets.loadMNISTFormat(format, directory: nil, environment: [:])
        }
        // A directory holding only some of the files names the missing ones.
        let partial = root + "/partial/fashion-mnist"
        try FileManager.default.createDirectory(atPath: partial, withIntermediateDirectories: true)
        try writeFile(gzipCompress(idxBytes(type: 8, shape: [1], payload: [0])), partial + "/train-labels-idx1-ubyte.gz")
        try writeFile(idxBytes(type: 8, shape: [1], payload: [0]), partial + "/t10k-labels-idx1-ubyte")
        expectOpError("fashion_mnist", "$CNNS_DATA/fashion-mnist = \(partial): missing train-images-idx3-ubyte[.gz], t10k-images-idx3-ubyte[.gz]") {
            _ = try Datasets.loadMNISTFormat(format, directory: nil, environment: ["CNNS_DATA": root + "/partial"])
        }
        expectOpError("mnist", "MNIST files not found", "/no/such/dir: no such directory", "mnist(\"DIR\")") {
            _ = try Datasets.mnist(directory: "/no/such/dir")
        }
        // A file where a directory is expected is not a directory.
        try writeFile([1, 2, 3], root + "/plain")
        expectOpError("fashion_mnist", "\(root)/plain: no such directory") { _ = try Datasets.fashionMNIST(directory: root + "/plain") }
    }

    @Test func inconsistentFilesAreErrors() throws {
        var rng = TestRNG(8)
        let dir = try makeScratchDirectory("cnns-data").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try writeMNISTFiles(dir, train: (randomImages(3, 12, &rng), [0, 1]), test: (randomImages(1, 12, &rng), [0]))
        expectOpError("fashion_mnist", "train-images-idx3-ubyte.gz holds 3 images", "train-labels-idx1-ubyte.gz holds 2 labels") {
            _ = try Datasets.fashionMNIST(directory: dir)
        }
        try writeMNISTFiles(dir, train: (randomImages(2, 12, &rng), [0, 1]), test: (randomImages(2, 12, &rng), [3, 10]))
        expectOpError("mnist", "t10k-labels-idx1-ubyte.gz: label 1 is 10; labels must be below 10") {
            _ = try Datasets.mnist(directory: dir)
        }
        try writeMNISTFiles(dir, train: (randomImages(2, 12, &rng), [0, 1]), test: (randomImages(2, 12, &rng), [3, 1]))
        #expect(try Datasets.mnist(directory: dir).test.labels == [3, 1])
        // Images must be N×H×W ubyte, labels an ubyte vector.
        try writeFile(gzipCompress(idxBytes(type: 8, shape: [2, 12], payload: [UInt8](repeating: 3, count: 24))),
                      dir + "/train-images-idx3-ubyte.gz")
        expectOpError("mnist", "expected N×H×W ubyte images, found 2×12 of ubyte") { _ = try Datasets.mnist(directory: dir) }
        try writeMNISTFiles(dir, train: (randomImages(2, 12, &rng), [0, 1]), test: (randomImages(2, 12, &rng), [3, 1]))
        try writeFile(gzipCompress(idxBytes(type: 0x0C, shape: [2], payload: [0, 0, 0, 1, 0, 0, 0, 2])),
                      dir + "/train-labels-idx1-ubyte.gz")
        expectOpError("mnist", "expected a vector of ubyte labels, found 2 of int") { _ = try Datasets.mnist(directory: dir) }
        // A truncated image file names the file and both sizes.
        try writeMNISTFiles(dir, train: (randomImages(2, 12, &rng), [0, 1]), test: (randomImages(2, 12, &rng), [3, 1]))
        let truncated = idxBytes(type: 8, shape: [2, 4, 3], payload: [UInt8](repeating: 1, count: 20))
        try writeFile(gzipCompress(truncated), dir + "/t10k-images-idx3-ubyte.gz")
        expectOpError("fashion_mnist", "t10k-images-idx3-ubyte.gz", "needs 24 data bytes", "found 20", "truncated") {
            _ = try Datasets.fashionMNIST(directory: dir)
        }
    }

    /// The real Fashion-MNIST, when present (Debian's package, or a directory named by
    /// CNNS_TEST_FASHION_MNIST): counts, labels and pixel statistics checked against values read
    /// independently from the files.
    @Test(.enabled(if: realFashionMNISTDirectory() != nil,
                   "Fashion-MNIST is not installed (Debian's dataset-fashion-mnist, or a directory in CNNS_TEST_FASHION_MNIST)"))
    func realFashionMNIST() throws {
        let (train, test) = try Datasets.fashionMNIST(directory: realFashionMNISTDirectory())
        #expect(train.x.shape == [60000, 1, 28, 28] && test.x.shape == [10000, 1, 28, 28])
        #expect(train.classCounts == [Int](repeating: 6000, count: 10))
        #expect(test.classCounts == [Int](repeating: 1000, count: 10))
        #expect(train.labels.prefix(10) == [9, 0, 0, 3, 0, 2, 7, 2, 5, 5])
        #expect(test.labels.prefix(10) == [9, 2, 1, 1, 6, 1, 4, 6, 5, 7])
        let firstImageSum: Float = train.x.scalars[0..<784].reduce(0, +)
        #expect(abs(firstImageSum - Float(76247) / 255) < 1e-2)
        let (_, mean, std) = try train.normalized()
        #expect(abs(mean[0] - 0.2860) < 1e-3)     // the widely quoted Fashion-MNIST mean and std
        #expect(abs(std[0] - 0.3530) < 1e-3)
    }
}

private func realFashionMNISTDirectory() -> String? {
    let env = ProcessInfo.processInfo.environment["CNNS_TEST_FASHION_MNIST"]
    for dir in [env, Datasets.debianFashionMNISTDirectory].compactMap({ $0 })
    where Datasets.findFile("train-images-idx3-ubyte", in: dir) != nil {
        return dir
    }
    return nil
}
