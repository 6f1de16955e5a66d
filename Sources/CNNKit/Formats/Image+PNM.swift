/// Netpbm grey and colour maps, parsed by hand: P2 (PGM text), P3 (PPM text), P5 (PGM binary) and P6
/// (PPM binary). The header is the magic, width, height and maxval (1…65535) as decimal numbers separated
/// by whitespace, with `#` comments to the end of a line; binary data follows exactly one whitespace byte
/// and holds one byte per sample when maxval < 256, else two, most significant first. Only the first
/// image of a multi-image file is read.
extension ImageFile {
    /// Binary PGM (P5) for a grey image, PPM (P6) for RGB, maxval 255.
    public static func encodePNM(_ image: PixelImage) -> [UInt8] {
        let header = "P\(image.channels == 3 ? 6 : 5)\n\(image.width) \(image.height)\n255\n"
        return Array(header.utf8) + image.bytes
    }
}

enum PNM {
    static func decode(_ bytes: [UInt8]) throws -> Tensor {
        var reader = Reader(bytes: bytes)
        guard bytes.count >= 2 else { throw error("the file is truncated before the header") }
        let kind = bytes[1]
        reader.offset = 2
        let channels: Int
        let binary: Bool
        switch kind {
        case UInt8(ascii: "2"): (channels, binary) = (1, false)
        case UInt8(ascii: "3"): (channels, binary) = (3, false)
        case UInt8(ascii: "5"): (channels, binary) = (1, true)
        case UInt8(ascii: "6"): (channels, binary) = (3, true)
        default:
            throw error("P\(Character(UnicodeScalar(kind))) bitmaps (PBM) are not supported; use a PGM (P2/P5) or PPM (P3/P6) file")
        }
        let name = channels == 1 ? "PGM" : "PPM"
        let width = try reader.headerNumber("width")
        let height = try reader.headerNumber("height")
        try ImageDecoding.checkSize(width: width, height: height, channels: channels, format: name)
        let maxValue = try reader.headerNumber("maxval")
        guard (1...65535).contains(maxValue) else {
            throw error("\(name) maxval \(maxValue) is outside 1…65535")
        }
        let count = width * height * channels
        var samples = [UInt16](repeating: 0, count: count)
        if binary {
            // Exactly one whitespace byte ends the header.
            guard reader.offset < bytes.count, Reader.isSpace(bytes[reader.offset]) else {
                throw error("\(name) header must end with one whitespace byte before the pixel data")
            }
            reader.offset += 1
            let width2 = maxValue > 255 ? 2 : 1
            let available = bytes.count - reader.offset
            guard available >= count * width2 else {
                throw error("\(name) data is truncated: \(width)×\(height)×\(channels) samples of \(width2) byte\(width2 == 1 ? "" : "s") need \(count * width2) bytes, the file has \(available)")
            }
            let start = reader.offset
            try bytes.withUnsafeBufferPointer { b in
                try samples.withUnsafeMutableBufferPointer { s in
                    for i in 0..<count {
                        let v = width2 == 1 ? UInt16(b[start + i]) : UInt16(b[start + 2 * i]) << 8 | UInt16(b[start + 2 * i + 1])
                        guard Int(v) <= maxValue else { throw sampleError(v, i, maxValue, name) }
                        s[i] = v
                    }
                }
            }
        } else {
            for i in 0..<count {
                guard let v = try reader.textNumber(limit: 65535) else {
                    throw error("\(name) data is truncated: \(count) samples expected, found \(i)")
                }
                guard v <= maxValue else { throw sampleError(UInt16(v), i, maxValue, name) }
                samples[i] = UInt16(v)
            }
        }
        return try samples.withUnsafeBufferPointer {
            try ImageDecoding.planar($0, width: width, height: height, channels: channels, maxValue: maxValue)
        }
    }

    static func error(_ message: String) -> OpError { OpError("load_image", message) }

    private static func sampleError(_ v: UInt16, _ i: Int, _ maxValue: Int, _ name: String) -> OpError {
        error("\(name) sample \(i) is \(v), above the maxval \(maxValue)")
    }

    private struct Reader {
        let bytes: [UInt8]
        var offset = 0

        static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (0x09...0x0D).contains(b) }

        /// Skips whitespace and comments; a comment runs from `#` to the end of the line.
        mutating func skipSpaceAndComments() {
            while offset < bytes.count {
                if Self.isSpace(bytes[offset]) {
                    offset += 1
                } else if bytes[offset] == UInt8(ascii: "#") {
                    while offset < bytes.count, bytes[offset] != 0x0A, bytes[offset] != 0x0D { offset += 1 }
                } else {
                    return
                }
            }
        }

        /// A decimal number, or nil at the end of the data; digits past `limit` are an error.
        mutating func textNumber(limit: Int) throws -> Int? {
            skipSpaceAndComments()
            guard offset < bytes.count else { return nil }
            let start = offset
            var value = 0
            while offset < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[offset]) {
                value = value * 10 + Int(bytes[offset] - UInt8(ascii: "0"))
                guard value <= limit else { throw PNM.error("number at byte \(start) is larger than \(limit)") }
                offset += 1
            }
            guard offset > start else {
                throw PNM.error("expected a decimal number at byte \(start), found \(describe(bytes[start]))")
            }
            guard offset == bytes.count || Self.isSpace(bytes[offset]) || bytes[offset] == UInt8(ascii: "#") else {
                throw PNM.error("expected whitespace after the number at byte \(start), found \(describe(bytes[offset]))")
            }
            return value
        }

        /// A header field; sides may be up to `maxSide` + 1 so the size check can name the real value.
        mutating func headerNumber(_ field: String) throws -> Int {
            guard let v = try textNumber(limit: 1 << 30) else {
                throw PNM.error("the file is truncated: the header ends before its \(field)")
            }
            return v
        }

        private func describe(_ b: UInt8) -> String {
            (0x21...0x7E).contains(b) ? "'\(Character(UnicodeScalar(b)))'" : "byte 0x\(String(b, radix: 16, uppercase: true))"
        }
    }
}
