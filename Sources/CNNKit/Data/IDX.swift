import Foundation

/// The IDX format of LeCun's MNIST files (and Fashion-MNIST's): two zero bytes, an element type code,
/// the number of dimensions, that many big-endian UInt32 sizes, then the elements in row-major order,
/// big-endian. Files may be gzip-compressed (detected by the 1f 8b magic, inflated by zlib).
///
/// Everything a header declares is validated before memory is reserved: the magic, the type code, a
/// rank of 1…4, each dimension (> 0), the element count against `Shape.maxElements`, and that the data
/// holds exactly count × element-size bytes, so a truncated or padded file is an error naming both sizes.
public enum IDX {
    /// IDX element types and their type codes.
    public enum ElementType: UInt8, CaseIterable, Sendable {
        case uint8 = 0x08, int8 = 0x09, int16 = 0x0B, int32 = 0x0C, float32 = 0x0D, float64 = 0x0E

        public var byteSize: Int {
            switch self {
            case .uint8, .int8: return 1
            case .int16: return 2
            case .int32, .float32: return 4
            case .float64: return 8
            }
        }

        /// The names the IDX description uses ("unsigned byte", …), shortened.
        public var name: String {
            switch self {
            case .uint8: return "ubyte"
            case .int8: return "sbyte"
            case .int16: return "short"
            case .int32: return "int"
            case .float32: return "float"
            case .float64: return "double"
            }
        }
    }

    /// 512 MiB: the most bytes a file may hold or a gzip stream may inflate to. The largest public IDX
    /// file (MNIST-style training images) inflates to 47 MB; the cap stops a gzip bomb.
    public static let byteLimit = 512 << 20

    /// The largest rank accepted: MNIST uses 1 (labels) and 3 (images); 4 leaves room for colour.
    public static let maxRank = 4

    /// Decodes IDX bytes, raw or gzip-compressed, into a float tensor of the declared shape holding the
    /// stored values unchanged (no scaling). `op` names the error (`mnist`, `fashion_mnist`, `idx`) and
    /// `source` says where the bytes came from (a path).
    public static func decode(_ bytes: [UInt8], op: String = "idx", source: String = "IDX data",
                              gzipLimit: Int = IDX.byteLimit) throws -> (tensor: Tensor, elementType: ElementType) {
        try decode(bytes, divisor: 1, op: op, source: source, gzipLimit: gzipLimit)
    }

    /// Reads and decodes an IDX file (raw or .gz). Files larger than `gzipLimit` are refused unread.
    /// `progress` hears of the file's bytes (its size on disk is the total): the read is the first
    /// half of the way, inflating a .gz file the second (compressed bytes consumed); a raw file's
    /// second half comes at once. Ctrl-C (`Engine.checkCancel()`) stops it between chunks.
    public static func read(path: String, op: String = "idx", gzipLimit: Int = IDX.byteLimit,
                            progress: ByteProgress? = nil) throws -> (tensor: Tensor, elementType: ElementType) {
        let size = FileReader.size(path) ?? 0
        let tally = progress.map { ProgressTally(weights: readAndInflateShares(size), job: $0) }
        let bytes = try readFile(path, op: op, limit: gzipLimit, tally: tally, part: 0)
        return try decode(bytes, divisor: 1, op: op, source: path, gzipLimit: gzipLimit, tally: tally, part: 1)
    }

    /// A file's size split between its read (first) and inflate (second) passes, for a `ProgressTally`.
    static func readAndInflateShares(_ size: Int) -> [Int] {
        [size / 2, size - size / 2]
    }

    /// The bytes of the regular file at `path` (symbolic links followed), refusing files over `limit`
    /// bytes before reading them, and devices or pipes, which could stream without end. Reports to
    /// part `part` of `tally`.
    static func readFile(_ path: String, op: String, limit: Int,
                         tally: ProgressTally? = nil, part: Int = 0) throws -> [UInt8] {
        do {
            return try FileReader.read(path, limit: limit, progress: tally?.part(part))
        } catch let failure as FileReader.Failure {
            switch failure.reason {
            case .unreadable(let why): throw OpError(op, "\(path): cannot read the file (\(why))")
            case .notRegularFile: throw OpError(op, "\(path): not a regular file")
            case .tooLarge(let size, let limit): throw OpError(op, "\(path): file is \(size) bytes, more than the \(limit)-byte limit for IDX data")
            case .changedWhileReading: throw OpError(op, "\(failure)")
            }
        }
    }

    /// Inflates `input` when it is gzip data (reporting to part `part` of `tally`), else returns it,
    /// marking that part finished.
    static func inflateIfGzip(_ input: [UInt8], op: String, source: String, limit: Int,
                              tally: ProgressTally?, part: Int) throws -> [UInt8] {
        guard Gzip.isGzip(input) else {
            try tally?.finish(part)
            return input
        }
        return try Gzip.decompress(input, limit: limit, op: op, source: source, progress: tally?.part(part))
    }

    /// The decoder behind `decode`, dividing every value by `divisor` as it converts (the MNIST
    /// loaders pass 255 so pixels are converted once).
    static func decode(_ input: [UInt8], divisor: Float, op: String, source: String, gzipLimit: Int,
                       tally: ProgressTally? = nil, part: Int = 0) throws -> (tensor: Tensor, elementType: ElementType) {
        let bytes = try inflateIfGzip(input, op: op, source: source, limit: gzipLimit, tally: tally, part: part)
        let header = try parseHeader(bytes, op: op, source: source)
        let scalars = convert(bytes, from: header.dataOffset, count: header.count, type: header.type, divisor: divisor)
        return (Tensor(unchecked: header.shape, scalars: scalars), header.type)
    }

