@testable import CNNKit
import CZlib
import Foundation
import Testing

/// IDX bytes built by hand: magic 00 00, type, rank, big-endian UInt32 sizes, then `payload`.
func idxBytes(type: UInt8, shape: [UInt32], payload: [UInt8]) -> [UInt8] {
    var bytes: [UInt8] = [0, 0, type, UInt8(shape.count)]
    for d in shape { bytes += [UInt8(d >> 24), UInt8(d >> 16 & 0xFF), UInt8(d >> 8 & 0xFF), UInt8(d & 0xFF)] }
    return bytes + payload
}

/// gzip-compresses `input` with zlib's deflate (windowBits 16+15 writes the gzip wrapper), written
/// here independently of the engine's inflate code.
func gzipCompress(_ input: [UInt8], level: Int32 = 6) -> [UInt8] {
    var stream = z_stream()
    guard deflateInit2_(&stream, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY,
                        ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return [] }
    defer { deflateEnd(&stream) }
    var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))) + 64)
    var source = input
    let written: Int = source.withUnsafeMutableBufferPointer { inBuf in
        output.withUnsafeMutableBufferPointer { outBuf in
            stream.next_in = inBuf.baseAddress
            stream.avail_in = UInt32(inBuf.count)
            stream.next_out = outBuf.baseAddress
            stream.avail_out = UInt32(outBuf.count)
            guard deflate(&stream, Z_FINISH) == Z_STREAM_END else { return -1 }
            return outBuf.count - Int(stream.avail_out)
        }
    }
    return written < 0 ? [] : Array(output[..<written])
}

func writeFile(_ bytes: [UInt8], _ path: String) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

/// A small labelled data set with recognisable values: sample i holds i·100 + k at position k.
func numberedDataset(_ n: Int, sample: [Int] = [1, 2, 3], classes: Int = 3) -> Dataset {
    let row = sample.reduce(1, *)
    let xs = (0..<n * row).map { Float(($0 / row) * 100 + $0 % row) }
    let ys = (0..<n).map { Float($0 % classes) }
    return Dataset(unchecked: Tensor(unchecked: [n] + sample, scalars: xs), y: Tensor(unchecked: [n], scalars: ys),
                   classNames: (0..<classes).map { "c\($0)" }, name: "numbered")
}

/// The sample numbers (first value / 100) of a `numberedDataset` part, in order.
func sampleIDs(_ ds: Dataset) -> [Int] {
    let row = ds.sampleShape.reduce(1, *)
    return (0..<ds.count).map { Int(ds.x.scalars[$0 * row]) / 100 }
}
