/// The report's Gantt chart, an SVG: a time axis at the top and the bottom,
/// and the steps' bars, each named.
///
/// A small run (at most ``perStepLimit`` steps) gets one row per step, in
/// file order, its name on the left and its status and time after its bar;
/// steps that did not run keep their row and say why. A larger run is drawn
/// by lanes (``TimelineLanes``): the event loop's lanes, then the workers and
/// their queue, each group under a heading; bars wide enough carry their
/// step's name, and runs of bars narrower than a pixel merge into one bar that
/// says how many steps it stands for, so 10,000 steps stay a small page.
///
/// A step on Slurm is two bars on its row: the time its job was queued in
/// Slurm (pale blue, dashed), then its run.
///
/// Every bar carries its times (`data-s`, `data-e`: µs from the chart's
/// origin), which the page's script uses to zoom and pan (``ReportScript``);
/// the steps' search index (``searchIndex``) gives each step's row.
struct GanttChart {
    static let labelWidth = 180.0
    static let plotWidth = 900.0
    static let rowHeight = 20.0
    static let axisHeight = 22.0
    /// Room after the plot for the status and time after the last bars.
    static let rightMargin = 200.0
    static let perStepLimit = 150
    /// More lanes of runs than this in a group are drawn in shared rows.
    static let maximumRunRows = 100
    /// Waits are a staircase that needs few rows to read.
    static let maximumQueueRows = 16
    /// The width of a character of the chart's 11px monospace font, for fitting names in bars.
    static let characterWidth = 6.7

    let record: RunRecord
    let onPath: Set<StepID>
    /// The chart's time zero, in the run clock's microseconds: the first queue or start.
    let origin: Int64
    let axis: TimeAxis
    let end: Int64
    /// The pool each step joined, for what its wait was for.
    let pools: [StepID: String]

    private var svg = ""
    private var rows: [(label: String, title: String, isHeading: Bool)] = []
    /// Per step that has a bar: its row and times, for the search box.
    private(set) var searchIndex: [(step: StepID, row: Int, start: Int64, end: Int64, status: String)] = []

    init(record: RunRecord, critical: CriticalPath, end: Int64) {
        self.record = record
        self.onPath = Set(critical.steps)
        self.pools = Dictionary((record.started?.steps ?? []).compactMap { declaration in declaration.pool.map { (declaration.id, $0) } }, uniquingKeysWith: { first, _ in first })
        let starts = record.steps.compactMap { step in
            [step.queuedAt, step.earlierAttempts.first?.start, step.startedAt].compactMap { $0 }.min()
        }
        self.origin = starts.min() ?? 0
        self.end = max(end, origin + 1)
        self.axis = TimeAxis(span: self.end - origin)
    }

    var isPerStep: Bool { record.steps.count <= Self.perStepLimit }

    private func x(_ time: Int64) -> Double {
        Self.labelWidth + Double(time - origin) * Self.plotWidth / Double(axis.span)
    }

    private func y(_ row: Int) -> Double { Self.axisHeight + 4 + Double(row) * Self.rowHeight }

    mutating func render() -> String {
        svg = ""
        rows = []
        searchIndex = []
        if isPerStep { drawPerStep() } else { drawByLanes() }
        let height = y(rows.count) + Self.axisHeight + 4
        var head = "<svg id=\"gantt\" width=\"\(Int(Self.labelWidth + Self.plotWidth + Self.rightMargin))\" height=\"\(Int(height))\""
        head += " data-left=\"\(Self.labelWidth)\" data-width=\"\(Self.plotWidth)\" data-span=\"\(axis.span)\" data-top=\"\(Self.axisHeight + 4)\" data-row=\"\(Self.rowHeight)\""
        head += " role=\"img\" aria-label=\"Gantt chart of the run\">\n"
        head += "<defs><clipPath id=\"plot\"><rect x=\"\(Self.labelWidth - 1)\" y=\"0\" width=\"\(Self.plotWidth + Self.rightMargin)\" height=\"\(Int(height))\"/></clipPath></defs>\n"
        head += Self.axisMarkup(axis, top: 0, bottom: height, left: Self.labelWidth, width: Self.plotWidth)
        for (row, label) in rows.enumerated() {
            let cls = label.isHeading ? "heading" : "name"
            head += "<text class=\"\(cls)\" x=\"4\" y=\"\(HTMLText.coordinate(y(row) + 14))\"><title>\(HTMLText.escape(label.title))</title>\(HTMLText.escape(label.label))</text>\n"
        }
        return head + "<g clip-path=\"url(#plot)\">\n" + svg + "<rect id=\"found\" class=\"found\" x=\"0\" y=\"0\" width=\"0\" height=\"0\"/></g></svg>\n"
    }

