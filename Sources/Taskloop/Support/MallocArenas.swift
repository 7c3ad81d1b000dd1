import CTaskloopShims

#if canImport(Glibc)
import Glibc
#endif

/// How many heaps glibc's malloc keeps for the process's threads.
///
/// By default glibc gives threads up to eight heaps per core, and memory
/// freed in one heap is reused only by the threads allocating from it. A run
/// allocates its pipeline on one thread (Yams's tree, most of the load, then
/// freed) and its run record on another (the event loop), so each held its
/// own peak: 100,000 no-op steps peaked near 300 MiB, and at about 225 MiB
/// with two heaps, in no more time (`Benchmarks/run.py`). Taskloop's threads
/// are few (the loop, the thread pool's, Dispatch's), so two heaps do not
/// contend.
package enum MallocArenas {
    /// Limits the process to two heaps, unless `MALLOC_ARENA_MAX` in the
    /// environment already chose. Call it before the run's threads start:
    /// heaps made before it stay in use.
    package static func limit() {
        guard getenv("MALLOC_ARENA_MAX") == nil else { return }
        _ = taskloop_limit_malloc_arenas(2)
    }
}
