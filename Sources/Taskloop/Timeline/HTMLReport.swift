/// A run as one self-contained HTML page: no network, no scripts or fonts
/// from elsewhere. A header with the run's figures, the failures first with
/// their error text, and an SVG Gantt chart of every step on its lane, coloured
/// by kind and status, with the critical path outlined and details on hover.
///
/// For large runs, bars narrower than a pixel in a lane are merged into one
/// bar that says how many steps it stands for, so 10,000 steps stay readable
/// and the page stays small.
public struct HTMLReport: Sendable {
    public let record: RunRecord
    /// How many workers the run had, for their utilisation.
    public let workers: Int?

    static let chartWidth = 1100.0
    static let rowHeight = 18.0
    static let labelWidth = 130.0
    /// More lanes than this in a group are drawn in shared rows.
    static let maximumRowsPerGroup = 60

    public init(record: RunRecord, workers: Int? = nil) {
        self.record = record
        self.workers = workers
    }

    public func render() -> String {
        let critical = CriticalPath(record: record)
        let title = escape(record.started?.pipeline ?? "run")
        var html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Taskloop · \(title)</title>
            <style>
            body { font: 14px/1.4 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 24px; color: #1f2328; background: #fff; }
            h1 { font-size: 20px; margin: 0 0 4px; } .sub { color: #59636e; margin-bottom: 16px; }
            .figures { display: flex; flex-wrap: wrap; gap: 10px; margin-bottom: 18px; }
            .figure { border: 1px solid #d1d9e0; border-radius: 6px; padding: 8px 12px; min-width: 120px; }
            .figure b { display: block; font-size: 18px; } .figure span { color: #59636e; font-size: 12px; }
            .failure { border-left: 4px solid #cf222e; background: #ffebe9; padding: 8px 12px; margin-bottom: 8px; border-radius: 4px; }
            .failure pre { margin: 6px 0 0; white-space: pre-wrap; font-size: 12px; }
            .warning { border-left: 4px solid #bf8700; background: #fff8c5; padding: 6px 12px; margin-bottom: 6px; border-radius: 4px; }
            .unfinished { border-left: 4px solid #8250df; background: #fbefff; padding: 6px 12px; margin-bottom: 12px; }
            svg text { font: 11px ui-monospace, Menlo, monospace; fill: #59636e; }
            .legend span { display: inline-block; margin-right: 14px; font-size: 12px; }
            .legend i { display: inline-block; width: 12px; height: 12px; vertical-align: -2px; margin-right: 4px; border-radius: 2px; }
            rect.bar:hover { opacity: .75; }
            </style></head><body>
            <h1>\(title)</h1>
            <div class="sub">\(escape(subtitle))</div>

            """
        if record.finished == nil {
            html += "<div class=\"unfinished\">This run did not finish: its event log ends at +\(Duration.microseconds(lastTime).compactDescription) (killed, or still running). Steps without an end are drawn to there.</div>\n"
        }
        html += figures(critical)
        let reused = record.steps.filter { $0.reusedFrom != nil }
        if !reused.isEmpty {
            let names = reused.map { "\($0.id) (run \($0.reusedFrom ?? ""))" }.joined(separator: ", ")
            html += "<div class=\"sub\">Reused from earlier runs, not run: \(escape(names))</div>\n"
        }
        html += incrementalNotes
        for step in record.steps where step.status == .failure {
            html += "<div class=\"failure\"><b>\(escape(step.id.rawValue))</b> (line \(step.line)) · \(escape(step.error ?? "failed"))"
            if !step.details.isEmpty { html += "<pre>\(escape(step.details.suffix(20).joined(separator: "\n")))</pre>" }
            html += "</div>\n"
        }
        for warning in RunSummary(record: record).stallWarnings {
            html += "<div class=\"warning\">\(escape(warning))</div>\n"
        }
        html += legend + gantt(critical) + "</body></html>\n"
        return html
    }

    /// The steps with `sources:` that did not run, and why.
    private var incrementalNotes: String {
        var html = ""
        let upToDate = record.steps.filter { $0.checked == .upToDate }
        if !upToDate.isEmpty {
            html += "<div class=\"sub\">Up to date, not run: \(escape(upToDate.map(\.id.rawValue).joined(separator: ", ")))</div>\n"
        }
        let restored = record.steps.filter { $0.checked == .restored }
        if !restored.isEmpty {
            let names = restored.map { "\($0.id) (\($0.checkReason ?? ""))" }.joined(separator: ", ")
            html += "<div class=\"sub\">Restored from the cache, not run: \(escape(names))</div>\n"
        }
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
        return "<div class=\"figures\">" + items.map { "<div class=\"figure\"><b>\(escape($0.0))</b><span>\(escape($0.1))</span></div>" }.joined() + "</div>\n"
    }

    private var legend: String {
        let entries = [("#2da44e", "shell"), ("#0969da", "http"), ("#8250df", "cpu"), ("#bf8700", "file"), ("#6e7781", "sleep"), ("#cf222e", "failure"), ("#d4a72c", "cancelled"), ("#d0d7de", "waiting")]
        return "<div class=\"legend\">" + entries.map { "<span><i style=\"background:\($0.0)\"></i>\($0.1)</span>" }.joined()
            + "<span><i style=\"border:2px solid #1f2328\"></i>critical path</span></div>\n"
    }

    private func color(kind: String, status: StepStatus?, runsInWorker: Bool) -> String {
        switch status {
        case .failure: return "#cf222e"
        case .cancelled: return "#d4a72c"
        default: break
        }
        if runsInWorker { return "#8250df" }
        switch kind {
        case "shell": return "#2da44e"
        case "http": return "#0969da"
        case "file": return "#bf8700"
        case "sleep": return "#6e7781"
        default: return "#1a7f37"
        }
    }

    private func gantt(_ critical: CriticalPath) -> String {
        let lanes = TimelineLanes(record: record)
        let steps = Dictionary(record.steps.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let onPath = Set(critical.steps)
        let origin = lanes.bars.map(\.start).min() ?? 0
        let span = Double(max(1, (lanes.bars.map(\.end).max() ?? 1) - origin))
        let scale = Self.chartWidth / span
        // Lanes become rows; when a group has more lanes than fit, neighbouring
        // lanes share a row (a band), so the chart stays a readable height.
        var rows: [String] = []
        var rowOf: [TimelineLanes.Lane: Int] = [:]
        for group in [TimelineLanes.Group.loop, .workers] {
            let members = lanes.lanes.filter { $0.group == group }
            let bandSize = max(1, Int((Double(members.count) / Double(Self.maximumRowsPerGroup)).rounded(.up)))
            for (index, lane) in members.enumerated() {
                if index % bandSize == 0 {
                    let last = members[min(members.count - 1, index + bandSize - 1)]
                    rows.append(bandSize == 1 ? lane.name : "\(group == .loop ? "loop" : "pool") \(lane.number)–\(last.number)")
                }
                rowOf[lane] = rows.count - 1
            }
        }
        let height = Double(rows.count) * Self.rowHeight + 30
        var svg = "<svg width=\"\(Int(Self.labelWidth + Self.chartWidth + 20))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"Gantt chart of the run\">\n"
        for tick in 0...10 {
            let x = Self.labelWidth + Self.chartWidth * Double(tick) / 10
            svg += "<line x1=\"\(fmt(x))\" y1=\"0\" x2=\"\(fmt(x))\" y2=\"\(fmt(height - 18))\" stroke=\"#eaeef2\"/>"
            svg += "<text x=\"\(fmt(x))\" y=\"\(fmt(height - 4))\" text-anchor=\"middle\">\(Duration.microseconds(Int64(span * Double(tick) / 10)).compactDescription)</text>\n"
        }
        for (row, name) in rows.enumerated() {
            svg += "<text x=\"4\" y=\"\(fmt(Double(row) * Self.rowHeight + 13))\">\(escape(name))</text>\n"
        }
        // Merge runs of bars narrower than a pixel, row by row.
        var pending: [Int: (start: Double, end: Double, count: Int, onPath: Bool)] = [:]
        func flush(_ row: Int) {
            guard let merged = pending.removeValue(forKey: row) else { return }
            let stroke = merged.onPath ? " stroke=\"#1f2328\" stroke-width=\"2\"" : ""
            svg += "<rect class=\"bar\" x=\"\(fmt(merged.start))\" y=\"\(fmt(Double(row) * Self.rowHeight + 2))\" width=\"\(fmt(max(1, merged.end - merged.start)))\" height=\"\(fmt(Self.rowHeight - 4))\" fill=\"#57606a\"\(stroke)><title>\(merged.count) short steps</title></rect>\n"
        }
        for bar in lanes.bars.sorted(by: { (rowOf[$0.lane] ?? 0, $0.start) < (rowOf[$1.lane] ?? 0, $1.start) }) {
            guard let row = rowOf[bar.lane], let step = steps[bar.step] else { continue }
            let x = Self.labelWidth + Double(bar.start - origin) * scale
            let width = Double(bar.end - bar.start) * scale
            if width < 1, !bar.isQueueWait, bar.earlierAttempt == nil, step.status == .success {
                let isOnPath = onPath.contains(bar.step)
                if let merged = pending[row], x - merged.end < 1 {
                    pending[row] = (merged.start, max(merged.end, x + width), merged.count + 1, merged.onPath || isOnPath)
                } else {
                    flush(row)
                    pending[row] = (x, x + width, 1, isOnPath)
                }
                continue
            }
            flush(row)
            let y = Double(row) * Self.rowHeight + 2
            let fill = bar.isQueueWait ? "#d0d7de"
                : bar.earlierAttempt != nil ? "#ff8182" : color(kind: step.kind, status: step.status, runsInWorker: bar.lane.group == .workers)
            let stroke = !bar.isQueueWait && bar.earlierAttempt == nil && onPath.contains(bar.step) ? " stroke=\"#1f2328\" stroke-width=\"2\"" : ""
            var tip = bar.earlierAttempt.map { "\(step.id): attempt \($0) failed (retried)\n\(step.earlierAttempts[$0 - 1].error ?? "")" } ?? (bar.isQueueWait
                ? "\(step.id): waited \(Duration.microseconds(bar.end - bar.start).compactDescription) for \(bar.lane.group == .workers ? "a worker" : "capacity")"
                : "\(step.id) [\(step.kind)] \(step.status?.rawValue ?? "running")\n\(step.detail)\nran \(Duration.microseconds(bar.end - bar.start).compactDescription) from +\(Duration.microseconds(bar.start).compactDescription)")
            if !bar.isQueueWait, bar.earlierAttempt == nil {
                if let queued = step.queuedAt, let started = step.startedAt, started > queued { tip += "\nqueue wait \(Duration.microseconds(started - queued).compactDescription)" }
                tip += "\nattempt \(step.attempts)"
                if let exitCode = step.exitCode { tip += "\nexit code \(exitCode)" }
                if let error = step.error { tip += "\n\(error)" }
                if let lane = step.lane { tip += "\non \(lane)" }
            }
            svg += "<rect class=\"bar\" x=\"\(fmt(x))\" y=\"\(fmt(y))\" width=\"\(fmt(max(1, width)))\" height=\"\(fmt(Self.rowHeight - 4))\" rx=\"2\" fill=\"\(fill)\"\(stroke)><title>\(escape(tip))</title></rect>\n"
        }
        for row in Array(pending.keys) { flush(row) }
        return svg + "</svg>\n"
    }

    private func fmt(_ value: Double) -> String {
        String((value * 10).rounded() / 10)
    }

    private func escape(_ text: String) -> String {
        var result = ""
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            default: result.append(character)
            }
        }
        return result
    }
}
