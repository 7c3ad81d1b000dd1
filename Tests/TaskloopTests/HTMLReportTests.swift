import Foundation
import Testing
@testable import Taskloop

/// The HTML report: what a reader sees first, the named chart, and a page that stays
/// self-contained and navigable for thousands of steps.
@Suite struct HTMLReportTests {
    func knownRecord() throws -> RunRecord {
        let url = try #require(Bundle.module.url(forResource: "known-run", withExtension: "jsonl", subdirectory: "Fixtures"))
        return RunRecord(events: try EventLog.parse(Data(contentsOf: url), path: url.path).events)
    }

    @Test func aFailedRunSaysSoWithItsExitStatusAndNamesItsSkippedSteps() throws {
        let html = HTMLReport(record: try knownRecord()).render()
        #expect(html.contains("<div class=\"banner failed\" id=\"outcome\"><b>✗ Failed</b><span>exit status 1 · 1 step failed</span></div>"))
        #expect(html.contains("<b>Skipped (1):</b> <code>deploy</code> (needs `test`, which did not succeed)"))
        // The banner comes before the figures, the figures before the chart.
        #expect(html.range(of: "id=\"outcome\"")!.lowerBound < html.range(of: "class=\"figures\"")!.lowerBound)
    }

    @Test func aSmallRunHasOneNamedRowPerStepWithItsStatusAfterTheBar() throws {
        let html = HTMLReport(record: try knownRecord()).render()
        for step in ["compile", "wait", "hash", "test", "deploy"] {
            #expect(html.contains("</title>\(step)</text>"), "no row named \(step)")
        }
        #expect(html.contains(">failed 200ms (exit 2)</text>"))
        #expect(html.contains(">skipped: needs `test`, which did not succeed</text>"))
        // hash waited 100 ms for a worker: a wait bar on its row, then its run.
        #expect(html.contains("hash: waited 100ms for a free worker"))
    }

    @Test func theTimeAxisHasRoundTicksAtTheTopAndTheBottom() throws {
        let html = HTMLReport(record: try knownRecord()).render()
        // 1.2 s: ticks every 0.2 s, each labelled twice.
        for label in ["0.2s", "0.4s", "0.6s", "0.8s", "1.0s", "1.2s"] {
            #expect(html.components(separatedBy: "text-anchor=\"middle\">\(label)</text>").count - 1 == 2, "tick \(label)")
        }
        #expect(TimeAxis(span: 262_000).ticks == [0, 50_000, 100_000, 150_000, 200_000, 250_000])
        #expect(TimeAxis(span: 262_000).label(150_000) == "150ms")
        #expect(TimeAxis(span: 7_300_000).label(2_000_000) == "2s")
        #expect(TimeAxis(span: 3_000_000).label(1_500_000) == "1.5s")
        #expect(TimeAxis(span: 45 * 60_000_000).label(10 * 60_000_000) == "10m")
    }

    @Test func aToleratedFailureIsMarkedAndTheRunPasses() {
        var run = RunEvents([("lint", "shell", []), ("build", "shell", ["lint"])], continueOnError: ["lint"])
        run.ran("lint", from: 0, to: 10_000, status: .failure, error: "exited with status 1")
        run.ran("build", from: 10_000, to: 50_000)
        run.finished(.success, at: 50_000)
        let html = HTMLReport(record: run.record).render()
        #expect(html.contains("<b>✓ Passed</b><span>exit status 0 · 1 failure tolerated (continue-on-error)</span>"))
        #expect(html.contains("<div class=\"failure tolerated\"><b>lint</b>"))
        #expect(html.contains("class=\"bar failure tolerated"))
        #expect(html.contains(">failed (tolerated) 10ms</text>"))
    }

    @Test func theLoopLagSeriesIsDrawnUnderTheChart() throws {
        let html = HTMLReport(record: try knownRecord()).render()
        let lag = try #require(html.range(of: "<svg id=\"lag\""))
        #expect(html.range(of: "<svg id=\"gantt\"")!.upperBound < lag.lowerBound)
        #expect(html.contains("<rect class=\"lagmax\""))
        #expect(html.contains("max 2ms, p99 1ms, 50 ticks"))
    }

    @Test func thePageIsSelfContainedAndItsScriptReportsThatItRan() throws {
        let html = HTMLReport(record: try knownRecord()).render()
        #expect(!html.contains("src=") && !html.contains("href=") && !html.contains("@import") && !html.contains("url(http"))
        #expect(html.contains("document.body.setAttribute('data-report-ready', 'yes')"))
        // The search index names every step that ran, with its row.
        #expect(html.contains("<script type=\"application/json\" id=\"step-index\">[[\"compile\",0,"))
        #expect(html.contains("[\"test\",3,1000000,1200000,\"failed\"]"))
    }

    @Test func aLargeRunIsDrawnByLanesWithNamedBarsAndASearchIndex() {
        // 2,000 sleeps of 20 ms, 64 at a time: 64 loop lanes, the rest waits.
        var run = RunEvents((0..<2_000).map { ("s\($0)", "sleep", []) })
        for index in 0..<2_000 {
            let wave = Int64(index / 64), start = wave * 20_000
            run.queued("s\(index)", at: 0)
            run.ran("s\(index)", from: start, to: start + 20_000)
        }
        run.finished(.success, at: 32 * 20_000)
        let lanes = TimelineLanes(record: run.record)
        #expect(lanes.lanes.count { !$0.isQueue } == 64)
        let html = HTMLReport(record: run.record).render()
        #expect(html.contains(">event loop (64 lanes)</text>"))
        #expect(html.contains(">waiting for capacity ("))
        // Bars of 28 px name their step; every step is in the search index.
        #expect(html.contains("<text class=\"in\" data-s=\"0\" data-e=\"20000\""))
        #expect(html.contains(">s0</text>"))
        #expect(html.components(separatedBy: "[\"s").count - 1 == 2_000)
        #expect(html.contains("id=\"step-search\""))
    }

    @Test func aWorkerOnAnExecutorKeepsItsRowAndNamesItsHostAndJob() {
        #expect(TimelineLanes.worker("worker-2")! == (2, "worker 2"))
        #expect(TimelineLanes.worker("worker-2 · vm · job 14")! == (2, "worker 2 · vm · job 14"))
        #expect(TimelineLanes.worker("loop") == nil)
        #expect(TimelineLanes.worker("worker-x") == nil)
    }

    @Test func stepNamesCannotEndTheScriptEarly() {
        #expect(HTMLText.jsonString("a</script><b>\"\\\n") == "\"a\\u003c/script\\u003e\\u003cb\\u003e\\\"\\\\\\n\"")
    }
}