    /// Grid lines and tick labels at the top and the bottom (the script redraws them on zoom).
    static func axisMarkup(_ axis: TimeAxis, top: Double, bottom: Double, left: Double, width: Double) -> String {
        var markup = "<g class=\"axis\" data-top=\"\(top)\" data-bottom=\"\(bottom)\">"
        for tick in axis.ticks {
            let x = HTMLText.coordinate(left + Double(tick) * width / Double(axis.span))
            let label = axis.label(tick)
            markup += "<line x1=\"\(x)\" y1=\"\(top + 18)\" x2=\"\(x)\" y2=\"\(bottom - 18)\"/>"
            markup += "<text x=\"\(x)\" y=\"\(top + 14)\" text-anchor=\"middle\">\(label)</text>"
            markup += "<text x=\"\(x)\" y=\"\(bottom - 5)\" text-anchor=\"middle\">\(label)</text>\n"
        }
        return markup + "</g>\n"
    }

    // MARK: One row per step

    private mutating func drawPerStep() {
        for step in record.steps {
            let row = rows.count
            rows.append((HTMLText.truncated(step.id.rawValue, to: 28), "\(step.id.rawValue) (\(step.file):\(step.line))", false))
            guard let started = step.startedAt else {
                let note = step.reusedFrom.map { "reused from run \($0)" }
                    ?? (step.status == .skipped ? "skipped" + (step.skipReason.map { ": \($0)" } ?? "") : "not run")
                svg += "<text class=\"note\" x=\"\(HTMLText.coordinate(Self.labelWidth + 4))\" y=\"\(HTMLText.coordinate(y(row) + 14))\">\(HTMLText.escape(note))</text>\n"
                continue
            }
            let firstStart = step.earlierAttempts.first?.start ?? started
            if let queued = step.queuedAt, firstStart - queued >= 1000 {
                bar(row: row, step, start: queued, end: firstStart, fill: Palette.waiting, classes: "wait", tip: waitTip(step, queued, firstStart, worker: step.lane?.hasPrefix("worker-") == true))
            }
            var previousEnd: Int64?
            for (index, attempt) in step.earlierAttempts.enumerated() {
                if let previousEnd { retryGap(row: row, from: previousEnd, to: attempt.start) }
                var attemptStart = attempt.start
                if let running = attempt.runningAt, running > attempt.start {
                    attemptStart = min(running, attempt.end)
                    bar(row: row, step, start: attempt.start, end: attemptStart, fill: Palette.executorQueue, classes: "queued", tip: executorQueueTip(step, attempt.start, attemptStart))
                }
                bar(row: row, step, start: attemptStart, end: attempt.end, fill: Palette.earlierAttempt, classes: "retry", tip: attemptTip(step, index))
                previousEnd = attempt.end
            }
            if let previousEnd { retryGap(row: row, from: previousEnd, to: started) }
            let finished = step.finishedAt ?? end
            // A step on Slurm: its job's time in Slurm's queue, then its run.
            let running = step.runStart(until: finished) ?? started
            if running > started {
                bar(row: row, step, start: started, end: running, fill: Palette.executorQueue, classes: "queued", tip: executorQueueTip(step, started, running))
            }
            bar(row: row, step, start: running, end: finished, fill: Palette.fill(step, runsInWorker: step.lane?.hasPrefix("worker-") == true),
                classes: classes(step), tip: runTip(step, running, finished))
            searchIndex.append((step.id, row, started, finished, statusWord(step)))
            let queued = Duration.microseconds(running - started).compactDescription
            let after = step.executorQueue != nil && step.runningAt == nil
                ? "\(statusWord(step)) after \(queued) queued in \(step.executorQueueName), never started"
                : "\(statusWord(step)) \(Duration.microseconds(finished - running).compactDescription)"
                    + (running > started ? " + \(queued) queued in \(step.executorQueueName)" : "")
                + (step.exitCode.map { $0 != 0 ? " (exit \($0))" : "" } ?? "") + (step.attempts > 1 ? ", \(step.attempts) attempts" : "")
            svg += "<text class=\"after\" data-a=\"\(finished - origin)\" x=\"\(HTMLText.coordinate(x(finished) + 4))\" y=\"\(HTMLText.coordinate(y(row) + 14))\">\(HTMLText.escape(after))</text>\n"
        }
    }

