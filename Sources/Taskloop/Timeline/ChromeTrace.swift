public import Foundation

/// A run as Chrome Trace Event JSON, for Perfetto (ui.perfetto.dev) and
/// chrome://tracing: a process for the event loop and one for the worker pool,
/// a named thread per lane, a complete event (`X`) per step run and queue
/// wait (a step on Slurm: `NAME (queued in Slurm)` on its lane, then its
/// run), instants for cancellations and loop stalls, and counters for steps
/// in flight, steps waiting and busy workers.
public struct ChromeTrace: Sendable {
    struct Event {
        var name: String
        var ph: String
        var ts: Int64
        var pid: Int
        var tid: Int
        var dur: Int64?
        var cat: String?
        var s: String?
        var args: [String: JSONValue]?

        /// The event as an object, its keys sorted (absent ones left out).
        func write(to writer: inout JSONLineWriter) {
            writer.beginObject()
            if let args {
                writer.key("args")
                writer.object(args) { writer, value in writer.json(value) }
            }
            if let cat {
                writer.key("cat")
                writer.string(cat)
            }
            if let dur {
                writer.key("dur")
                writer.integer(dur)
            }
            writer.key("name")
            writer.string(name)
            writer.key("ph")
            writer.string(ph)
            writer.key("pid")
            writer.integer(pid)
            if let s {
                writer.key("s")
                writer.string(s)
            }
            writer.key("tid")
            writer.integer(tid)
            writer.key("ts")
            writer.integer(ts)
            writer.endObject()
        }
    }

    static let loopProcess = 1
    static let workerProcess = 2

    public let record: RunRecord

    public init(record: RunRecord) {
        self.record = record
    }

    public func render() -> Data {
        let lanes = TimelineLanes(record: record)
        var events: [Event] = [
            Event(name: "process_name", ph: "M", ts: 0, pid: Self.loopProcess, tid: 0, args: ["name": .string("event loop")]),
            Event(name: "process_name", ph: "M", ts: 0, pid: Self.workerProcess, tid: 0, args: ["name": .string("worker pool")]),
        ]
        for lane in lanes.lanes {
            events.append(Event(name: "thread_name", ph: "M", ts: 0, pid: pid(lane), tid: lane.number, args: ["name": .string(lane.name)]))
            events.append(Event(name: "thread_sort_index", ph: "M", ts: 0, pid: pid(lane), tid: lane.number, args: ["sort_index": JSONValue(lane.number)]))
        }
        for bar in lanes.bars {
            guard let index = record.index(of: bar.step) else { continue }
            let step = record.steps[index]
            var args: [String: JSONValue] = ["kind": .string(step.kind), "detail": .string(step.detail)]
            if bar.isQueueWait {
                args["waited_for"] = .string(bar.lane.group == .workers ? "a worker" : "capacity (limits.io or its pool)")
                events.append(Event(name: "\(step.id) (queued)", ph: "X", ts: bar.start, pid: pid(bar.lane), tid: bar.lane.number, dur: bar.end - bar.start, cat: "queue", args: args))
                continue
            }
            if bar.isExecutorQueue {
                // Before its process started: the job waited for Slurm to start it.
                args["waited_for"] = .string("\(step.executorQueueName) to start its job (queued, not running)")
                if let lane = step.lane { args["lane"] = .string(lane) }
                let attempt = bar.earlierAttempt.map { "attempt \($0), " } ?? ""
                events.append(Event(
                    name: "\(step.id) (\(attempt)queued in \(step.executorQueueName))", ph: "X", ts: bar.start, pid: pid(bar.lane), tid: bar.lane.number,
                    dur: max(1, bar.end - bar.start), cat: "\(step.executorQueue ?? "slurm")-queue", args: args))
                continue
            }
            if let earlier = bar.earlierAttempt {
                let attempt = step.earlierAttempts[earlier - 1]
                args["status"] = .string("failure")
                args["attempt"] = JSONValue(earlier)
                if let error = attempt.error { args["error"] = .string(error) }
                events.append(Event(name: "\(step.id) (attempt \(earlier))", ph: "X", ts: bar.start, pid: pid(bar.lane), tid: bar.lane.number, dur: max(1, bar.end - bar.start), cat: step.kind, args: args))
                events.append(Event(name: "retry: \(step.id)", ph: "i", ts: bar.end, pid: pid(bar.lane), tid: bar.lane.number, s: "t", args: ["next_attempt": JSONValue(earlier + 1)]))
                continue
            }
            args["status"] = .string(step.status?.rawValue ?? "running")
            args["attempt"] = JSONValue(step.attempts)
            if let exitCode = step.exitCode { args["exit_code"] = JSONValue(Int(exitCode)) }
            if let error = step.error { args["error"] = .string(error) }
            if let lane = step.lane { args["lane"] = .string(lane) }
            if let wait = step.executorQueueWait { args["queued_in_\(step.executorQueue ?? "slurm")_us"] = JSONValue(Int(wait)) }
            events.append(Event(name: step.id.rawValue, ph: "X", ts: bar.start, pid: pid(bar.lane), tid: bar.lane.number, dur: max(1, bar.end - bar.start), cat: step.kind, args: args))
            if step.status == .cancelled {
                events.append(Event(name: "cancelled: \(step.id)", ph: "i", ts: bar.end, pid: pid(bar.lane), tid: bar.lane.number, s: "t", args: ["reason": .string(step.error ?? "cancelled")]))
            }
        }
        for (time, stall) in record.stalls {
            let names = stall.steps.map(\.rawValue).joined(separator: ", ")
            events.append(Event(
                name: "loop stall \(Duration.microseconds(stall.duration).compactDescription)\(names.isEmpty ? "" : ": " + names)",
                ph: "i", ts: max(0, time - stall.duration), pid: Self.loopProcess, tid: 1, s: "p",
                args: ["duration_us": JSONValue(Int(stall.duration)), "steps": .array(stall.steps.map { .string($0.rawValue) })]))
        }
        events += counters(lanes: lanes)
        var metadata: [String: JSONValue] = ["makespan_us": JSONValue(Int(record.makespan))]
        if let started = record.started {
            metadata["pipeline"] = .string(started.pipeline)
            metadata["run_id"] = .string(started.runID)
            metadata["started_at"] = .string(started.startedAt)
            if let resumed = started.resumedFrom { metadata["resumed_from"] = .string(resumed) }
        }
        // Reused steps did not run in this run: no slices, only their names.
        let reused = record.steps.filter { $0.reusedFrom != nil }
        if !reused.isEmpty {
            metadata["reused_steps"] = .object(Dictionary(
                reused.map { ($0.id.rawValue, JSONValue.string($0.reusedFrom ?? "")) }, uniquingKeysWith: { first, _ in first }))
        }
        // Written as `JSONEncoder` with sorted keys writes it, by hand: its
        // reflection was half the time of `taskloop timeline` on 10,000 steps.
        var writer = JSONLineWriter()
        writer.beginObject()
        writer.key("displayTimeUnit")
        writer.string("ms")
        writer.key("metadata")
        writer.object(metadata) { writer, value in writer.json(value) }
        writer.key("traceEvents")
        writer.beginArray()
        for event in events { event.write(to: &writer) }
        writer.endArray()
        writer.endObject()
        return Data(writer.bytes)
    }

