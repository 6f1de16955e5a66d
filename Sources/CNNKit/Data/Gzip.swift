import CZlib

/// gzip decompression through zlib (never a hand-written inflate), bounded so that a small hostile
/// file cannot claim unbounded memory: output beyond `limit` bytes stops the stream with an error.
enum Gzip {
    static let defaultLimit = IDX.byteLimit

    /// True when `bytes` opens with the gzip magic 1f 8b.
    static func isGzip(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B
    }

    /// Inflates one gzip stream, or several concatenated members (what `cat a.gz b.gz` makes), as
    /// `gzip -d` does. Throws `OpError(op, …)` naming `source` for corrupt, truncated or over-limit
    /// streams and for bytes after the last member.
    ///
    /// The input is fed to zlib `progress.step` bytes at a time (`ByteProgress.defaultStep` without
    /// one); between chunks it checks `Engine.checkCancel()` (throwing `CancelledError`) and reports
    /// the compressed bytes consumed so far against `input.count`, from 0 to `input.count`.
    static func decompress(_ input: [UInt8], limit: Int = defaultLimit, op: String, source: String,
                           progress: ByteProgress? = nil) throws -> [UInt8] {
        var stream = z_stream()
        let started = inflateInit2_(&stream, 16 + MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard started == Z_OK else {
            throw OpError(op, "\(source): zlib could not start inflating (status \(started))")
        }
        defer { inflateEnd(&stream) }

        // The trailer's ISIZE (length mod 2^32) sizes the first buffer; a hostile file can lie about
        // it, so it is only a hint and the limit still rules.
        var capacity = 1 << 16
        if input.count >= 4 {
            let n = input.count
            let hint = Int(input[n - 4]) | Int(input[n - 3]) << 8 | Int(input[n - 2]) << 16 | Int(input[n - 1]) << 24
            capacity = max(capacity, min(hint + 1, limit + 1))
        }
        var output = [UInt8](repeating: 0, count: capacity)
        var produced = 0
        var consumed = 0
        let step = progress?.step ?? ByteProgress.defaultStep
        var nextReport = step
        try progress?.report(0, input.count)

        while true {
            try Engine.checkCancel()
            if produced == output.count {
                guard output.count <= limit else { break }
                let grown = min(output.count * 2, limit + 1)
                output.append(contentsOf: repeatElement(0, count: grown - output.count))
            }
            let pass: (status: Int32, read: Int, written: Int) = input.withUnsafeBufferPointer { inBuf in
                output.withUnsafeMutableBufferPointer { outBuf in
                    guard let inBase = inBuf.baseAddress, let outBase = outBuf.baseAddress else {
                        return (Z_BUF_ERROR, 0, 0)
                    }
                    let availIn = min(inBuf.count - consumed, step, Int(UInt32.max))
                    let availOut = min(outBuf.count - produced, Int(UInt32.max))
                    stream.next_in = UnsafeMutablePointer(mutating: inBase + consumed)
                    stream.avail_in = UInt32(availIn)
                    stream.next_out = outBase + produced
                    stream.avail_out = UInt32(availOut)
                    let status = inflate(&stream, Z_NO_FLUSH)
                    return (status, availIn - Int(stream.avail_in), availOut - Int(stream.avail_out))
                }
            }
            consumed += pass.read
            produced += pass.written
            if produced > limit { break }
            if consumed >= nextReport, consumed < input.count {
                try progress?.report(consumed, input.count)
                nextReport = consumed + step
            }

            switch pass.status {
            case Z_OK:
                continue
            case Z_STREAM_END:
                if consumed == input.count {
                    output.removeLast(output.count - produced)
                    try progress?.report(input.count, input.count)
                    return output
                }
                guard input.count - consumed >= 2, input[consumed] == 0x1F, input[consumed + 1] == 0x8B else {
                    throw OpError(op, "\(source): \(input.count - consumed) unexpected bytes after the end of the gzip stream")
                }
                inflateReset(&stream)
            case Z_BUF_ERROR where produced < output.count && consumed == input.count:
                // No progress with output room left: the input ran out before the stream's end.
                throw OpError(op, "\(source): gzip stream is truncated (ended after \(input.count) compressed bytes, \(produced) bytes inflated)")
            case Z_BUF_ERROR where produced < output.count:
                // zlib makes progress whenever it has input and room; none with both means it is stuck.
                throw OpError(op, "\(source): zlib made no progress inflating at compressed byte \(consumed)")
            case Z_BUF_ERROR:
                continue
            case Z_DATA_ERROR, Z_NEED_DICT:
                let detail = stream.msg.map { String(cString: $0) } ?? "invalid data"
                throw OpError(op, "\(source): corrupt gzip data (\(detail)) at compressed byte \(consumed)")
            case Z_MEM_ERROR:
                throw OpError(op, "\(source): out of memory while inflating gzip data")
            default:
                throw OpError(op, "\(source): zlib failed while inflating (status \(pass.status))")
            }
        }
        throw OpError(op, "\(source): gzip data inflates to more than \(limit) bytes (the limit); refusing to continue")
    }
}
