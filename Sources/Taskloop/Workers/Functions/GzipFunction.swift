import CompressNIO
import Foundation
import NIOCore

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
/// file beside the target, renamed into place when complete.
enum StreamingZlib {
    static func transform(_ source: String, to target: String, shownAs name: String, compressing: Bool) throws -> (read: Int64, written: Int64) {
        guard let input = FileHandle(forReadingAtPath: source) else { throw StepFailure("cannot read \(name): no such file") }
        defer { try? input.close() }
        let folder = (target as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: folder.isEmpty ? "." : folder, withIntermediateDirectories: true)
        let temporary = AtomicFile.temporaryPath(for: target)
        guard FileManager.default.createFile(atPath: temporary, contents: nil), let output = FileHandle(forWritingAtPath: temporary) else {
            throw StepFailure("cannot write \(target)")
        }
        var finished = false
        defer {
            try? output.close()
            if !finished { try? FileManager.default.removeItem(atPath: temporary) }
        }
        var read: Int64 = 0
        var written: Int64 = 0
        var window = ByteBufferAllocator().buffer(capacity: 1 << 20)
        do {
            if compressing {
                let compressor = try ZlibCompressor(algorithm: .gzip)
                while true {
                    let chunk = try input.read(upToCount: 1 << 20) ?? Data()
                    var buffer = ByteBuffer(bytes: chunk)
                    read += Int64(chunk.count)
                    try buffer.compressStream(with: compressor, window: &window, flush: chunk.isEmpty ? .finish : .no) { out in
                        written += Int64(out.readableBytes)
                        output.write(Data(out.readableBytesView))
                    }
                    if chunk.isEmpty { break }
                }
            } else {
                let decompressor = try ZlibDecompressor(algorithm: .gzip)
                while true {
                    let chunk = try input.read(upToCount: 1 << 20) ?? Data()
                    if chunk.isEmpty { break }
                    var buffer = ByteBuffer(bytes: chunk)
                    read += Int64(chunk.count)
                    try buffer.decompressStream(with: decompressor, window: &window) { out in
                        written += Int64(out.readableBytes)
                        output.write(Data(out.readableBytesView))
                    }
                    // The call hands over what is left in the window but keeps it there.
                    window.clear()
                }
            }
        } catch let failure as StepFailure {
            throw failure
        } catch {
            throw StepFailure("cannot \(compressing ? "compress" : "decompress") \(name): \(error)")
        }
        try output.synchronize()
        guard rename(temporary, target) == 0 else { throw StepFailure("cannot move the result into place at \(target)") }
        finished = true
        return (read, written)
    }
}
