@testable import Taskloop
import Testing

@Suite struct StatCacheTests {
    let stat = FileStat(device: 2049, inode: 77, size: 12, modified: 1_000, changed: 1_000)
    let digest = String(repeating: "ab", count: 32)

    @Test func anEntryWithTheSameStatIsTrusted() {
        var cache = StatCache(entries: [:], trustedBefore: 5_000)
        cache.record("/p/a.c", stat: stat, digest: digest)
        #expect(cache.digest(of: "/p/a.c", stat: stat) == digest)
    }

    @Test func anyChangedStatFieldMeansRehash() {
        var cache = StatCache(entries: [:], trustedBefore: 5_000)
        cache.record("/p/a.c", stat: stat, digest: digest)
        var changed = stat
        changed.changed += 1
        #expect(cache.digest(of: "/p/a.c", stat: changed) == nil)
        changed = stat
        changed.size += 1
        #expect(cache.digest(of: "/p/a.c", stat: changed) == nil)
        changed = stat
        changed.inode += 1
        #expect(cache.digest(of: "/p/a.c", stat: changed) == nil)
    }

    /// git's racy-clean rule: a file modified in the same tick the cache was
    /// written could have changed after it was hashed, with the same stat.
    @Test func anEntryAsNewAsTheCacheFileIsRacyAndNotTrusted() {
        var cache = StatCache(entries: [:], trustedBefore: 1_000)
        cache.record("/p/a.c", stat: stat, digest: digest)
        #expect(cache.digest(of: "/p/a.c", stat: stat) == nil)
        // Hashed again with the same result, the cache still must be saved to move the line.
        #expect(cache.isDirty)
    }

    @Test func roundTripsThroughItsTextForm() {
        var cache = StatCache(entries: [:], trustedBefore: 5_000)
        cache.record("/p/with space.c", stat: stat, digest: digest)
        let read = StatCache.parse(cache.serialized(), trustedBefore: 5_000)
        #expect(read.entries == cache.entries)
        #expect(!read.isDirty)
    }

    /// A loaded cache is searched in place: every entry is found by its
    /// path, a missing one is not, and entries recorded later win.
    @Test func aLoadedCacheFindsEachEntryAndLaterRecordsWin() {
        var cache = StatCache(entries: [:], trustedBefore: 5_000)
        let names = ["/p/b.c", "/p/a.c", "/p/a/x.c", "/p/B c.c", "/p/a.c.orig"]
        for name in names { cache.record(name, stat: stat, digest: digest) }
        let read = StatCache.parse(cache.serialized(), trustedBefore: 5_000)
        for name in names { #expect(read.digest(of: name, stat: stat) == digest, "\(name)") }
        #expect(read.digest(of: "/p/none.c", stat: stat) == nil)
        #expect(read.digest(of: "/p/a", stat: stat) == nil)
        var unchanged = read
        unchanged.record("/p/b.c", stat: stat, digest: digest)
        #expect(!unchanged.isDirty)
        var changed = read
        let other = String(repeating: "cd", count: 32)
        changed.record("/p/a.c", stat: stat, digest: other)
        #expect(changed.isDirty)
        #expect(changed.digest(of: "/p/a.c", stat: stat) == other)
        #expect(StatCache.parse(changed.serialized(), trustedBefore: 5_000).digest(of: "/p/a.c", stat: stat) == other)
    }

    @Test func aCacheOfAnotherFormatIsEmpty() {
        let read = StatCache.parse(Array("# something else\n1 2 3 4 5 x /a\n".utf8), trustedBefore: 5_000)
        #expect(read.entries.isEmpty)
    }
}