    struct Header {
        var type: ElementType
        var shape: [Int]
        var count: Int
        var dataOffset: Int
    }

    /// Validates everything the header declares against the bytes present; allocates nothing large.
    static func parseHeader(_ bytes: [UInt8], op: String, source: String) throws -> Header {
        guard bytes.count >= 4 else {
            throw OpError(op, "\(source): \(bytes.count) bytes is too short for an IDX header (needs at least 4)")
        }
        guard bytes[0] == 0, bytes[1] == 0 else {
            throw OpError(op, "\(source): not an IDX file (starts with \(hex(bytes[0])) \(hex(bytes[1])), expected 0x00 0x00)")
        }
        guard let type = ElementType(rawValue: bytes[2]) else {
            let known = ElementType.allCases.map { "\(hex($0.rawValue)) \($0.name)" }.joined(separator: ", ")
            throw OpError(op, "\(source): unknown IDX element type \(hex(bytes[2])) (expected one of \(known))")
        }
        let rank = Int(bytes[3])
        guard rank >= 1, rank <= maxRank else {
            throw OpError(op, "\(source): IDX header declares \(rank) dimensions (need 1…\(maxRank))")
        }
        let dataOffset = 4 + 4 * rank
        guard bytes.count >= dataOffset else {
            throw OpError(op, "\(source): IDX header is truncated: \(rank) dimensions need \(dataOffset) header bytes, the data has \(bytes.count)")
        }
        var shape: [Int] = []
        for d in 0..<rank {
            let at = 4 + 4 * d
            shape.append(Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3]))
        }
        if let zero = shape.firstIndex(of: 0) {
            throw OpError(op, "\(source): dimension \(zero) of the declared shape \(Shape.describe(shape)) is 0")
        }
        let count: Int
        do {
            count = try Shape.elementCount(shape, op: op)
        } catch let error as OpError {
            throw OpError(op, "\(source): \(error.message)")
        }
        // count ≤ 2^31 and byteSize ≤ 8, so this product cannot overflow.
        let expected = count * type.byteSize
        let actual = bytes.count - dataOffset
        guard actual == expected else {
            let what = actual < expected ? "truncated" : "\(actual - expected) extra bytes"
            throw OpError(op, "\(source): shape \(Shape.describe(shape)) of \(type.name) needs \(expected) data bytes after the \(dataOffset)-byte header, found \(actual) (\(what))")
        }
        return Header(type: type, shape: shape, count: count, dataOffset: dataOffset)
    }

    /// Big-endian elements → Float, each divided by `divisor` (ubyte through a 256-entry table, so
    /// pixel/255 is the correctly rounded quotient, as PyTorch's `ToTensor` gives), split over threads
    /// in fixed chunks.
    static func convert(_ bytes: [UInt8], from offset: Int, count: Int, type: ElementType, divisor: Float) -> [Float] {
        let chunk = 1 << 16
        let chunks = (count + chunk - 1) / chunk
        let table = (0..<256).map { Float($0) / divisor }
        return [Float](unsafeUninitializedCapacity: count) { out, initialized in
            bytes.withUnsafeBufferPointer { inBuf in
                table.withUnsafeBufferPointer { lookup in
                    guard let src = inBuf.baseAddress.map({ $0 + offset }), let dst = out.baseAddress,
                          let ubyte = lookup.baseAddress else { return }
                    parallelFor(chunks) { c in
                        let lo = c * chunk, hi = min(count, lo + chunk)
                        switch type {
                        case .uint8:
                            for i in lo..<hi { dst[i] = ubyte[Int(src[i])] }
                        case .int8:
                            for i in lo..<hi { dst[i] = Float(Int8(bitPattern: src[i])) / divisor }
                        case .int16:
                            for i in lo..<hi {
                                let p = src + 2 * i
                                dst[i] = Float(Int16(bitPattern: UInt16(p[0]) << 8 | UInt16(p[1]))) / divisor
                            }
                        case .int32:
                            for i in lo..<hi { dst[i] = Float(Int32(bitPattern: bigEndian32(src + 4 * i))) / divisor }
                        case .float32:
                            for i in lo..<hi { dst[i] = Float(bitPattern: bigEndian32(src + 4 * i)) / divisor }
                        case .float64:
                            for i in lo..<hi {
                                let p = src + 8 * i
                                let bits = UInt64(bigEndian32(p)) << 32 | UInt64(bigEndian32(p + 4))
                                dst[i] = Float(Double(bitPattern: bits)) / divisor
                            }
                        }
                    }
                }
            }
            initialized = count
        }
    }

    @inline(__always)
    private static func bigEndian32(_ p: UnsafePointer<UInt8>) -> UInt32 {
        UInt32(p[0]) << 24 | UInt32(p[1]) << 16 | UInt32(p[2]) << 8 | UInt32(p[3])
    }

    private static func hex(_ b: UInt8) -> String {
        "0x" + (b < 16 ? "0" : "") + String(b, radix: 16, uppercase: true)
    }
}
