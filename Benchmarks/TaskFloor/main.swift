// The floor under a run of no-op steps: what Swift concurrency alone costs
// to run a task per step on one NIO event loop, the way Taskloop's scheduler
// does, with no plan, no events, no observers and no step kind. The driver
// and every task prefer the loop as their executor; the driver keeps at
// most LIMIT tasks at once, adding one as each ends, and each task yields
// once, as a `sleep: 0s` step does. Prints the makespan per task (first
// task added to last task ended, as the benchmark's makespan is first step
// started to last step ended) of one run, the first in its process like a
// run's. Both modes use Taskloop's own executor (`EventLoopTaskExecutor`):
// `shared` gives every task one, as the scheduler's driver has; `per-task`
// gives each task its own, which times each job against the loop-lag
// monitor's threshold, as Taskloop gives each step.
//
// Usage: taskloop-task-floor shared|per-task [COUNT [LIMIT]]
import NIOCore
import NIOPosix
import Taskloop

#if canImport(Glibc)
import Glibc
#endif

func printError(_ text: String) {
    var line = text + "\n"
    line.withUTF8 { bytes in _ = write(2, bytes.baseAddress, bytes.count) }
}

/// Microseconds per task of `count` tasks, at most `limit` at once.
func makespanPerTask(count: Int, limit: Int, on eventLoop: any EventLoop, executorPerTask: Bool) async -> Double {
    let shared = EventLoopTaskExecutor(eventLoop: eventLoop)
    // Never started: it only holds the threshold a step's executor times its
    // jobs against, and would record a job that held the loop past it.
    let monitor = LoopLagMonitor(eventLoop: eventLoop, clock: RunClock(), threshold: .seconds(1)) { _ in
        printError("a job held the loop for more than a second")
    }
    return await withTaskExecutorPreference(shared) {
        let clock = ContinuousClock()
        let started = clock.now
        await withTaskGroup(of: Void.self) { group in
            var added = 0
            func add() {
                let executor = executorPerTask ? EventLoopTaskExecutor(eventLoop: eventLoop, step: "floor", monitor: monitor) : shared
                group.addTask(executorPreference: executor) { await Task.yield() }
                added += 1
            }
            while added < min(limit, count) { add() }
            while await group.next() != nil {
                if added < count { add() }
            }
        }
        let elapsed = clock.now - started
        let microseconds = Double(elapsed.components.seconds) * 1e6 + Double(elapsed.components.attoseconds) / 1e12
        return microseconds / Double(count)
    }
}

let arguments = Array(CommandLine.arguments.dropFirst())
let numbers = arguments.dropFirst().map { Int($0) ?? 0 }
guard let mode = arguments.first, mode == "shared" || mode == "per-task", numbers.count <= 2, numbers.allSatisfy({ $0 > 0 }) else {
    printError("usage: taskloop-task-floor shared|per-task [COUNT [LIMIT]]")
    exit(2)
}
let count = numbers.first ?? 10_000
let limit = numbers.dropFirst().first ?? 1_000
let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
let perTask = await makespanPerTask(count: count, limit: limit, on: group.next(), executorPerTask: mode == "per-task")
print("makespan_us_per_task=\(perTask)")
try await group.shutdownGracefully()
