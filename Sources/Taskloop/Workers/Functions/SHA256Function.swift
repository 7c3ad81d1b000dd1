import Crypto
import Foundation

/// `sha256`: the SHA-256 of a file, or of a folder tree, read in 1 MiB chunks.
///
/// A folder's digest is the SHA-256 of lines `HEX  PATH\n` (what `sha256sum`
/// prints) for every regular file below it, by relative path in byte order,
/// so it changes when any file's name or content does.
public enum SHA256Function: CPUFunction {
    public static let name = "sha256"
    public static let summary = "SHA-256 of a file or a folder tree, streamed; outputs `hex`, `files`, `bytes`."
    public static let fields = [FieldDocumentation("path", type: "path", required: true, "The file or folder to hash.")]

    public static func decode(_ configuration: ConfigNode, field: String) throws(PipelineDiagnostics) -> String {
        let mapping = try configuration.mapping(field: field, known: ["path"])
        return try mapping.required("path").string(field: mapping.name(of: "path"))
    }

    public static func run(_ path: String, in context: CPUContext) throws -> StepOutputs {
        let target = context.resolve(path)
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: target, isDirectory: &isFolder) else {
            throw StepFailure("cannot hash \(path): no such file or folder")
        }
        if !isFolder.boolValue {
            let (hex, bytes) = try digest(ofFile: target, shownAs: path)
            return ["hex": .string(hex), "files": JSONValue(1), "bytes": JSONValue(Int(bytes))]
        }
        let files = try regularFiles(below: target).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        var tree = SHA256()
        var total: Int64 = 0
        for file in files {
            let (hex, bytes) = try digest(ofFile: target + "/" + file, shownAs: path + "/" + file)
            tree.update(data: Data("\(hex)  \(file)\n".utf8))
            total += bytes
        }
        return ["hex": .string(hexString(tree.finalize())), "files": JSONValue(files.count), "bytes": JSONValue(Int(total))]
    }

    static func digest(ofFile path: String, shownAs name: String) throws -> (hex: String, bytes: Int64) {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw StepFailure("cannot read \(name)") }
        defer { try? handle.close() }
        var hasher = SHA256()
        var total: Int64 = 0
        while true {
            let chunk: Data
            do {
                chunk = try handle.read(upToCount: 1 << 20) ?? Data()
            } catch {
                throw StepFailure("cannot read \(name): \(error.localizedDescription)")
            }
            if chunk.isEmpty { break }
            hasher.update(data: chunk)
            total += Int64(chunk.count)
        }
        return (hexString(hasher.finalize()), total)
    }

    static func regularFiles(below folder: String) throws -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: folder) else {
            throw StepFailure("cannot list \(folder)")
        }
        var files: [String] = []
        while let relative = walker.nextObject() as? String {
            if walker.fileAttributes?[.type] as? FileAttributeType == .typeRegular { files.append(relative) }
        }
        return files
    }

    static func hexString(_ digest: SHA256.Digest) -> String {
        digest.map { byte in (byte < 16 ? "0" : "") + String(byte, radix: 16) }.joined()
    }
}
