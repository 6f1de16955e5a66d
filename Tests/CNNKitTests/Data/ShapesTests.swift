@testable import CNNKit
import Testing

@Suite("Data: shapes")
struct ShapesTests {
    @Test func shapeAndNamesAndRange() throws {
        let ds = try Datasets.shapes(n: 37, size: 12, seed: 1)
        #expect(ds.x.shape == [37, 1, 12, 12])
        #expect(ds.y.shape == [37])
        #expect(ds.classNames == Datasets.shapesClassNames)
        #expect(ds.classNames.count == 10)
        #expect(Set(ds.classNames).count == 10)
        #expect(ds.x.scalars.allSatisfy { $0 >= 0 && $0 <= 1 })
        // Every image has ink: some pixel well above the noise floor.
        for i in 0..<ds.count {
            let image = ds.x.scalars[i * 144 ..< (i + 1) * 144]
            #expect(image.max() ?? 0 > 0.5, "image \(i) is blank")
        }
    }

    @Test func classesAreBalanced() throws {
        for n in [0, 1, 9, 10, 23, 250] {
            let ds = try Datasets.shapes(n: n, size: 8, seed: UInt64(n))
            let counts = ds.classCounts
            #expect(counts.reduce(0, +) == n)
            #expect((counts.max() ?? 0) - (counts.min() ?? 0) <= 1, "n=\(n): \(counts)")
        }
        // Shuffled, not cyclic: the first ten labels of a large set are not 0…9 in order.
        let ds = try Datasets.shapes(n: 200, size: 8, seed: 5)
        #expect(Array(ds.labels.prefix(10)) != Array(0..<10))
    }

    @Test func deterministicUnderSeedAndThreadCount() throws {
        let saved = Engine.threads
        defer { Engine.threads = saved }
        Engine.threads = 1
        let one = try Datasets.shapes(n: 60, size: 16, seed: 42)
        Engine.threads = 4
        let four = try Datasets.shapes(n: 60, size: 16, seed: 42)
        #expect(one == four)
        let again = try Datasets.shapes(n: 60, size: 16, seed: 42)
        #expect(again == four)
        let other = try Datasets.shapes(n: 60, size: 16, seed: 43)
        #expect(other.x != one.x)
        // A prefix of a larger set with the same seed draws the same images for the same labels.
        let bigger = try Datasets.shapes(n: 61, size: 16, seed: 42)
        #expect(bigger.x.shape == [61, 1, 16, 16])
    }

    /// Debug builds are many times slower than release; this only guards against a pathological
    /// slowdown (release draws 10,000 images 28×28 in a fraction of a second).
    @Test func drawsQuickly() throws {
        let clock = ContinuousClock()
        let elapsed = try clock.measure { _ = try Datasets.shapes(n: 2000, size: 28, seed: 9) }
        print("shapes n=2000 size 28 (debug): \(elapsed)")
        #expect(elapsed < .seconds(10))
    }

    @Test func limitsAreChecked() {
        expectOpError("shapes", "size", "7") { _ = try Datasets.shapes(n: 1, size: 7) }
        expectOpError("shapes", "size", "257") { _ = try Datasets.shapes(n: 1, size: 257) }
        expectOpError("shapes", "n must be ≥ 0", "-1") { _ = try Datasets.shapes(n: -1) }
        expectOpError("shapes", "too many elements") { _ = try Datasets.shapes(n: Int.max / 2, size: 256) }
        #expect((try? Datasets.shapes(n: 0))?.x.shape == [0, 1, 28, 28])
        #expect((try? Datasets.shapes(n: 2, size: 256))?.x.shape == [2, 1, 256, 256])
    }

    /// Classes must differ: a nearest-class-mean classifier on raw pixels, fitted on one seed and
    /// scored on another, has to beat chance (10 %) by far although positions vary.
    @Test func classesAreSeparable() throws {
        let train = try Datasets.shapes(n: 2000, size: 16, seed: 7)
        let test = try Datasets.shapes(n: 500, size: 16, seed: 8)
        let pixels = 256
        let trainLabels = train.labels, testLabels = test.labels
        var means = [[Float]](repeating: [Float](repeating: 0, count: pixels), count: 10)
        for i in 0..<train.count {
            let c = trainLabels[i]
            for p in 0..<pixels { means[c][p] += train.x.scalars[i * pixels + p] }
        }
        let counts = train.classCounts
        for c in 0..<10 { means[c] = means[c].map { $0 / Float(counts[c]) } }
        var correct = 0
        for i in 0..<test.count {
            var best = 0, bestDistance = Float.infinity
            for c in 0..<10 {
                var d: Float = 0
                for p in 0..<pixels {
                    let e = test.x.scalars[i * pixels + p] - means[c][p]
                    d += e * e
                }
                if d < bestDistance { bestDistance = d; best = c }
            }
            if best == testLabels[i] { correct += 1 }
        }
        let accuracy = Double(correct) / Double(test.count)
        print("nearest class mean accuracy on shapes: \(accuracy)")
        #expect(accuracy > 0.35, "nearest-class-mean accuracy \(accuracy)")
    }

    /// The ten signed distance functions, checked at points whose answer is known by construction.
    @Test func distanceFunctionsInsideOutside() {
        for label in 0..<10 {
            #expect(ShapeSDF.distance(label, 0, 0, half: 0.15) < 0 || label == 6, "class \(label) centre")
            #expect(ShapeSDF.distance(label, 1.2, 1.2, half: 0.15) > 0, "class \(label) far corner")
        }
        #expect(ShapeSDF.distance(6, 0, 0, half: 0.15) > 0)           // ring: hole in the middle
        #expect(ShapeSDF.distance(6, 0.72, 0, half: 0.15) < 0)        // ring: on the stroke
        #expect(abs(ShapeSDF.distance(0, 0.85, 0, half: 0.1)) < 1e-6) // circle edge
        #expect(abs(ShapeSDF.distance(1, 0.7, 0.2, half: 0.1)) < 1e-6) // square edge
        #expect(ShapeSDF.distance(4, 0.5, 0, half: 0.1) < 0)          // horizontal bar along x
        #expect(ShapeSDF.distance(4, 0, 0.5, half: 0.1) > 0)
        #expect(ShapeSDF.distance(5, 0, 0.5, half: 0.1) < 0)          // vertical bar along y
        #expect(ShapeSDF.distance(5, 0.5, 0, half: 0.1) > 0)
        #expect(ShapeSDF.distance(3, 0.6, 0, half: 0.1) < 0)          // plus arms on the axes
        #expect(ShapeSDF.distance(3, 0.45, 0.45, half: 0.1) > 0)
        #expect(ShapeSDF.distance(8, 0.45, 0.45, half: 0.1) < 0)      // cross arms on the diagonals
        #expect(ShapeSDF.distance(8, 0.6, 0, half: 0.1) > 0)
        #expect(ShapeSDF.distance(7, 0.9, 0, half: 0.1) < 0)          // diamond: tips on the axes
        #expect(ShapeSDF.distance(7, 0.6, 0.6, half: 0.1) > 0)
        #expect(ShapeSDF.distance(1, 0.6, 0.6, half: 0.1) < 0)        // square: corners on diagonals
        #expect(ShapeSDF.distance(2, 0, -0.8, half: 0.1) < 0)         // triangle apex up (image y down)
        #expect(ShapeSDF.distance(2, 0, 0.8, half: 0.1) > 0)
        #expect(ShapeSDF.distance(9, 0, -0.85, half: 0.1) < 0)        // star: a point up
        #expect(ShapeSDF.distance(9, 0, 0.85, half: 0.1) > 0)         // and a notch down
    }
}
