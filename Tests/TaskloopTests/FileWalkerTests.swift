import Foundation
@testable import Taskloop
import Testing

@Suite struct FileWalkerTests {
    /// A folder with `files` (relative paths) created empty.
    func folder(_ files: [String]) throws -> String {
        let root = NSTemporaryDirectory() + "taskloop-walker-" + UUID().uuidString
        for file in files {
            let path = root + "/" + file
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: path, contents: Data(file.utf8))
        }
        return root
    }

    func paths(_ patterns: [String], in root: String) throws -> [String] {
        FileWalker.files(matching: try patterns.map { try GlobPattern($0) }, in: root).map(\.path)
    }

    /// Sorted by UTF-8 bytes: `a.c` before `a/x.c` ('.' < '/'), upper case before lower.
    @Test func matchesComeSortedByTheirBytes() throws {
        let root = try folder(["src/a/x.c", "src/a.c", "src/B.c", "src/b.c", "src/a/y.h"])
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(try paths(["src/**/*.c"], in: root) == ["src/B.c", "src/a.c", "src/a/x.c", "src/b.c"])
    }

    @Test func aFileTwoPatternsMatchIsListedOnceAndExclusionsApply() throws {
        let root = try folder(["src/a.c", "src/gen/b.c", "src/c.c"])
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(try paths(["src/*.c", "src/a.c", "src/**/*.c", "!src/gen/*.c"], in: root) == ["src/a.c", "src/c.c"])
    }

    @Test func linkedFoldersAreFollowedAndTaskloopsOwnAreNot() throws {
        let root = try folder(["real/a.c", "src/b.c", "src/.taskloop/c.c", "src/.git/d.c"])
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createSymbolicLink(atPath: root + "/src/linked", withDestinationPath: root + "/real")
        #expect(try paths(["src/**/*.c"], in: root) == ["src/b.c", "src/linked/a.c"])
        #expect(try paths(["src"], in: root) == ["src/b.c", "src/linked/a.c"])
    }

    @Test func eachMatchCarriesItsStat() throws {
        let root = try folder(["one.txt"])
        defer { try? FileManager.default.removeItem(atPath: root) }
        let match = try #require(FileWalker.files(matching: [try GlobPattern("*.txt")], in: root).first)
        #expect(match.stat == FileStat.of(root + "/one.txt"))
        #expect(match.stat.size == 7)
    }
}