    private mutating func retryGap(row: Int, from start: Int64, to end: Int64) {
        guard end > start else { return }
        let middle = HTMLText.coordinate(y(row) + Self.rowHeight / 2 - 2)
        svg += "<line class=\"gap\" data-s=\"\(start - origin)\" data-e=\"\(end - origin)\" x1=\"\(HTMLText.coordinate(x(start)))\" x2=\"\(HTMLText.coordinate(x(end)))\" y1=\"\(middle)\" y2=\"\(middle)\"><title>waited \(Duration.microseconds(end - start).compactDescription) before retrying</title></line>\n"
    }

    // MARK: Lanes, for large runs

    private mutating func drawByLanes() {
        let lanes = TimelineLanes(record: record)
        let steps = Dictionary(record.steps.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var rowOf: [TimelineLanes.Lane: Int] = [:]
        let sections: [(group: TimelineLanes.Group, queues: Bool, heading: String, title: String, band: String)] = [
            (.loop, false, "event loop", "I/O steps on the one event-loop thread, side by side as they overlapped", "lanes"),
            (.loop, true, "waiting for capacity", "I/O steps whose needs were done, waiting for limits.io or their pool", "waiting"),
            (.workers, false, "worker pool", "CPU steps, on the worker that ran them", "workers"),
            (.workers, true, "waiting for a worker", "CPU steps waiting for a free worker", "queues"),
        ]
        for section in sections {
            let members = lanes.lanes.filter { $0.group == section.group && $0.isQueue == section.queues }
            guard !members.isEmpty else { continue }
            rows.append(("\(section.heading) (\(members.count) lane\(members.count == 1 ? "" : "s"))", section.title, true))
            let bandSize = max(1, Int((Double(members.count) / Double(section.queues ? Self.maximumQueueRows : Self.maximumRunRows)).rounded(.up)))
            for (index, lane) in members.enumerated() {
                if index % bandSize == 0 {
                    let last = members[min(members.count - 1, index + bandSize - 1)]
                    let first = lane.isQueue ? lane.number - TimelineLanes.queueLaneOffset : lane.number
                    let end = last.isQueue ? last.number - TimelineLanes.queueLaneOffset : last.number
                    let name = last == lane ? lane.name : "\(section.band) \(first)–\(end)"
                    rows.append(("  " + name, name, false))
                }
                rowOf[lane] = rows.count - 1
            }
        }
        // Merge runs of bars narrower than a pixel, row by row.
        var pending: [Int: (start: Int64, end: Int64, count: Int, onPath: Bool)] = [:]
        func flush(_ row: Int) {
            guard let merged = pending.removeValue(forKey: row) else { return }
            let pathClass = merged.onPath ? " crit" : ""
            svg += "<rect class=\"bar merged\(pathClass)\" data-s=\"\(merged.start - origin)\" data-e=\"\(merged.end - origin)\" x=\"\(HTMLText.coordinate(x(merged.start)))\" y=\"\(HTMLText.coordinate(y(row) + 2))\" width=\"\(HTMLText.coordinate(max(1, x(merged.end) - x(merged.start))))\" height=\"\(HTMLText.coordinate(Self.rowHeight - 4))\" fill=\"\(Palette.merged)\"><title>\(merged.count) short steps, \(Duration.microseconds(merged.end - merged.start).compactDescription) from +\(Duration.microseconds(merged.start - origin).compactDescription)</title></rect>\n"
        }
        let pixel = Double(axis.span) / Self.plotWidth
        for bar in lanes.bars.sorted(by: { (rowOf[$0.lane] ?? 0, $0.start) < (rowOf[$1.lane] ?? 0, $1.start) }) {
            guard let row = rowOf[bar.lane], let step = steps[bar.step] else { continue }
            if Double(bar.end - bar.start) < pixel, !bar.isQueueWait, !bar.isExecutorQueue, bar.earlierAttempt == nil, step.status == .success {
                let isOnPath = onPath.contains(bar.step)
                searchIndex.append((step.id, row, bar.start, bar.end, statusWord(step)))
                if let merged = pending[row], Double(bar.start - merged.end) < pixel {
                    pending[row] = (merged.start, max(merged.end, bar.end), merged.count + 1, merged.onPath || isOnPath)
                } else {
                    flush(row)
                    pending[row] = (bar.start, bar.end, 1, isOnPath)
                }
                continue
            }
            flush(row)
            let worker = bar.lane.group == .workers
            if bar.isQueueWait {
                self.bar(row: row, step, start: bar.start, end: bar.end, fill: Palette.waiting, classes: "wait", tip: waitTip(step, bar.start, bar.end, worker: worker), label: true)
            } else if bar.isExecutorQueue {
                self.bar(row: row, step, start: bar.start, end: bar.end, fill: Palette.executorQueue, classes: "queued", tip: executorQueueTip(step, bar.start, bar.end), label: true)
            } else if let attempt = bar.earlierAttempt {
                self.bar(row: row, step, start: bar.start, end: bar.end, fill: Palette.earlierAttempt, classes: "retry", tip: attemptTip(step, attempt - 1), label: true)
            } else {
                self.bar(row: row, step, start: bar.start, end: bar.end, fill: Palette.fill(step, runsInWorker: worker), classes: classes(step), tip: runTip(step, bar.start, bar.end), label: true)
                searchIndex.append((step.id, row, bar.start, bar.end, statusWord(step)))
            }
        }
        for row in Array(pending.keys).sorted() { flush(row) }
    }

    // MARK: Bars

    private mutating func bar(row: Int, _ step: RunRecord.StepRecord, start: Int64, end: Int64, fill: String, classes: String, tip: String, label: Bool = false) {
        let left = x(start), width = max(1, x(end) - x(start))
        svg += "<rect class=\"bar \(classes)\" data-s=\"\(start - origin)\" data-e=\"\(end - origin)\" x=\"\(HTMLText.coordinate(left))\" y=\"\(HTMLText.coordinate(y(row) + 2))\" width=\"\(HTMLText.coordinate(width))\" height=\"\(HTMLText.coordinate(Self.rowHeight - 4))\" rx=\"2\" fill=\"\(fill)\"><title>\(HTMLText.escape(tip))</title></rect>\n"
        guard label else { return }
        let name = step.id.rawValue
        let fits = Double(name.count) * Self.characterWidth + 6 <= width
        svg += "<text class=\"in\(fits ? "" : " hide")\" data-s=\"\(start - origin)\" data-e=\"\(end - origin)\" data-w=\"\(Int(Double(name.count) * Self.characterWidth + 6))\" x=\"\(HTMLText.coordinate(left + 3))\" y=\"\(HTMLText.coordinate(y(row) + 14))\">\(HTMLText.escape(name))</text>\n"
    }

    private func classes(_ step: RunRecord.StepRecord) -> String {
        var classes = step.status.map { $0.rawValue } ?? "running"
        if step.status == .failure, step.continueOnError { classes += " tolerated" }
        if onPath.contains(step.id) { classes += " crit" }
        return classes
    }

    func statusWord(_ step: RunRecord.StepRecord) -> String {
        switch step.status {
        case .success: return "ok"
        case .failure: return step.continueOnError ? "failed (tolerated)" : "failed"
        case .cancelled: return "cancelled"
        case .skipped: return "skipped"
        case nil: return step.startedAt == nil ? "not run" : "unfinished"
        }
    }

    private func runTip(_ step: RunRecord.StepRecord, _ start: Int64, _ end: Int64) -> String {
        var tip = "\(step.id) [\(step.kind)] \(statusWord(step))\n\(step.detail)\nran \(Duration.microseconds(end - start).compactDescription) from +\(Duration.microseconds(start - origin).compactDescription)"
        if let queued = step.queuedAt, let started = step.startedAt, started > queued { tip += "\nqueue wait \(Duration.microseconds(started - queued).compactDescription)" }
        if let wait = step.executorQueueWait, wait > 0 { tip += "\nqueued in \(step.executorQueueName) \(Duration.microseconds(wait).compactDescription) before that" }
        tip += "\nattempt \(step.attempts)"
        if let exitCode = step.exitCode { tip += "\nexit code \(exitCode)" }
        if let error = step.error { tip += "\n\(error)" }
        if step.status == .failure, step.continueOnError { tip += "\ncontinue-on-error: the run went on" }
        if onPath.contains(step.id) { tip += "\non the critical path" }
        if let lane = step.lane { tip += "\non \(lane)" }
        return tip
    }

    private func waitTip(_ step: RunRecord.StepRecord, _ start: Int64, _ end: Int64, worker: Bool) -> String {
        let what = worker ? "a free worker" : pools[step.id].map { "a place in pool `\($0)`" } ?? "capacity (limits.io)"
        return "\(step.id): waited \(Duration.microseconds(end - start).compactDescription) for \(what)"
    }

    private func executorQueueTip(_ step: RunRecord.StepRecord, _ start: Int64, _ end: Int64) -> String {
        let queue = step.executorQueueName
        return "\(step.id): queued in \(queue) \(Duration.microseconds(end - start).compactDescription) (its job waited for \(queue) to start it)"
            + (step.lane.map { "\nthen ran on \($0)" } ?? "")
    }

    private func attemptTip(_ step: RunRecord.StepRecord, _ index: Int) -> String {
        "\(step.id): attempt \(index + 1) failed (retried)\n\(step.earlierAttempts[index].error ?? "")"
    }
}

