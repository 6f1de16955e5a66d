import CNNKit
import Foundation

extension Builtins {
    static let images: [Builtin] = [
        Builtin(
            name: "load_image", group: .files,
            summary: "Reads a PNG, JPEG, PGM or PPM file as a 1×C×H×W tensor in 0…1 (C = 1 grey, 3 colour).",
            parameters: [
                .required("path", "the image file; its format is recognised from its first bytes"),
                .labeled("gray", .bool(false), "true: one channel, colour converted with the BT.601 weights 0.299 R + 0.587 G + 0.114 B"),
            ],
            shapes: "→ 1×C×H×W",
            notes: """
                Values are sample / largest sample (255, 65535 or the PGM/PPM maxval), as stored: no gamma
                correction, as in PIL, OpenCV and torchvision. Alpha is dropped, palettes expand to RGB,
                16-bit files keep their precision. Damaged or truncated files are errors, never partial images.
                """,
            example: "save_image(rand(1, 3, 8, 8, seed: 1), \"/tmp/cnns-example.png\"); shape(load_image(\"/tmp/cnns-example.png\", gray: true))",
            body: { a, i in
                let path = try a.string("path")
                let gray = try a.bool("gray")
                do {
                    return .tensor(try FileFormats.load(path, op: "load_image", session: i.session) { try ImageFile.decode($0, gray: gray) })
                } catch let e as OpError {
                    throw RuntimeError("load_image: \(Value.quote(path)): \(e.message)")
                }
            }),
        Builtin(
            name: "save_image", group: .files,
            summary: "Writes a tensor as a picture (.png, or .pgm/.ppm): one image as it is, several as a labelled grid of tiles.",
            parameters: [
                .required("x", "H×W, C×H×W or N×C×H×W"),
                .required("path", "the file to write: .png, .pgm or .ppm"),
                .labeled("scale", .string("auto"), "\"auto\", \"tile\", \"shared\" or \"none\" (see below)"),
                .labeled("rgb", .bool(true), "3 channels make one colour tile; false shows them as 3 grey tiles"),
            ],
            shapes: "x: H×W | C×H×W | N×C×H×W",
            notes: """
                One tile (H×W, 1×H×W, 3×H×W, 1×1×H×W, 1×3×H×W) is written as it is. More become a grid on a dark
                background, each tile labelled (n2 c5: item 2, channel 5), small tiles (filters) enlarged to about
                32 pixels; N items of C grey channels form N rows of C tiles, anything else a near-square grid.
                scale: "auto" writes values already within 0…1 as they are and otherwise scales each tile from
                its minimum (black) to its maximum (white); "tile" always does that; "shared" uses one minimum and
                maximum for the whole tensor; "none" clips to 0…1. A constant tile under tile scaling is black.
                Writes a temporary file and renames it, so a failed save leaves the old file intact.
                """,
            example: "save_image(conv(rand(1, 1, 16, 16, seed: 1), randn(4, 1, 3, 3, seed: 2)), \"/tmp/cnns-maps.png\")",
            body: { a, _ in
                let path = try a.string("path")
                let x = try a.tensor("x")
                let scaleName = try a.choice("scale", ImageScale.allCases.map(\.rawValue))
                let scale = ImageScale(rawValue: scaleName) ?? .auto
                let rgb = try a.bool("rgb")
                let ext = try FileFormats.extensionOf(path, op: "save_image")
                guard [".png", ".pgm", ".ppm"].contains(ext) else {
                    throw RuntimeError("save_image: cannot write \(Value.quote(ext)) files (supported: .png, .pgm, .ppm)", at: a.pos("path"))
                }
                let data: [UInt8]
                do {
                    let picture = try ImageGrid.render(x, scale: scale, rgb: rgb)
                    data = ext == ".png" ? try ImageFile.encodePNG(picture) : PNMWriter.encode(picture, ext: ext)
                } catch let e as OpError {
                    throw RuntimeError("save_image: \(Value.quote(path)): \(e.message)")
                }
                try FileFormats.writeAtomically(Data(data), to: path, op: "save_image")
                return .none
            }),
        Builtin(
            name: "script_dir", group: .session,
            summary: "The directory of the script file being run (\".\" in the shell, -e and pipes), to find files beside it.",
            parameters: [],
            example: "print(script_dir() + \"/data/scene.png\")",
            body: { _, i in
                let file = i.session.currentFile
                guard !file.hasPrefix("<") else { return .string(".") }
                let dir = (file as NSString).deletingLastPathComponent
                return .string(dir.isEmpty ? "." : dir)
            }),
    ]
}

/// .pgm takes grey pictures and .ppm colour ones; the other kind is converted (grey replicated, colour
/// to BT.601 luma) so the file matches its extension.
enum PNMWriter {
    static func encode(_ picture: PixelImage, ext: String) -> [UInt8] {
        let wantChannels = ext == ".ppm" ? 3 : 1
        guard picture.channels != wantChannels,
              let converted = try? PixelImage(width: picture.width, height: picture.height, channels: wantChannels,
                                              bytes: convert(picture.bytes, from: picture.channels)) else {
            return ImageFile.encodePNM(picture)
        }
        return ImageFile.encodePNM(converted)
    }

    private static func convert(_ bytes: [UInt8], from channels: Int) -> [UInt8] {
        if channels == 1 { return bytes.flatMap { [$0, $0, $0] } }
        var out = [UInt8](repeating: 0, count: bytes.count / 3)
        for p in out.indices {
            let y = 0.299 * Float(bytes[3 * p]) + 0.587 * Float(bytes[3 * p + 1]) + 0.114 * Float(bytes[3 * p + 2])
            out[p] = UInt8(min(y.rounded(), 255))
        }
        return out
    }
}

extension FileFormats {
    /// Pictures for `load`/`save` by extension: `load` is `load_image` (channels as stored), `save` is
    /// `save_image` with its defaults. Listed in `FileFormats.all` by the owner of that table.
    static let imageFormats: [FileFormat] = [
        FileFormat(
            extensions: [".png", ".jpg", ".jpeg", ".pgm", ".ppm", ".pnm"], loads: "a 1×C×H×W image tensor", saves: "",
            load: { bytes, _ in .tensor(try ImageFile.decode(bytes)) },
            save: nil),
        pictureWriter(".png"), pictureWriter(".pgm"), pictureWriter(".ppm"),
    ]

    private static func pictureWriter(_ ext: String) -> FileFormat {
        FileFormat(
            extensions: [ext], loads: "", saves: "a tensor as a picture",
            load: nil,
            save: { value, _ in
                guard let t = try Convert.tensor(value) else {
                    throw RuntimeError("save: \(ext) holds a picture of a tensor, got \(value.brief)")
                }
                let picture = try ImageGrid.render(t)
                return Data(ext == ".png" ? try ImageFile.encodePNG(picture) : PNMWriter.encode(picture, ext: ext))
            })
    }
}
