/// Image files in and out: `ImageFile.decode` turns PNG, JPEG, PGM or PPM bytes into a 1×C×H×W tensor
/// in 0…1; `ImageFile.encodePNG` / `encodePNM` write a `PixelImage`, which `ImageGrid` makes from any
/// tensor. The format is recognised from the file's first bytes, never from its name.

/// An 8-bit image: `height` rows of `width` pixels, each `channels` (1 grey, 3 RGB) interleaved bytes.
public struct PixelImage: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public let channels: Int
    public var bytes: [UInt8]

    public init(width: Int, height: Int, channels: Int, bytes: [UInt8]) throws {
        guard channels == 1 || channels == 3 else {
            throw OpError("save_image", "an image has 1 (grey) or 3 (RGB) channels, got \(channels)")
        }
        guard width > 0, height > 0, width <= ImageFile.maxSide, height <= ImageFile.maxSide else {
            throw OpError("save_image", "an image is 1…\(ImageFile.maxSide) pixels per side, got \(width)×\(height)")
        }
        guard bytes.count == width * height * channels else {
            throw OpError("save_image", "\(width)×\(height)×\(channels) image needs \(width * height * channels) bytes, got \(bytes.count)")
        }
        self.width = width
        self.height = height
        self.channels = channels
        self.bytes = bytes
    }
}

public enum ImageFile {
    /// The largest width or height read or written; a file declaring more is refused before any
    /// pixel memory is allocated.
    public static let maxSide = 32768

    public enum Format: String, Sendable { case png = "PNG", jpeg = "JPEG", pnm = "PGM/PPM" }

    /// The format of a file from its signature, or nil.
    public static func sniff(_ bytes: [UInt8]) -> Format? {
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if bytes.count >= 2, bytes[0] == UInt8(ascii: "P"), (UInt8(ascii: "1")...UInt8(ascii: "6")).contains(bytes[1]) {
            return .pnm
        }
        return nil
    }

    /// Decodes an image file to a 1×C×H×W tensor with values in 0…1 (sample / maximum sample value).
    ///
    /// C is what the file stores: 1 for grey files, 3 for colour; alpha is dropped without compositing and
    /// palettes expand to RGB. `gray: true` converts colour to one channel with the ITU-R BT.601 luma
    /// weights 0.299 R + 0.587 G + 0.114 B, as PIL's `convert("L")` and OpenCV's `IMREAD_GRAYSCALE` do
    /// (computed in float, so without their rounding to 8 bits). Sample values are taken as stored: no
    /// gamma correction (PIL, OpenCV and torchvision do the same). Errors are `OpError("load_image", …)`.
    public static func decode(_ bytes: [UInt8], gray: Bool = false) throws -> Tensor {
        let t: Tensor
        switch sniff(bytes) {
        case .png: t = try decodePNG(bytes)
        case .jpeg: t = try decodeJPEG(bytes)
        case .pnm: t = try PNM.decode(bytes)
        case nil:
            guard !bytes.isEmpty else { throw OpError("load_image", "the file is empty") }
            let head = bytes.prefix(8).map { ($0 < 16 ? "0" : "") + String($0, radix: 16, uppercase: true) }.joined(separator: " ")
            throw OpError("load_image", "not a PNG, JPEG, PGM or PPM file (it starts with bytes \(head))")
        }
        return gray && t.shape[1] == 3 ? luma(t) : t
    }

    /// 1×3×H×W → 1×1×H×W with the BT.601 weights (see `decode`).
    public static func luma(_ rgb: Tensor) -> Tensor {
        let plane = rgb.shape[2] * rgb.shape[3]
        var out = [Float](repeating: 0, count: plane)
        rgb.scalars.withUnsafeBufferPointer { s in
            for p in 0..<plane {
                out[p] = 0.299 * s[p] + 0.587 * s[plane + p] + 0.114 * s[2 * plane + p]
            }
        }
        return Tensor(unchecked: [1, 1, rgb.shape[2], rgb.shape[3]], scalars: out)
    }
}

/// Shared by the decoders.
enum ImageDecoding {
    /// Checks a declared size before anything is allocated; every decoder calls it on its header.
    static func checkSize(width: Int, height: Int, channels: Int, format: String) throws {
        guard width > 0, height > 0 else {
            throw OpError("load_image", "\(format) declares an empty image (\(width)×\(height))")
        }
        guard width <= ImageFile.maxSide, height <= ImageFile.maxSide else {
            throw OpError("load_image", "\(format) declares \(width)×\(height) pixels, more than the \(ImageFile.maxSide) per side this version reads")
        }
        _ = try Shape.elementCount([1, channels, height, width], op: "load_image")
    }

    /// Interleaved H×W×C samples → planar 1×C×H×W floats divided by `maxValue` (the largest possible
    /// sample: 255, 65535 or a PGM/PPM maxval).
    static func planar<T: BinaryInteger>(_ samples: UnsafeBufferPointer<T>, width: Int, height: Int,
                                         channels: Int, maxValue: Int) throws -> Tensor {
        let shape = [1, channels, height, width]
        let count = try Shape.elementCount(shape, op: "load_image")
        guard samples.count >= count else {
            throw OpError("load_image", "decoder returned \(samples.count) samples for \(Shape.describe(shape))")
        }
        let plane = width * height
        let scale = 1 / Float(maxValue)
        var out = [Float](repeating: 0, count: count)
        out.withUnsafeMutableBufferPointer { o in
            for p in 0..<plane {
                for c in 0..<channels { o[c * plane + p] = Float(samples[p * channels + c]) * scale }
            }
        }
        return Tensor(unchecked: shape, scalars: out)
    }
}
