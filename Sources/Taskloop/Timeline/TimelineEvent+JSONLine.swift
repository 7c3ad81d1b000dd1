/// Each event's line, written field by field: the same text as the event's
/// `Codable` form through `JSONEncoder` with sorted keys (keys below are in
/// that order, the payload's fields merged with `event` and `t`), at a small
/// fraction of the cost. The `Codable` form stays the reader's.
extension TimelineEvent {
    /// Whether ``write(to:)`` can spell the event: false only for outputs
    /// holding a number JSON cannot spell (NaN, infinity).
    var isPlainlyWritable: Bool {
        switch payload {
        case .stepFinished(let finished): return finished.outputs?.values.allSatisfy(\.isEncodable) ?? true
        case .stepReused(let reused): return reused.outputs?.values.allSatisfy(\.isEncodable) ?? true
        case .stepChecked(let checked): return checked.outputs?.values.allSatisfy(\.isEncodable) ?? true
        default: return true
        }
    }

    func write(to json: inout JSONLineWriter) {
        json.beginObject()
        switch payload {
        case .runStarted(let started): started.write(to: &json, time: time)
        case .stepQueued(let queued):
            json.key("event"); json.string("step-queued")
            json.key("step"); json.string(queued.step.rawValue)
            json.key("t"); json.integer(time)
        case .stepStarted(let started):
            json.key("attempt"); json.integer(started.attempt)
            json.key("event"); json.string("step-started")
            json.key("lane"); json.string(started.lane)
            json.key("step"); json.string(started.step.rawValue)
            json.key("t"); json.integer(time)
        case .stepRunning(let running):
            json.key("attempt"); json.integer(running.attempt)
            json.key("event"); json.string("step-running")
            json.key("lane"); json.string(running.lane)
            json.key("queue"); json.string(running.queue)
            json.key("step"); json.string(running.step.rawValue)
            json.key("t"); json.integer(time)
        case .stepFinished(let finished): finished.write(to: &json, time: time)
        case .stepSkipped(let skipped):
            json.key("event"); json.string("step-skipped")
            json.key("reason"); json.string(skipped.reason)
            json.key("step"); json.string(skipped.step.rawValue)
            json.key("t"); json.integer(time)
        case .stepReused(let reused):
            json.key("event"); json.string("step-reused")
            json.key("from_run"); json.string(reused.fromRun)
            if let outputs = reused.outputs {
                json.key("outputs"); json.object(outputs) { json, value in json.json(value) }
            }
            json.key("step"); json.string(reused.step.rawValue)
            json.key("t"); json.integer(time)
        case .stepChecked(let checked):
            json.key("event"); json.string("step-checked")
            json.key("outcome"); json.string(checked.outcome.rawValue)
            if let outputs = checked.outputs {
                json.key("outputs"); json.object(outputs) { json, value in json.json(value) }
            }
            json.key("reason"); json.string(checked.reason)
            json.key("step"); json.string(checked.step.rawValue)
            json.key("t"); json.integer(time)
        case .runFinished(let finished): finished.write(to: &json, time: time)
        case .loopLag(let lag):
            json.key("event"); json.string("loop-lag")
            json.key("max_us"); json.integer(lag.maximum)
            json.key("p99_us"); json.integer(lag.p99)
            json.key("t"); json.integer(time)
            json.key("ticks"); json.integer(lag.ticks)
        case .loopStall(let stall):
            json.key("duration_us"); json.integer(stall.duration)
            json.key("event"); json.string("loop-stall")
            json.key("steps"); json.strings(stall.steps.map(\.rawValue))
            json.key("t"); json.integer(time)
        }
        json.endObject()
    }
}

extension RunStarted {
    fileprivate func write(to json: inout JSONLineWriter, time: Int64) {
        json.key("event"); json.string("run-started")
        json.key("file"); json.string(file)
        if let filePath { json.key("file_path"); json.string(filePath) }
        json.key("host"); json.string(host)
        json.key("io_limit"); json.integer(ioLimit)
        json.key("parameters"); json.object(parameters) { json, value in json.string(value) }
        json.key("pid"); json.integer(pid)
        json.key("pipeline"); json.string(pipeline)
        json.key("policy"); json.string(policy.rawValue)
        json.key("pools"); json.object(pools) { json, value in json.integer(value) }
        if let resumedFrom { json.key("resumed_from"); json.string(resumedFrom) }
        json.key("run_id"); json.string(runID)
        json.key("started_at"); json.string(startedAt)
        json.key("started_at_unix_us"); json.integer(startedAtUnixMicroseconds)
        json.key("steps")
        json.beginArray()
        for step in steps { step.write(to: &json) }
        json.endArray()
        json.key("t"); json.integer(time)
        json.key("version"); json.string(version)
    }
}

extension RunStarted.StepDeclaration {
    fileprivate func write(to json: inout JSONLineWriter) {
        json.beginObject()
        json.key("column"); json.integer(column)
        if let continueOnError { json.key("continue_on_error"); json.bool(continueOnError) }
        json.key("detail"); json.string(detail)
        if let digest { json.key("digest"); json.string(digest) }
        if let file { json.key("file"); json.string(file) }
        json.key("id"); json.string(id.rawValue)
        json.key("kind"); json.string(kind)
        json.key("line"); json.integer(line)
        json.key("needs")
        json.beginArray()
        for need in needs { json.string(need.rawValue) }
        json.endArray()
        if let pool { json.key("pool"); json.string(pool) }
        json.endObject()
    }
}

extension StepFinished {
    fileprivate func write(to json: inout JSONLineWriter, time: Int64) {
        json.key("attempt"); json.integer(attempt)
        if let details { json.key("details"); json.strings(details) }
        if let error { json.key("error"); json.string(error) }
        json.key("event"); json.string("step-finished")
        if let exitCode { json.key("exit_code"); json.integer(exitCode) }
        json.key("lane"); json.string(lane)
        if let outputs { json.key("outputs"); json.object(outputs) { json, value in json.json(value) } }
        if let outputsMasked { json.key("outputs_masked"); json.bool(outputsMasked) }
        if let retryDelay { json.key("retry_in_us"); json.integer(retryDelay) }
        json.key("status"); json.string(status.rawValue)
        json.key("step"); json.string(step.rawValue)
        json.key("t"); json.integer(time)
    }
}

extension RunFinished {
    fileprivate func write(to json: inout JSONLineWriter, time: Int64) {
        json.key("cancelled"); json.integer(cancelled)
        json.key("event"); json.string("run-finished")
        json.key("failed"); json.integer(failed)
        if let reason { json.key("reason"); json.string(reason) }
        if let restored { json.key("restored"); json.integer(restored) }
        if let reused { json.key("reused"); json.integer(reused) }
        json.key("skipped"); json.integer(skipped)
        json.key("status"); json.string(status.rawValue)
        json.key("succeeded"); json.integer(succeeded)
        json.key("t"); json.integer(time)
        if let upToDate { json.key("up_to_date"); json.integer(upToDate) }
    }
}
