import Foundation

/// A run's result as one JSON document, for scripts and dashboards: the run
/// (id, pipeline, status, exit code, start, duration, counts, event log) and
/// every step in file order (where it is declared, how it ended, when, its
/// outputs and the end of its output). Keys are sorted, so the text is
/// stable; every key is always present, `null` when it does not apply.
/// README.md ("In CI") shows the shape.
public struct JSONRunResult: Sendable {
    public static let format = "taskloop-result"
    public static let version = 1

    public var record: RunRecord
    public var outputs: [StepID: CapturedOutput]
    public var eventLogPath: String
    /// The exit code of `taskloop run` (the command line decides it).
    public var exitCode: Int32

    public init(record: RunRecord, outputs: [StepID: CapturedOutput], eventLogPath: String, exitCode: Int32) {
        self.record = record
        self.outputs = outputs
        self.eventLogPath = eventLogPath
        self.exitCode = exitCode
    }

    public func render() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Encoding a JSONValue cannot fail: every number is finite.
        let data = (try? encoder.encode(document)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    var document: JSONValue {
        let started = record.started
        let counts = Dictionary(grouping: record.steps.compactMap(\.status), by: { $0 }).mapValues(\.count)
        return .object([
            "format": .string(Self.format),
            "version": JSONValue(Self.version),
            "run_id": optional(started?.runID),
            "pipeline": optional(started?.pipeline),
            "file": optional(started?.file),
            "status": .string(record.finished?.status.rawValue ?? "unfinished"),
            "reason": optional(record.finished?.reason),
            "exit_code": JSONValue(Int(exitCode)),
            "started_at": optional(started?.startedAt),
            "duration_s": seconds(record.runDuration),
            "counts": .object([
                "steps": JSONValue(record.steps.count),
                "succeeded": JSONValue(counts[.success] ?? 0),
                "failed": JSONValue(counts[.failure] ?? 0),
                "cancelled": JSONValue(counts[.cancelled] ?? 0),
                "skipped": JSONValue(counts[.skipped] ?? 0),
            ]),
            "events": .string(eventLogPath),
            "steps": .array(record.steps.map(step)),
        ])
    }

    private func step(_ step: RunRecord.StepRecord) -> JSONValue {
        let output = outputs[step.id] ?? CapturedOutput()
        return .object([
            "id": .string(step.id.rawValue),
            "kind": .string(step.kind),
            "file": .string(step.file),
            "line": JSONValue(step.line),
            "column": JSONValue(step.column),
            "status": .string(step.status?.rawValue ?? (step.startedAt == nil ? "not-run" : "unfinished")),
            "continue_on_error": .bool(step.continueOnError),
            "attempts": JSONValue(step.attempts),
            "start_s": step.startedAt.map(seconds) ?? .null,
            "duration_s": step.duration.map(seconds) ?? .null,
            "lane": optional(step.lane),
            "exit_code": step.exitCode.map { JSONValue(Int($0)) } ?? .null,
            "error": optional(step.error),
            "details": .array(step.details.map(JSONValue.string)),
            "outputs": step.outputs.map(JSONValue.object) ?? .null,
            "skip_reason": optional(step.skipReason),
            "reused_from": optional(step.reusedFrom),
            "incremental": optional(step.checked?.rawValue),
            "incremental_reason": optional(step.checkReason),
            "output": .object([
                "text": .string(output.text),
                "dropped_bytes": JSONValue(output.droppedBytes),
            ]),
        ])
    }

    private func optional(_ text: String?) -> JSONValue {
        text.map(JSONValue.string) ?? .null
    }

    private func seconds(_ microseconds: Int64) -> JSONValue {
        .number(Double(microseconds) / 1_000_000)
    }
}
