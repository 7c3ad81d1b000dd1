package import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Watches the folders that hold a pipeline's `sources:` for `taskloop run
/// --watch`, with inotify: one watch per folder (subfolders included, new
/// ones added as they appear), read on NIO's thread pool in short `poll`s so
/// that nothing blocks the event loop and a cancelled wait ends quickly.
///
/// Changes to outputs (files some step `generates`), and anything under
/// `.taskloop` or `.git`, are ignored: a run writing its outputs must not
/// trigger the next. When the kernel refuses another watch (the
/// `fs.inotify.max_user_watches` limit), the watcher falls back to polling
/// the folders' file stats twice a second, and says so.
package final class SourceWatcher: Sendable {
    private enum Mode: Sendable {
        case inotify(Int32)
        case polling
    }

    /// Folders watched, absolute.
    package let roots: [String]
    /// Why it polls, when it does.
    package let fallbackNotice: String?
    private let mode: Mode
    /// Each step's folder and `generates` patterns, to ignore outputs.
    private let outputs: [(folder: String, patterns: [GlobPattern])]
    /// Each step's folder and `sources` patterns: only what they match counts as a change.
    private let sources: [(folder: String, patterns: [GlobPattern])]
    private let state: Mutex<State>

    private struct State: Sendable {
        var folderOfWatch: [Int32: String] = [:]
        var snapshot: [String: FileStat] = [:]
    }

    static let events = UInt32(IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF)

    /// A test hook, not a setting: `TASKLOOP_TEST_INOTIFY_WATCH_LIMIT=N`
    /// makes the watcher act as if the kernel refused the watch after the
    /// first N, so that tests reach the polling fallback without lowering
    /// `fs.inotify.max_user_watches` for the whole machine.
    package static let watchLimitVariable = "TASKLOOP_TEST_INOTIFY_WATCH_LIMIT"

    /// Sets the watches (blocking: call it off the event loop). `watchLimit`
    /// stands in for the kernel's limit (see ``watchLimitVariable``).
    package init(pipeline: Pipeline, forcePolling: Bool = false, watchLimit: Int? = nil) {
        let base = PipelineRunner.absolute(pipeline.directory)
        var roots: Set<String> = []
        var outputs: [(String, [GlobPattern])] = []
        var sources: [(String, [GlobPattern])] = []
        for step in pipeline.steps {
            let folder = StepContext.resolve(step.workingDirectory ?? "", against: base)
            if !step.incremental.generates.isEmpty { outputs.append((folder, step.incremental.generates)) }
            if let patterns = step.incremental.sources { sources.append((folder, patterns)) }
            for pattern in step.incremental.sources ?? [] where !pattern.excludes {
                var root = FileWalker.join(folder, pattern.literalPrefix.joined(separator: "/"))
                while FileStat.of(root)?.isDirectory != true, root.contains("/"), root != "/" {
                    root = String(root[..<root.lastIndex(of: "/")!])
                }
                roots.insert(root.isEmpty ? "/" : root)
            }
        }
        // A folder inside another watched one is covered by it.
        let sorted = roots.sorted()
        self.roots = sorted.filter { root in !sorted.contains { $0 != root && root.hasPrefix($0.hasSuffix("/") ? $0 : $0 + "/") } }
        self.outputs = outputs
        self.sources = sources
        var state = State()
        var notice: String?
        var mode = Mode.polling
        let descriptor = forcePolling ? -1 : inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        if descriptor >= 0 {
            mode = .inotify(descriptor)
            for root in self.roots {
                if let problem = Self.addWatches(under: root, descriptor: descriptor, limit: watchLimit, into: &state.folderOfWatch) {
                    notice = problem
                    Glibc.close(descriptor)
                    mode = .polling
                    break
                }
            }
        } else if !forcePolling {
            notice = "inotify is not available (\(String(cString: strerror(errno)))); polling for changes every 500ms instead"
        }
        if case .polling = mode {
            state.snapshot = Self.snapshot(of: self.roots)
            state.folderOfWatch = [:]
        }
        self.mode = mode
        fallbackNotice = notice
        self.state = Mutex(state)
    }

    package func close() {
        if case .inotify(let descriptor) = mode { Glibc.close(descriptor) }
    }

    /// Waits for a change to a source, then for `debounce` of quiet, and
    /// returns the changed paths (absolute, sorted). Throws
    /// `CancellationError` when the calling task is cancelled.
    package func nextChange(debounce: Duration = .milliseconds(75), threadPool: NIOThreadPool = .singleton) async throws -> [String] {
        var changed: Set<String> = []
        let debounceMilliseconds = Int32(debounce.components.seconds * 1000 + debounce.components.attoseconds / 1_000_000_000_000_000)
        while true {
            try Task.checkCancellation()
            let quietFor = changed.isEmpty ? 100 : debounceMilliseconds
            let batch = try await threadPool.runIfActive { self.collect(waitingUpTo: quietFor) }
            if batch.isEmpty {
                if !changed.isEmpty { return changed.sorted() }
                if case .polling = mode { try await Task.sleep(for: .milliseconds(400)) }
                continue
            }
            changed.formUnion(batch.filter(isSource))
        }
    }

    /// Whether a changed path is a source of some step: matched by its
    /// `sources`, and not an output, nor Taskloop's or git's.
    private func isSource(_ path: String) -> Bool {
        let parts = path.split(separator: "/")
        if parts.contains(where: { FileWalker.ignoredFolders.contains(String($0)) }) { return false }
        if outputs.contains(where: { Self.matches(path, $0.folder, $0.patterns) }) { return false }
        return sources.contains { Self.matches(path, $0.folder, $0.patterns) }
    }

    /// Whether `path` (absolute) is matched by an including pattern of
    /// `patterns` (relative to `folder`) and by no excluding one; a literal
    /// pattern also matches what is under it (a folder).
    private static func matches(_ path: String, _ folder: String, _ patterns: [GlobPattern]) -> Bool {
        let prefix = folder.hasSuffix("/") ? folder : folder + "/"
        guard path.hasPrefix(prefix) else { return false }
        let relative = String(path.dropFirst(prefix.count))
        func hit(_ pattern: GlobPattern) -> Bool {
            pattern.matchesPath(relative) || (pattern.isLiteral && relative.hasPrefix(pattern.literalPrefix.joined(separator: "/") + "/"))
        }
        return patterns.contains { !$0.excludes && hit($0) } && !patterns.contains { $0.excludes && hit($0) }
    }

    /// The paths that changed within `milliseconds` (blocking).
    private func collect(waitingUpTo milliseconds: Int32) -> [String] {
        switch mode {
        case .polling:
            let now = Self.snapshot(of: roots)
            return state.withLock { state in
                let before = state.snapshot
                state.snapshot = now
                return Set(before.keys).union(now.keys).filter { before[$0] != now[$0] }.sorted()
            }
        case .inotify(let descriptor):
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, milliseconds) > 0 else { return [] }
            var paths: [String] = []
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 8)
            defer { buffer.deallocate() }
            while true {
                let count = read(descriptor, buffer.baseAddress, buffer.count)
                guard count > 0 else { break }
                var offset = 0
                while offset + MemoryLayout<inotify_event>.size <= count {
                    let event = buffer.load(fromByteOffset: offset, as: inotify_event.self)
                    let nameStart = offset + MemoryLayout<inotify_event>.size
                    var name = ""
                    if event.len > 0 {
                        let bytes = UnsafeRawBufferPointer(rebasing: buffer[nameStart..<(nameStart + Int(event.len))])
                        name = String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
                    }
                    offset = nameStart + Int(event.len)
                    guard let folder = state.withLock({ $0.folderOfWatch[event.wd] }) else { continue }
                    if event.mask & UInt32(IN_IGNORED) != 0 {
                        // The kernel dropped the watch (its folder is gone); its number may come back for another.
                        state.withLock { _ = $0.folderOfWatch.removeValue(forKey: event.wd) }
                        continue
                    }
                    let path = name.isEmpty ? folder : FileWalker.join(folder, name)
                    paths.append(path)
                    if event.mask & UInt32(IN_ISDIR) != 0, event.mask & UInt32(IN_CREATE | IN_MOVED_TO) != 0 {
                        state.withLock { state in _ = Self.addWatches(under: path, descriptor: descriptor, limit: nil, into: &state.folderOfWatch) }
                        // What the new folder already holds was written before its watch existed.
                        paths += FileWalker.files(matching: [Self.everything], in: path).map { FileWalker.join(path, $0.path) }
                    }
                    if event.mask & UInt32(IN_DELETE_SELF | IN_MOVE_SELF) != 0 {
                        // A watched folder went away: watch where it was, so that
                        // a folder made again at its place is seen and watched.
                        state.withLock { state in Self.watchNearestFolder(above: folder, descriptor: descriptor, into: &state.folderOfWatch) }
                    }
                }
            }
            return paths
        }
    }

    /// Watches `root` and every folder below it (but `.taskloop` and `.git`);
    /// returns why it could not, when the kernel ran out of watches.
    private static func addWatches(under root: String, descriptor: Int32, limit: Int?, into folders: inout [Int32: String]) -> String? {
        var pending = [root]
        while let folder = pending.popLast() {
            if let limit, folders.count >= limit {
                return "inotify watches ran out (\(watchLimitVariable) is \(limit)); polling for changes every 500ms instead"
            }
            let watch = inotify_add_watch(descriptor, folder, events | UInt32(IN_ONLYDIR))
            if watch < 0 {
                if errno == ENOSPC {
                    return "inotify watches ran out (fs.inotify.max_user_watches is \(maxUserWatches)); polling for changes every 500ms instead"
                }
                continue
            }
            folders[watch] = folder
            guard let directory = opendir(folder) else { continue }
            defer { closedir(directory) }
            while let entry = readdir(directory) {
                guard entry.pointee.d_type == UInt8(DT_DIR) else { continue }
                let name = withUnsafePointer(to: entry.pointee.d_name) { pointer in
                    pointer.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
                }
                if name == "." || name == ".." || FileWalker.ignoredFolders.contains(name) { continue }
                pending.append(FileWalker.join(folder, name))
            }
        }
        return nil
    }

    /// Watches, alone (not what is below it), the nearest existing folder
    /// above `folder`: a folder created there is then seen and watched.
    private static func watchNearestFolder(above folder: String, descriptor: Int32, into folders: inout [Int32: String]) {
        var ancestor = folder
        repeat {
            guard let slash = ancestor.lastIndex(of: "/") else { return }
            ancestor = slash == ancestor.startIndex ? "/" : String(ancestor[..<slash])
        } while FileStat.of(ancestor)?.isDirectory != true && ancestor != "/"
        let watch = inotify_add_watch(descriptor, ancestor, events | UInt32(IN_ONLYDIR))
        if watch >= 0 { folders[watch] = ancestor }
    }

    private static var maxUserWatches: String {
        (try? WholeFile.read("/proc/sys/fs/inotify/max_user_watches").get()).map { String(decoding: $0, as: UTF8.self).trimmingWhitespace() } ?? "unknown"
    }

    /// `**`: a valid pattern, so the `try!` cannot fail.
    private static let everything = try! GlobPattern("**")

    /// Every file's stat under `roots`, for polling.
    private static func snapshot(of roots: [String]) -> [String: FileStat] {
        var files: [String: FileStat] = [:]
        for root in roots {
            for match in FileWalker.files(matching: [everything], in: root) {
                files[FileWalker.join(root, match.path)] = match.stat
            }
        }
        return files
    }
}
