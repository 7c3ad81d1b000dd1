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

    @Test func aCacheOfAnotherFormatIsEmpty() {
        let read = StatCache.parse(Array("# something else\n1 2 3 4 5 x /a\n".utf8), trustedBefore: 5_000)
        #expect(read.entries.isEmpty)
    }
}
