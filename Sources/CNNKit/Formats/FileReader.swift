import Foundation

/// Reads whole files in chunks, so a long read can show progress and stop on Ctrl-C: every loader of
/// user files (tensors, models, weights, images, IDX data sets) reads through here.
public enum FileReader {
    /// Why a file could not be read. Callers phrase it in their own voice (the language says
    /// `load: cannot read "w.npy": No such file or directory`, the IDX reader `mnist: PATH: …`).
    public struct Failure: Error, Equatable, CustomStringConvertible, Sendable {
        public enum Reason: Equatable, Sendable {
            /// open(2) or read(2) failed; the system's words (`No such file or directory`).
            case unreadable(String)
            /// A directory, device, pipe or socket: something that is not a regular file.
            case notRegularFile
            /// The file is larger than the caller's limit; checked before reading anything.
            case tooLarge(size: Int, limit: Int)
            /// The file shrank or grew while it was being read.
            case changedWhileReading(expected: Int)
        }
        public var path: String
        public var reason: Reason

        public var description: String {
            switch reason {
            case .unreadable(let why): return "\(path): cannot read the file: \(why)"
            case .notRegularFile: return "\(path): not a regular file"
            case .tooLarge(let size, let limit): return "\(path): file is \(size) bytes, more than the \(limit)-byte limit"
            case .changedWhileReading(let expected): return "\(path): the file changed size while being read (it was \(expected) bytes)"
            }
        }
    }

    /// The size in bytes of the file at `path` (links followed), or nil when it cannot be examined.
    public static func size(_ path: String) -> Int? {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : nil
    }

    /// Every byte of the regular file at `path` (symbolic links followed), read `progress.step` bytes
    /// at a time (`ByteProgress.defaultStep` without one). Between chunks it checks
    /// `Engine.checkCancel()` and reports (bytes read, file size) to `progress`: (0, size) first,
    /// (size, size) last. Devices, pipes and directories are refused without reading (the file is
    /// opened non-blocking, so a FIFO cannot hang the open), as is a file over `limit` bytes.
    /// Throws `Failure`, or `CancelledError`.
    public static func read(_ path: String, limit: Int = Int.max, progress: ByteProgress? = nil) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw Failure(path: path, reason: .unreadable(String(cString: strerror(errno)))) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw Failure(path: path, reason: .unreadable(String(cString: strerror(errno)))) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw Failure(path: path, reason: .notRegularFile) }
        let size = Int(info.st_size)
        guard size <= limit else { throw Failure(path: path, reason: .tooLarge(size: size, limit: limit)) }

        let step = progress?.step ?? ByteProgress.defaultStep
        try progress?.report(0, size)
        let bytes = try [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            guard let base = buffer.baseAddress else { return }  // an empty file
            while initialized < size {
                try Engine.checkCancel()
                let end = min(size, initialized + step)
                while initialized < end {
                    let n = systemRead(fd, base + initialized, end - initialized)
                    if n < 0, errno == EINTR { continue }
                    guard n >= 0 else { throw Failure(path: path, reason: .unreadable(String(cString: strerror(errno)))) }
                    guard n > 0 else { throw Failure(path: path, reason: .changedWhileReading(expected: size)) }
                    initialized += n
                }
                try progress?.report(initialized, size)
            }
        }
        // One more byte means the file grew after fstat: what was read is not the whole file.
        var extra: UInt8 = 0
        guard systemRead(fd, &extra, 1) <= 0 else { throw Failure(path: path, reason: .changedWhileReading(expected: size)) }
        return bytes
    }
}

/// read(2), named apart from `FileReader.read` so the call inside it reaches the system's.
private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(fd, buffer, count)
}
