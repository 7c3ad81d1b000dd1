/// The loop-lag series under the Gantt chart, on the same time axis: per
/// window (about a second) how late the event loop ran its tick at worst
/// (the bar) and at the 99th percentile (the darker part). A tall bar is a
/// time something held the loop; the stall threshold is drawn when reached.
struct LoopLagChart {
    static let height = 70.0

    let record: RunRecord
    /// The Gantt chart's origin and span, so the two line up.
    let origin: Int64
    let axis: TimeAxis

    func render() -> String {
        guard !record.lagSamples.isEmpty else { return "" }
        let left = GanttChart.labelWidth, width = GanttChart.plotWidth
        let top = 6.0, plot = Self.height - 24
        let worst = record.lagSamples.map(\.lag.maximum).max() ?? 0
        let threshold = LoopLagMonitor.defaultThreshold.microseconds
        let ceiling = Double(max(worst, worst * 2 >= threshold ? threshold : 0, 1))
        func x(_ time: Int64) -> Double { left + Double(time - origin) * width / Double(axis.span) }
        func y(_ lag: Int64) -> Double { top + plot - Double(lag) / ceiling * plot }
        var svg = "<svg id=\"lag\" width=\"\(Int(left + width + GanttChart.rightMargin))\" height=\"\(Int(Self.height))\" role=\"img\" aria-label=\"Event-loop lag over the run\">\n"
        svg += "<defs><clipPath id=\"lagplot\"><rect x=\"\(left)\" y=\"0\" width=\"\(width + 1)\" height=\"\(Self.height)\"/></clipPath></defs>\n"
        svg += "<text class=\"name\" x=\"4\" y=\"\(HTMLText.coordinate(top + 12))\">loop lag</text>"
        svg += "<text x=\"4\" y=\"\(HTMLText.coordinate(top + 26))\">max \(Duration.microseconds(worst).compactDescription)</text>"
        svg += "<line class=\"baseline\" x1=\"\(left)\" x2=\"\(left + width)\" y1=\"\(HTMLText.coordinate(top + plot))\" y2=\"\(HTMLText.coordinate(top + plot))\"/>\n"
        svg += "<text x=\"\(left - 6)\" y=\"\(HTMLText.coordinate(top + 9))\" text-anchor=\"end\">\(Duration.microseconds(Int64(ceiling)).compactDescription)</text>\n"
        if Double(threshold) <= ceiling {
            let line = HTMLText.coordinate(y(threshold))
            svg += "<line class=\"threshold\" x1=\"\(left)\" x2=\"\(left + width)\" y1=\"\(line)\" y2=\"\(line)\"><title>stall threshold \(Duration.microseconds(threshold).compactDescription)</title></line>\n"
        }
        svg += "<g clip-path=\"url(#lagplot)\">\n"
        var windowStart = origin
        for (time, lag) in record.lagSamples {
            let start = max(windowStart, time - LoopLagMonitor.window.microseconds)
            windowStart = time
            let left = x(start), barWidth = max(1, x(time) - left - 1)
            let title = "window to +\(Duration.microseconds(time - origin).compactDescription): max \(Duration.microseconds(lag.maximum).compactDescription), p99 \(Duration.microseconds(lag.p99).compactDescription), \(lag.ticks) ticks"
            for (value, cls) in [(lag.maximum, "lagmax"), (lag.p99, "lagp99")] {
                let top = y(value)
                svg += "<rect class=\"\(cls)\" data-s=\"\(start - origin)\" data-e=\"\(time - origin)\" x=\"\(HTMLText.coordinate(left))\" y=\"\(HTMLText.coordinate(top))\" width=\"\(HTMLText.coordinate(barWidth))\" height=\"\(HTMLText.coordinate(max(1, y(0) - top)))\"><title>\(HTMLText.escape(title))</title></rect>\n"
            }
        }
        return svg + "</g></svg>\n"
    }
}
