import CImageShim
import CPNG

/// PNG and JPEG through libpng and libjpeg-turbo. Decoding goes through the C shim (CImageShim), which
/// keeps their setjmp error handling in C and checks the declared size before allocating; encoding PNG
/// uses libpng's simplified write API, which reports errors without longjmp.
extension ImageFile {
    static func decodePNG(_ bytes: [UInt8]) throws -> Tensor {
        try decodeWithShim(bytes, format: "PNG", cnns_png_decode)
    }

    static func decodeJPEG(_ bytes: [UInt8]) throws -> Tensor {
        try decodeWithShim(bytes, format: "JPEG", cnns_jpeg_decode)
    }

    private typealias ShimDecoder = (UnsafePointer<UInt8>?, Int, cnns_image_limits, UnsafeMutablePointer<cnns_image>?) -> Int32

    private static func decodeWithShim(_ bytes: [UInt8], format: String, _ decoder: ShimDecoder) throws -> Tensor {
        let limits = cnns_image_limits(max_side: maxSide, max_values: Int64(Shape.maxElements))
        var image = cnns_image()
        defer { cnns_image_free(&image) }
        let status = bytes.withUnsafeBufferPointer { decoder($0.baseAddress, $0.count, limits, &image) }
        guard status == 0 else {
            let message = withUnsafeBytes(of: image.message) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            throw OpError("load_image", message.isEmpty ? "cannot decode the \(format) file" : message)
        }
        let (w, h, c) = (Int(image.width), Int(image.height), Int(image.channels))
        try ImageDecoding.checkSize(width: w, height: h, channels: c, format: format)
        guard let pixels = image.pixels else { throw OpError("load_image", "\(format) decoder returned no pixels") }
        if image.depth == 16 {
            let samples = UnsafeBufferPointer(start: pixels.assumingMemoryBound(to: UInt16.self), count: w * h * c)
            return try ImageDecoding.planar(samples, width: w, height: h, channels: c, maxValue: 65535)
        }
        let samples = UnsafeBufferPointer(start: pixels.assumingMemoryBound(to: UInt8.self), count: w * h * c)
        return try ImageDecoding.planar(samples, width: w, height: h, channels: c, maxValue: 255)
    }

    /// An 8-bit grey or RGB PNG of `image` (libpng's simplified API; it also writes an sRGB chunk).
    public static func encodePNG(_ image: PixelImage) throws -> [UInt8] {
        var png = png_image()
        png.version = png_uint_32(PNG_IMAGE_VERSION)
        png.width = png_uint_32(image.width)
        png.height = png_uint_32(image.height)
        png.format = image.channels == 3 ? png_uint_32(PNG_FORMAT_RGB) : png_uint_32(PNG_FORMAT_GRAY)
        let stride = Int32(image.width * image.channels)
        // First call sizes the output, second writes it; both report failure through png.message.
        var size = 0
        let sized = image.bytes.withUnsafeBytes { raw in
            png_image_write_to_memory(&png, nil, &size, 0, raw.baseAddress, stride, nil)
        }
        guard sized != 0, size > 0 else { throw pngWriteError(&png) }
        var out = [UInt8](repeating: 0, count: size)
        let written = out.withUnsafeMutableBytes { dest in
            image.bytes.withUnsafeBytes { raw in
                png_image_write_to_memory(&png, dest.baseAddress, &size, 0, raw.baseAddress, stride, nil)
            }
        }
        guard written != 0 else { throw pngWriteError(&png) }
        png_image_free(&png)
        return Array(out.prefix(size))
    }

    private static func pngWriteError(_ png: inout png_image) -> OpError {
        let message = withUnsafeBytes(of: png.message) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        png_image_free(&png)
        return OpError("save_image", "libpng could not write the image: \(message)")
    }
}