    private func pid(_ lane: TimelineLanes.Lane) -> Int {
        lane.group == .loop ? Self.loopProcess : Self.workerProcess
    }

    /// Steps in flight, steps waiting, and busy workers, at every change.
    private func counters(lanes: TimelineLanes) -> [Event] {
        var changes: [(time: Int64, running: Int, waiting: Int, busy: Int)] = []
        for bar in lanes.bars {
            let isWorker = bar.lane.group == .workers && !bar.isQueueWait && !bar.isExecutorQueue
            if bar.isQueueWait || bar.isExecutorQueue {
                changes.append((bar.start, 0, 1, 0))
                changes.append((bar.end, 0, -1, 0))
            } else {
                changes.append((bar.start, 1, 0, isWorker ? 1 : 0))
                changes.append((bar.end, -1, 0, isWorker ? -1 : 0))
            }
        }
        changes.sort { $0.time < $1.time }
        var events: [Event] = []
        var running = 0, waiting = 0, busy = 0
        var index = 0
        while index < changes.count {
            let time = changes[index].time
            while index < changes.count, changes[index].time == time {
                running += changes[index].running
                waiting += changes[index].waiting
                busy += changes[index].busy
                index += 1
            }
            events.append(Event(name: "steps in flight", ph: "C", ts: time, pid: Self.loopProcess, tid: 0, args: ["running": JSONValue(running)]))
            events.append(Event(name: "steps waiting", ph: "C", ts: time, pid: Self.loopProcess, tid: 0, args: ["waiting": JSONValue(waiting)]))
            events.append(Event(name: "busy workers", ph: "C", ts: time, pid: Self.workerProcess, tid: 0, args: ["busy": JSONValue(busy)]))
        }
        return events
    }
}
