import CompressNIO
import Foundation
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// `gzip`: compresses a file to a `.gz` file, streamed through zlib (via
/// CompressNIO) in 1 MiB chunks; the target appears only when complete.
public enum GzipFunction: CPUFunction {
    public struct Input: Sendable {
        var from: String
        var to: String?
    }

    public static let name = "gzip"
    public static let summary = "Compress a file with gzip, streamed; outputs `path`, `bytes`, `ratio`."
    public static let fields = [
        FieldDocumentation("from", type: "path", required: true, "The file to compress."),
        FieldDocumentation("to", type: "path", "The compressed file (default: `from` + `.gz`)."),
    ]

    public static func decode(_ configuration: ConfigNode, field: String) throws(PipelineDiagnostics) -> Input {
        let mapping = try configuration.mapping(field: field, known: ["from", "to"])
        return Input(from: try mapping.required("from").string(field: mapping.name(of: "from")), to: try mapping.string("to"))
    }

    public static func run(_ input: Input, in context: CPUContext) throws -> StepOutputs {
        let source = context.resolve(input.from)
        let target = context.resolve(input.to ?? input.from + ".gz")
        let (read, written) = try StreamingZlib.transform(source, to: target, shownAs: input.from, compressing: true)
        return [
            "path": .string(target), "bytes": JSONValue(Int(written)),
            "ratio": .number(read == 0 ? 0 : (Double(written) / Double(read) * 1000).rounded() / 1000),
        ]
    }
}

/// `gunzip`: the reverse of `gzip`.
public enum GunzipFunction: CPUFunction {
    public static let name = "gunzip"
    public static let summary = "Decompress a gzip file, streamed; outputs `path`, `bytes`."
    public static let fields = [
        FieldDocumentation("from", type: "path", required: true, "The `.gz` file."),
        FieldDocumentation("to", type: "path", "The decompressed file (default: `from` without `.gz`)."),
    ]

    public static func decode(_ configuration: ConfigNode, field: String) throws(PipelineDiagnostics) -> GzipFunction.Input {
        let input = try GzipFunction.decode(configuration, field: field)
        if input.to == nil, !input.from.hasSuffix(".gz") {
            throw PipelineDiagnostics(.missingField("to", context: field + " (`from` does not end in `.gz`)"), at: configuration.location)
        }
        return input
    }

    public static func run(_ input: GzipFunction.Input, in context: CPUContext) throws -> StepOutputs {
        let source = context.resolve(input.from)
        let target = context.resolve(input.to ?? String(input.from.dropLast(3)))
        let (_, written) = try StreamingZlib.transform(source, to: target, shownAs: input.from, compressing: false)
        return ["path": .string(target), "bytes": JSONValue(Int(written))]
    }
}

/// Streams a file through a zlib compressor or decompressor into a temporary
/// file beside the target, renamed into place when complete. Any failure (a
/// full disk, a corrupt input) fails the step with the system's reason and
/// the path, and removes the temporary file.
enum StreamingZlib {
    static func transform(_ source: String, to target: String, shownAs name: String, compressing: Bool) throws -> (read: Int64, written: Int64) {
        guard let input = FileHandle(forReadingAtPath: source) else { throw StepFailure("cannot read \(name): no such file") }
        defer { try? input.close() }
        let folder = (target as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: folder.isEmpty ? "." : folder, withIntermediateDirectories: true)
        StaleTemporaryFiles.sweepOnceBlocking(folderOf: target)
        let temporary = AtomicFile.temporaryPath(for: target)
        let output = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard output >= 0 else {
            throw StepFailure("cannot write \(target): \(SystemErrorText.describe(errno))")
        }
        var finished = false
        defer {
            close(output)
            if !finished { unlink(temporary) }
        }
        var read: Int64 = 0
        var written: Int64 = 0
        var window = ByteBufferAllocator().buffer(capacity: 1 << 20)
        let emit = { (out: ByteBuffer) throws in
            try writeAll(out, to: output, target: target)
            written += Int64(out.readableBytes)
        }
        do {
            if compressing {
                let compressor = try ZlibCompressor(algorithm: .gzip)
                while true {
                    let chunk = try input.read(upToCount: 1 << 20) ?? Data()
                    var buffer = ByteBuffer(bytes: chunk)
                    read += Int64(chunk.count)
                    try buffer.compressStream(with: compressor, window: &window, flush: chunk.isEmpty ? .finish : .no, process: emit)
                    if chunk.isEmpty { break }
                }
            } else {
                let decompressor = try ZlibDecompressor(algorithm: .gzip)
                while true {
                    let chunk = try input.read(upToCount: 1 << 20) ?? Data()
                    if chunk.isEmpty { break }
                    var buffer = ByteBuffer(bytes: chunk)
                    read += Int64(chunk.count)
                    try buffer.decompressStream(with: decompressor, window: &window, process: emit)
                    // The call hands over what is left in the window but keeps it there.
                    window.clear()
                }
            }
        } catch let failure as StepFailure {
            throw failure
        } catch {
            throw StepFailure("cannot \(compressing ? "compress" : "decompress") \(name): \(error)")
        }
        guard fsync(output) == 0 else { throw StepFailure("cannot write \(target): \(SystemErrorText.describe(errno))") }
        guard rename(temporary, target) == 0 else {
            throw StepFailure("cannot move the result into place at \(target): \(SystemErrorText.describe(errno))")
        }
        finished = true
        return (read, written)
    }

    /// Writes all of `buffer` with `write(2)`, retrying short writes and
    /// EINTR; a failure (ENOSPC) names the target and the system's reason.
    private static func writeAll(_ buffer: ByteBuffer, to descriptor: CInt, target: String) throws {
        try buffer.withUnsafeReadableBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let count = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if count < 0 {
                    if errno == EINTR { continue }
                    throw StepFailure("cannot write \(target): \(SystemErrorText.describe(errno))")
                }
                offset += count
            }
        }
    }
}
