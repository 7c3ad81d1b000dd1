import ArgumentParser
import Foundation
import Taskloop

struct CacheCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cache",
        abstract: "Inspect or shrink the local cache of a pipeline's folder (.taskloop/cache).",
        subcommands: [CacheStatsCommand.self, CachePruneCommand.self]
    )
}

struct CacheStatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Print what the local cache holds.",
        discussion: """
            Examples:
              taskloop cache stats pipelines/build.yaml
              taskloop cache stats .
            """
    )

    @Argument(help: "A pipeline file, or the folder that holds .taskloop (default: the current folder).")
    var path: String = "."

    func run() throws {
        let cache = LocalCache.forPath(path)
        guard cache.exists else {
            FileHandleOutput.standardOutput("no cache at \(cache.location)\n")
            return
        }
        let statistics = cache.statistics()
        FileHandleOutput.standardOutput("""
            cache: \(cache.location)
            content store: \(statistics.blobs) blob\(statistics.blobs == 1 ? "" : "s"), \(ByteSize.describe(statistics.blobBytes))
            action results: \(statistics.actions)
            step records: \(statistics.stepRecords)
            stat cache: \(statistics.statEntries) file\(statistics.statEntries == 1 ? "" : "s")
            total: \(ByteSize.describe(statistics.totalBytes))

            """)
    }
}

struct CachePruneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Shrink the content store to a size, removing the least recently used outputs first.",
        discussion: """
            Waits for runs that use the cache to end (they hold its lock). Action results whose \
            outputs were removed go too; a step whose outputs are gone then runs again instead of \
            being restored.

            Examples:
              taskloop cache prune --max-size 500M
              taskloop cache prune pipelines/build.yaml --max-size 0
            """
    )

    @Argument(help: "A pipeline file, or the folder that holds .taskloop (default: the current folder).")
    var path: String = "."

    @Option(help: ArgumentHelp("The most the content store may hold: bytes, or with K, M or G (1024-based).", valueName: "size"))
    var maxSize: String

    func validate() throws {
        if ByteSize.parse(maxSize) == nil {
            throw ValidationError("--max-size expects a size such as 500M, 2G or 0, got `\(maxSize)`")
        }
    }

    func run() throws {
        let cache = LocalCache.forPath(path)
        guard cache.exists else {
            FileHandleOutput.standardOutput("no cache at \(cache.location)\n")
            return
        }
        do {
            let removed = try cache.prune(maxBytes: ByteSize.parse(maxSize) ?? 0) {
                FileHandleOutput.standardError("waiting for running taskloop processes to release \(cache.location)…\n")
            }
            FileHandleOutput.standardOutput(
                "removed \(removed.blobs) blob\(removed.blobs == 1 ? "" : "s") (\(ByteSize.describe(removed.bytes))) and \(removed.actions) action result\(removed.actions == 1 ? "" : "s")\n")
        } catch {
            FileHandleOutput.standardError("error: \(error)\n")
            throw ExitCode(ExitStatus.stepFailed)
        }
    }
}

/// Sizes as `--max-size` takes them and the cache commands print them.
enum ByteSize {
    static func parse(_ text: String) -> Int64? {
        let units: [Character: Int64] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40]
        var digits = text.uppercased()
        if digits.hasSuffix("B") { digits.removeLast() }
        var factor: Int64 = 1
        if let last = digits.last, let unit = units[last] {
            factor = unit
            digits.removeLast()
        }
        guard let number = Double(digits), number >= 0, number * Double(factor) < 9e18 else { return nil }
        return Int64(number * Double(factor))
    }

    static func describe(_ bytes: Int64) -> String {
        if bytes < 1024 { return "\(bytes) B" }
        let units = ["KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes) / 1024
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return String(format: "%.1f %@", value, units[unit])
    }
}
