import Testing

@testable import Taskloop

/// The live status area as lines: what it shows, and that every line fits the
/// terminal (a line that wraps would break the redraw in place).
@Suite struct LiveStatusTests {
    func status(running: Int, total: Int = 40) -> (LiveStatus, ContinuousClock.Instant) {
        let start = ContinuousClock.now
        var status = LiveStatus()
        let steps = (0..<total).map { index in
            RunStarted.StepDeclaration(id: StepID("step-with-a-long-name-\(index)"), kind: "shell", detail: "", needs: [], pool: nil, line: index + 2, column: 3)
        }
        let started = RunStarted(
            runID: "r", pipeline: "p", file: "p.yaml", startedAt: "", startedAtUnixMicroseconds: 0, parameters: [:], host: "h",
            pid: 1, version: "0", policy: .failFast, ioLimit: 4, pools: [:], steps: steps)
        status.apply(TimelineEvent(time: 0, .runStarted(started)), at: start)
        for index in 0..<running {
            status.apply(TimelineEvent(time: 1, .stepStarted(StepStarted(step: steps[index].id, attempt: 1, lane: "loop"))), at: start)
        }
        status.apply(TimelineEvent(time: 2, .stepFinished(StepFinished(
            step: steps[0].id, attempt: 1, lane: "loop", status: .failure, exitCode: 1, error: "x", details: nil, outputs: nil))), at: start)
        return (status, start)
    }

    @Test func listsRunningStepsAndCountsUnderABar() {
        let (status, start) = status(running: 12)
        let lines = status.render(width: 100, now: start + .seconds(75), color: false)
        #expect(lines.count == LiveStatus.listedStepLimit + 2)
        // Ids padded to the longest listed (`…-10`), clocks right-aligned.
        #expect(lines[0] == "  step-with-a-long-name-1     1:15  loop")
        #expect(lines[LiveStatus.listedStepLimit] == "  … and 3 more running")
        #expect(lines.last == "[" + String(repeating: "░", count: 30) + "] 1/40 · 1 failed · 11 running · 1:15")
    }

    @Test(arguments: [8, 20, 40, 80])
    func everyLineFitsTheTerminal(width: Int) {
        let (status, start) = status(running: 12)
        for line in status.render(width: width, now: start, color: false) {
            #expect(line.count < width, "\(line)")
        }
    }
}
