/// A run as one self-contained HTML page: no network, no scripts or fonts
/// from elsewhere. From the top: a banner that says whether the run passed and
/// its exit status, the run's figures, the failures with their error text
/// (tolerated ones apart), the steps that were cancelled or skipped and why,
/// then the Gantt chart of every step (``GanttChart``) with the critical path
/// outlined and what its length counts, and the loop-lag series under it
/// (``LoopLagChart``). A search box and zoom controls (``ReportScript``) keep
/// runs of thousands of steps navigable.
///
/// Rendering is linear in the number of steps and events (the lanes' sort
/// aside), so the report of a 10,000-step run takes a fraction of a second.
public struct HTMLReport: Sendable {
    public let record: RunRecord
    /// How many workers the run had, for their utilisation.
    public let workers: Int?
    /// Steps named in full in the lists of cancelled and skipped steps; more are counted.
    static let listedNames = 60

    public init(record: RunRecord, workers: Int? = nil) {
        self.record = record
        self.workers = workers
    }

    public func render() -> String {
        let critical = CriticalPath(record: record)
        let title = HTMLText.escape(record.started?.pipeline ?? "run")
        var chart = GanttChart(record: record, critical: critical, end: lastTime)
        let gantt = chart.render()
        var html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Taskloop · \(title)</title>
            <style>
            \(ReportStyle.css)
            </style></head><body>
            <h1>\(title)</h1>
            <div class="sub">\(HTMLText.escape(subtitle))</div>

            """
        html += banner
        if record.finished == nil {
            html += "<div class=\"unfinished\">This run did not finish: its event log ends at +\(Duration.microseconds(lastTime).compactDescription) (killed, or still running). Steps without an end are drawn to there.</div>\n"
        }
        html += figures(critical)
        let reused = record.steps.filter { $0.reusedFrom != nil }
        if !reused.isEmpty {
            let names = reused.map { "\($0.id) (run \($0.reusedFrom ?? ""))" }.joined(separator: ", ")
            html += "<div class=\"sub\">Reused from earlier runs, not run: \(HTMLText.escape(names))</div>\n"
        }
        html += incrementalNotes
        for step in record.steps where step.status == .failure {
            let tolerated = step.continueOnError
            html += "<div class=\"failure\(tolerated ? " tolerated" : "")\"><b>\(HTMLText.escape(step.id.rawValue))</b> (line \(step.line)) · \(HTMLText.escape(step.error ?? "failed"))"
            if tolerated { html += " · <i>tolerated (continue-on-error): the run went on</i>" }
            if !step.details.isEmpty { html += "<pre>\(HTMLText.escape(step.details.suffix(20).joined(separator: "\n")))</pre>" }
            html += "</div>\n"
        }
        html += notRun
        for warning in RunSummary(record: record).stallWarnings {
            html += "<div class=\"warning\">\(HTMLText.escape(warning))</div>\n"
        }
        html += "<h2>Timeline</h2>\n" + legend + tools(chart)
        html += "<div class=\"note-path\">\(HTMLText.escape(pathNote(critical)))</div>\n"
        html += "<div class=\"chart\">\n" + gantt
        html += LoopLagChart(record: record, origin: chart.origin, axis: chart.axis).render() + "</div>\n"
        html += "<script type=\"application/json\" id=\"step-index\">" + stepIndex(chart) + "</script>\n"
        html += "<script>\n" + ReportScript.javascript + "\n</script>\n</body></html>\n"
        return html
    }

    private var subtitle: String {
        guard let started = record.started else { return "" }
        let resumed = started.resumedFrom.map { " · resumes run \($0)" } ?? ""
        return "run \(started.runID)\(resumed) · \(started.file) · started \(started.startedAt) on \(started.host) · \(record.steps.count) steps"
    }

    private var lastTime: Int64 {
        max(record.finishedAt ?? 0, record.steps.compactMap { $0.finishedAt ?? $0.startedAt }.max() ?? 0)
    }

    /// Passed or failed, with the exit status `taskloop run` gave.
    private var banner: String {
        let tolerated = record.steps.count { $0.status == .failure && $0.continueOnError }
        let toleratedNote = tolerated > 0 ? " · \(tolerated) failure\(tolerated == 1 ? "" : "s") tolerated (continue-on-error)" : ""
        let (cls, word, detail): (String, String, String)
        switch record.finished?.status {
        case .success:
            (cls, word, detail) = ("passed", "✓ Passed", "exit status 0" + toleratedNote)
        case .failure:
            let failed = record.steps.count { $0.status == .failure && !$0.continueOnError }
            let reason = record.finished?.reason.map { " · stopped early: \($0)" } ?? ""
            (cls, word, detail) = ("failed", "✗ Failed", "exit status 1 · \(failed) step\(failed == 1 ? "" : "s") failed\(reason)\(toleratedNote)")
        case .interrupted:
            (cls, word, detail) = ("interrupted", "Interrupted", "exit status 130 (Ctrl-C), 143 (SIGTERM) or 129 (SIGHUP)" + (record.finished?.reason.map { " · \($0)" } ?? ""))
        case nil:
            (cls, word, detail) = ("unfinished", "Did not finish", "no exit status: the event log ends before the run did")
        }
        return "<div class=\"banner \(cls)\" id=\"outcome\"><b>\(word)</b><span>\(HTMLText.escape(detail))</span></div>\n"
    }

    /// The cancelled and skipped steps, by name, with why.
    private var notRun: String {
        var html = ""
        for (status, heading) in [(StepStatus.cancelled, "Cancelled"), (.skipped, "Skipped")] {
            let steps = record.steps.filter { $0.status == status }
            guard !steps.isEmpty else { continue }
            let named = steps.prefix(Self.listedNames).map { step in
                let why = status == .skipped ? step.skipReason : step.error
                return "<code>\(HTMLText.escape(step.id.rawValue))</code>" + (why.map { " (\(HTMLText.escape($0)))" } ?? "")
            }
            let more = steps.count > Self.listedNames ? ", and \(steps.count - Self.listedNames) more" : ""
            html += "<div class=\"notrun\"><b>\(heading) (\(steps.count)):</b> \(named.joined(separator: ", "))\(more)</div>\n"
        }
        return html
    }

    /// The steps with `sources:` that did not run, and why.
    private var incrementalNotes: String {
        var html = ""
        let upToDate = record.steps.filter { $0.checked == .upToDate }
        if !upToDate.isEmpty {
            html += "<div class=\"sub\">Up to date, not run: \(HTMLText.escape(upToDate.map(\.id.rawValue).joined(separator: ", ")))</div>\n"
        }
        let restored = record.steps.filter { $0.checked == .restored }
        if !restored.isEmpty {
            let names = restored.map { "\($0.id) (\($0.checkReason ?? ""))" }.joined(separator: ", ")
            html += "<div class=\"sub\">Restored from the cache, not run: \(HTMLText.escape(names))</div>\n"
        }
        return html
    }

    private func figures(_ critical: CriticalPath) -> String {
        let counts = Dictionary(grouping: record.steps.filter { !RunRecord.didNotRun($0) }.compactMap(\.status), by: { $0 }).mapValues(\.count)
        var items: [(String, String)] = [
            (Duration.microseconds(record.makespan).compactDescription, "makespan"),
            (Duration.microseconds(critical.length).compactDescription, "critical path (\(critical.steps.count) step\(critical.steps.count == 1 ? "" : "s"))"),
            (Duration.microseconds(record.totalStepTime).compactDescription, "sum of step time"),
            (String(format2: record.achievedConcurrency) + "x", "achieved concurrency"),
        ]
        let cpuTime = record.steps.filter { $0.lane?.hasPrefix("worker-") == true }.compactMap(\.duration).reduce(0, +)
        if cpuTime > 0, record.makespan > 0 {
            let pool = Double(workers ?? Set(record.steps.compactMap(\.lane).filter { $0.hasPrefix("worker-") }).count)
            items.append((String(Int((Double(cpuTime) / (pool * Double(record.makespan)) * 100).rounded())) + "%", "worker utilisation"))
        }
        if let worst = record.lagSamples.map(\.lag.maximum).max() {
            let p99 = record.lagSamples.map(\.lag.p99).max() ?? 0
            items.append((Duration.microseconds(worst).compactDescription, "loop lag max (p99 \(Duration.microseconds(p99).compactDescription))"))
        }
        let outcome = ["success": "succeeded", "failure": "failed", "cancelled": "cancelled", "skipped": "skipped"]
        for status in [StepStatus.success, .failure, .cancelled, .skipped] where counts[status, default: 0] > 0 {
            items.append((String(counts[status]!), outcome[status.rawValue]!))
        }
        let reused = record.steps.count { $0.reusedFrom != nil }
        if reused > 0 { items.append((String(reused), "reused")) }
        let upToDate = record.steps.count { $0.checked == .upToDate }
        if upToDate > 0 { items.append((String(upToDate), "up to date")) }
        let restored = record.steps.count { $0.checked == .restored }
        if restored > 0 { items.append((String(restored), "restored from cache")) }
        return "<div class=\"figures\">" + items.map { "<div class=\"figure\"><b>\(HTMLText.escape($0.0))</b><span>\(HTMLText.escape($0.1))</span></div>" }.joined() + "</div>\n"
    }

    /// What the critical path's length counts, under the chart's legend.
    private func pathNote(_ critical: CriticalPath) -> String {
        guard !critical.steps.isEmpty else { return "No step finished, so there is no critical path." }
        let names = critical.steps.count > 8
            ? critical.steps.prefix(4).map(\.rawValue) + ["… \(critical.steps.count - 8) more …"] + critical.steps.suffix(4).map(\.rawValue)
            : critical.steps.map(\.rawValue)
        var note = "Critical path (outlined): \(names.joined(separator: " → ")). Its length runs from the run's first start to the end of its last step: "
            + critical.breakdown + " (waiting: for a need's hand-off, capacity, a pool or a worker)."
        if critical.cancelledTail > 0 {
            note += " Cancelled steps ran \(Duration.microseconds(critical.cancelledTail).compactDescription) longer; they were stopped by the run's end and are not on the path."
        }
        return note
    }

    private var legend: String {
        // The Slurm queue's colour only for runs that had steps on Slurm.
        let onSlurm = record.steps.contains { $0.executorQueue != nil || $0.earlierAttempts.contains { $0.runningAt != nil } }
        let entries = Palette.legend.filter { onSlurm || $0.color != Palette.executorQueue }
        return "<div class=\"legend\">" + entries.map { "<span><i style=\"background:\($0.color)\"></i>\(HTMLText.escape($0.name))</span>" }.joined()
            + "<span><i style=\"border:2px solid #1f2328\"></i>critical path</span></div>\n"
    }

    private func tools(_ chart: GanttChart) -> String {
        let layout = chart.isPerStep ? "one row per step" : "steps by lane: bars name their step when wide enough; search to find one"
        return """
            <div class="tools"><label>Find a step <input id="step-search" type="search" placeholder="step name" autocomplete="off"></label>
            <span id="search-status"></span>
            <button id="zoom-in" type="button">zoom in</button><button id="zoom-out" type="button">zoom out</button><button id="zoom-fit" type="button">whole run</button>
            <span id="zoom-level">whole run</span><span>· Ctrl+wheel zooms, drag or Shift+wheel pans · \(layout)</span></div>

            """
    }

    /// `[[name, row, start, end, status], ...]` for the search box, times in µs from the chart's origin.
    private func stepIndex(_ chart: GanttChart) -> String {
        var json = "["
        for (index, entry) in chart.searchIndex.enumerated() {
            if index > 0 { json += "," }
            json += "[\(HTMLText.jsonString(entry.step.rawValue)),\(entry.row),\(entry.start - chart.origin),\(entry.end - chart.origin),\(HTMLText.jsonString(entry.status))]"
        }
        return json + "]"
    }
}
