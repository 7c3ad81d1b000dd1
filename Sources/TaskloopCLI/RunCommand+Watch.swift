import ArgumentParser
import Foundation
import NIOPosix
import Taskloop

/// `--on-change`: what a change during a run does.
enum OnChange: String, ExpressibleByArgument {
    case queue
    case restart
}

extension RunCommand {
    /// `taskloop run --watch`: runs, then waits for a change to a source and
    /// runs again (steps whose inputs did not change are up to date), until
    /// Ctrl-C. With `--on-change restart`, a change during a run cancels it
    /// (the first stage of the two-stage cancel: SIGTERM, then SIGKILL after
    /// the grace period) and starts over; with `queue`, the run finishes and
    /// the next starts at once. Exits with 130 (143, 129) when interrupted.
    func runWatching(_ pipeline: Pipeline, options: RunOptions) async throws -> Never {
        let watchLimit = ProcessEnvironment.atStart[SourceWatcher.watchLimitVariable].flatMap { Int($0) }
        let watcher = try await NIOThreadPool.singleton.runIfActive { SourceWatcher(pipeline: pipeline, watchLimit: watchLimit) }
        defer { watcher.close() }
        if let notice = watcher.fallbackNotice { FileHandleOutput.standardError("taskloop: \(notice)\n") }
        guard !watcher.roots.isEmpty else {
            FileHandleOutput.standardError("error: --watch needs steps with `sources:`; this pipeline has none to watch\n")
            throw ExitCode(ExitStatus.invalidInput)
        }
        // One signal watcher for the whole session: Ctrl-C stops the current
        // run (or the wait) and ends the session; a second exits at once.
        let session = RunInterrupter()
        let signals = SignalWatcher(interrupter: session)
        defer { signals.stop() }
        while true {
            let restarted = try await runOnce(pipeline, options: options, session: session, watcher: watcher, signals: signals)
            if let restarted {
                FileHandleOutput.standardOutput("\nchanged: \(describe(restarted, roots: watcher.roots)); restarting\n")
                continue
            }
            let folders = watcher.roots.map { relative($0) }.joined(separator: ", ")
            FileHandleOutput.standardOutput("\nwatching \(folders) for changes (Ctrl-C to stop)\n")
            let change = await withTaskGroup(of: [String]?.self) { group in
                group.addTask { try? await watcher.nextChange() }
                group.addTask {
                    await session.waitForInterruption()
                    return nil
                }
                let first = await group.next() ?? nil
                group.cancelAll()
                return first
            }
            guard let change else {
                throw ExitCode(signals.interruptedExitStatus)
            }
            FileHandleOutput.standardOutput("\nchanged: \(describe(change, roots: watcher.roots)); running again\n")
        }
    }

    /// One run; returns the change that restarted it (`--on-change restart`),
    /// or nil when it ended by itself. Throws the exit code when interrupted.
    private func runOnce(
        _ pipeline: Pipeline, options: RunOptions, session: RunInterrupter, watcher: SourceWatcher, signals: SignalWatcher
    ) async throws -> [String]? {
        let interrupter = RunInterrupter()
        enum Ending: Sendable {
            case finished(PipelineRunner.Report?)
            case changed([String])
        }
        let console = console.options()
        let endings = await withTaskGroup(of: Ending?.self) { group -> (report: PipelineRunner.Report?, change: [String]?) in
            group.addTask {
                .finished(try? await PipelineRunner(pipeline: pipeline, options: options).run(console: console, interrupter: interrupter))
            }
            group.addTask {
                // Ends by cancellation once the run is over, or passes Ctrl-C on to the run.
                await session.waitForInterruption()
                interrupter.interrupt()
                return nil
            }
            if onChange == .restart {
                group.addTask { (try? await watcher.nextChange()).map(Ending.changed) }
            }
            var change: [String]?
            var report: PipelineRunner.Report?
            while let ending = await group.next() {
                switch ending {
                case .changed(let paths)?:
                    change = paths
                    interrupter.interrupt()
                case .finished(let finished)?:
                    report = finished
                    group.cancelAll()
                case nil:
                    continue
                }
            }
            return (report, change)
        }
        if let change = endings.change { return change }
        if endings.report?.status == .interrupted || endings.report == nil {
            throw ExitCode(signals.interruptedExitStatus)
        }
        return nil
    }

    private func describe(_ paths: [String], roots: [String]) -> String {
        let shown = paths.prefix(3).map { relative($0) }.joined(separator: ", ")
        return paths.count > 3 ? "\(shown) and \(paths.count - 3) more" : shown
    }

    private func relative(_ path: String) -> String {
        let current = FileManager.default.currentDirectoryPath + "/"
        return path.hasPrefix(current) ? String(path.dropFirst(current.count)) : path
    }
}
