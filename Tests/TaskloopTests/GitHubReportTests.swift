import Foundation
import Testing
@testable import Taskloop

/// Under GitHub Actions: annotations on the pipeline file's lines, and the job summary.
@Suite struct GitHubReportTests {
    @Test func failedStepsBecomeAnnotationsOnTheirLines() {
        let text = GitHubAnnotations(record: CIRunFixture.record, outputs: CIRunFixture.outputs).render()
        #expect(text == """
            ::warning file=ci.yaml,line=4,col=3,title=Step lint failed (continue-on-error)::exited with status 1%0Astyle: x | y
            ::error file=ci.yaml,line=7,col=3,title=Step test failed::exited with status 2 (after 2 attempts)%0Aok 1%0Aok 2%0Aassertion failed: 2 == 3

            """)
    }

    @Test func annotationsEscapeDataAndProperties() {
        var started = CIRunFixture.started
        started.steps = [.init(id: "s", kind: "http", detail: "", needs: [], file: "/repo/dir,1/a:b.yaml", line: 9, column: 5)]
        let record = RunRecord(events: [
            TimelineEvent(time: 0, .runStarted(started)),
            TimelineEvent(time: 0, .stepStarted(StepStarted(step: "s", attempt: 1, lane: "loop"))),
            TimelineEvent(time: 10, .stepFinished(StepFinished(
                step: "s", attempt: 1, lane: "loop", status: .failure, error: "100% broken: a, b\r\nnext",
                details: ["body: 50%", "l2", "l3", "l4", "l5", "l6"]))),
        ])
        // Without output, the last lines of the details stand in for it.
        let text = GitHubAnnotations(record: record, outputs: [:], workingDirectory: "/repo").render()
        #expect(text == "::error file=dir%2C1/a%3Ab.yaml,line=9,col=5,title=Step s failed::100%25 broken: a, b%0D%0Anext%0Al2%0Al3%0Al4%0Al5%0Al6\n")
        #expect(WorkflowCommand.escapeData("a:b,c%\r\n") == "a:b,c%25%0D%0A")
        #expect(WorkflowCommand.escapeProperty("a:b,c%\r\n") == "a%3Ab%2Cc%25%0D%0A")
    }

    @Test func pathsAreMadeRelativeToTheWorkingDirectoryOnlyInsideIt() {
        let annotations = GitHubAnnotations(record: RunRecord(), outputs: [:], workingDirectory: "/work/repo")
        #expect(annotations.relative("/work/repo/ci/p.yaml") == "ci/p.yaml")
        #expect(annotations.relative("/work/repository/p.yaml") == "/work/repository/p.yaml")
        #expect(annotations.relative("ci/p.yaml") == "ci/p.yaml")
        #expect(GitHubAnnotations(record: RunRecord(), outputs: [:], workingDirectory: "/").relative("/p.yaml") == "p.yaml")
    }

    @Test func aRunStoppedByItsTimeoutIsAnnotatedOnThePipelineFile() {
        var events = Array(CIRunFixture.events.prefix(5))
        events.append(TimelineEvent(time: 500_000, .runFinished(RunFinished(
            status: .failure, reason: "the pipeline's timeout of 500ms was reached", succeeded: 1, failed: 0, cancelled: 0, skipped: 0))))
        let text = GitHubAnnotations(record: RunRecord(events: events), outputs: [:]).render()
        #expect(text.hasSuffix("::error file=ci.yaml,title=Pipeline ci stopped early::The run stopped early: the pipeline's timeout of 500ms was reached.\n"))
        #expect(GitHubAnnotations(record: RunRecord(events: [events[0]]), outputs: [:]).render() == "")
    }

    @Test func theSummaryListsFailuresFirstThenEveryStep() {
        let text = GitHubStepSummary(record: CIRunFixture.record, outputs: CIRunFixture.outputs).render()
        #expect(text == """
            ## ❌ ci failed

            2 failed · 1 cancelled · 1 succeeded · 1 skipped · 1.25s · run `20261125-120000-abcd`

            ### Failures

            **`lint`** (`ci.yaml:4`): exited with status 1 (continue-on-error)

            ```
            style: x | y
            ```

            **`test`** (`ci.yaml:7`): exited with status 2 (after 2 attempts)

            ```
            ok 1
            ok 2
            assertion failed: 2 == 3
            ```

            ### Steps

            | step | status | duration | attempts |
            | --- | --- | ---: | ---: |
            | `build` | ✅ success | 400ms | 1 |
            | `lint` | ❌ failure (exit 1), continue-on-error | 150ms | 1 |
            | `test` | ❌ failure (exit 2) | 600ms | 2 |
            | `upload` | 🚫 cancelled | 800ms | 1 |
            | `deploy` | ⏭️ skipped: needs `test`, which did not succeed | - | 0 |

            """)
    }

    @Test func tableCellsAndCodeBlocksCannotBeBrokenByTheirText() {
        var started = CIRunFixture.started
        started.steps = [
            .init(id: "a", kind: "shell", detail: "", needs: [], line: 1, column: 1),
            .init(id: "b", kind: "shell", detail: "", needs: [], line: 2, column: 1),
        ]
        let record = RunRecord(events: [
            TimelineEvent(time: 0, .runStarted(started)),
            TimelineEvent(time: 0, .stepStarted(StepStarted(step: "a", attempt: 1, lane: "loop"))),
            TimelineEvent(time: 10, .stepFinished(StepFinished(step: "a", attempt: 1, lane: "loop", status: .failure, error: "x"))),
            TimelineEvent(time: 10, .stepSkipped(StepSkipped(step: "b", reason: "a | b\nc"))),
            TimelineEvent(time: 20, .runFinished(RunFinished(status: .failure, succeeded: 0, failed: 1, cancelled: 0, skipped: 1))),
        ])
        let text = GitHubStepSummary(record: record, outputs: ["a": CapturedOutput(text: "```\n````` fenced\n")]).render()
        #expect(text.contains("| `b` | ⏭️ skipped: a \\| b c | - | 0 |\n"))
        #expect(text.contains("\n``````\n```\n````` fenced\n``````\n"))
    }

    @Test func largeRunsListOnlyTheStepsThatDidNotSucceed() {
        var started = CIRunFixture.started
        started.steps = (0..<150).map { .init(id: StepID("s\($0)"), kind: "sleep", detail: "", needs: [], line: $0 + 2, column: 3) }
        var events = [TimelineEvent(time: 0, .runStarted(started))]
        for index in 0..<150 {
            let id = StepID("s\(index)")
            events.append(TimelineEvent(time: 0, .stepStarted(StepStarted(step: id, attempt: 1, lane: "loop"))))
            events.append(TimelineEvent(time: 5, .stepFinished(StepFinished(
                step: id, attempt: 1, lane: "loop", status: index == 7 ? .failure : .success, error: index == 7 ? "bad" : nil))))
        }
        let text = GitHubStepSummary(record: RunRecord(events: events), outputs: [:]).render()
        #expect(text.contains("| `s7` | ❌ failure | 5µs | 1 |\n"))
        #expect(!text.contains("| `s8` |"))
        #expect(text.hasSuffix("\n149 more steps succeeded; the event log has them all.\n"))
    }
}
