@testable import Taskloop

/// A fixed failing run for the CI reports: `build` succeeds, `lint` fails
/// with `continue-on-error`, `test` fails after two attempts, `upload` is
/// cancelled by fail-fast and `deploy` is skipped.
enum CIRunFixture {
    static let started = RunStarted(
        runID: "20261125-120000-abcd", pipeline: "ci", file: "ci.yaml", startedAt: "2026-11-25T12:00:00.000Z",
        startedAtUnixMicroseconds: 1_795_608_000_000_000, parameters: [:], host: "runner-1", pid: 42, version: "0.1.0",
        policy: .failFast, ioLimit: 256, pools: [:],
        steps: [
            .init(id: "build", kind: "shell", detail: "make", needs: [], line: 2, column: 3),
            .init(id: "lint", kind: "shell", detail: "make lint", needs: [], line: 4, column: 3, continueOnError: true),
            .init(id: "test", kind: "shell", detail: "make test", needs: ["build"], line: 7, column: 3),
            .init(id: "upload", kind: "http", detail: "PUT https://example.com/a", needs: ["build"], line: 10, column: 3),
            .init(id: "deploy", kind: "shell", detail: "./deploy", needs: ["test"], file: "deploy.yaml", line: 3, column: 5),
        ])

    static var events: [TimelineEvent] {
        [
            TimelineEvent(time: 0, .runStarted(started)),
            TimelineEvent(time: 0, .stepStarted(StepStarted(step: "build", attempt: 1, lane: "loop"))),
            TimelineEvent(time: 0, .stepStarted(StepStarted(step: "lint", attempt: 1, lane: "loop"))),
            TimelineEvent(time: 150_000, .stepFinished(StepFinished(
                step: "lint", attempt: 1, lane: "loop", status: .failure, exitCode: 1, error: "exited with status 1",
                details: ["style: x | y"], outputs: ["exit-code": JSONValue(1)]))),
            TimelineEvent(time: 400_000, .stepFinished(StepFinished(
                step: "build", attempt: 1, lane: "loop", status: .success, outputs: ["exit-code": JSONValue(0)]))),
            TimelineEvent(time: 400_000, .stepStarted(StepStarted(step: "test", attempt: 1, lane: "loop"))),
            TimelineEvent(time: 400_000, .stepStarted(StepStarted(step: "upload", attempt: 1, lane: "loop"))),
            TimelineEvent(time: 500_000, .stepFinished(StepFinished(
                step: "test", attempt: 1, lane: "loop", status: .failure, exitCode: 2, error: "exited with status 2",
                retryDelay: 100_000))),
            TimelineEvent(time: 600_000, .stepStarted(StepStarted(step: "test", attempt: 2, lane: "loop"))),
            TimelineEvent(time: 1_200_000, .stepFinished(StepFinished(
                step: "test", attempt: 2, lane: "loop", status: .failure, exitCode: 2,
                error: "exited with status 2 (after 2 attempts)", details: ["assertion failed: 2 == 3"],
                outputs: ["exit-code": JSONValue(2)]))),
            TimelineEvent(time: 1_200_000, .stepFinished(StepFinished(
                step: "upload", attempt: 1, lane: "loop", status: .cancelled,
                error: "cancelled: the run stopped after `test` failed"))),
            TimelineEvent(time: 1_200_000, .stepSkipped(StepSkipped(step: "deploy", reason: "needs `test`, which did not succeed"))),
            TimelineEvent(time: 1_250_000, .runFinished(RunFinished(
                status: .failure, succeeded: 1, failed: 2, cancelled: 1, skipped: 1))),
        ]
    }

    static var record: RunRecord { RunRecord(events: events) }

    static let outputs: [StepID: CapturedOutput] = [
        "build": CapturedOutput(text: "compiling\nlinked\n"),
        "lint": CapturedOutput(text: "style: x | y\n"),
        "test": CapturedOutput(text: "ok 1\nok 2\nassertion failed: 2 == 3\n", droppedBytes: 2048),
        "upload": CapturedOutput(text: "uploading\n"),
    ]
}
