/// A run's failures as GitHub Actions workflow commands, printed to stdout
/// after the run: GitHub shows each as an annotation on the line of the
/// pipeline file that declares the step.
///
/// A failed step gives `::error`, one that failed with `continue-on-error`
/// `::warning`; a run stopped early (its `timeout:`) an `::error` on the
/// pipeline file. The message is the error and the last lines of output (or,
/// without output, of the error's details).
public struct GitHubAnnotations: Sendable {
    /// How many lines of output an annotation quotes.
    public static let outputLines = 5

    public var record: RunRecord
    public var outputs: [StepID: CapturedOutput]
    /// The folder paths are made relative to, as GitHub expects them (the
    /// repository's root is the usual working directory); `nil` keeps them as
    /// recorded.
    public var workingDirectory: String?

    public init(record: RunRecord, outputs: [StepID: CapturedOutput], workingDirectory: String? = nil) {
        self.record = record
        self.outputs = outputs
        self.workingDirectory = workingDirectory
    }

    /// One line per annotation, each ending in a line feed; empty when nothing failed.
    public func render() -> String {
        var lines: [String] = []
        for step in record.failedSteps {
            let message = [step.errorMessage] + step.lastLines(Self.outputLines, of: outputs)
            let title = step.continueOnError
                ? "Step \(step.id) failed (continue-on-error)"
                : "Step \(step.id) failed"
            lines.append(WorkflowCommand.line(
                step.continueOnError ? "warning" : "error",
                properties: [
                    ("file", relative(step.file)), ("line", "\(step.line)"), ("col", "\(step.column)"), ("title", title),
                ],
                message: message.joined(separator: "\n")))
        }
        if let started = record.started, let reason = record.finished?.reason, reason != "interrupted" {
            lines.append(WorkflowCommand.line(
                "error", properties: [("file", relative(started.file)), ("title", "Pipeline \(started.pipeline) stopped early")],
                message: "The run stopped early: \(reason)."))
        }
        return lines.map { $0 + "\n" }.joined()
    }

    /// `path` relative to the working directory when it lies inside it.
    func relative(_ path: String) -> String {
        guard let workingDirectory, path.hasPrefix("/") else { return path }
        let folder = workingDirectory.hasSuffix("/") ? workingDirectory : workingDirectory + "/"
        return path.hasPrefix(folder) ? String(path.dropFirst(folder.count)) : path
    }
}

/// GitHub Actions' `::command key=value,...::message` lines and their escaping.
enum WorkflowCommand {
    static func line(_ command: String, properties: [(String, String)], message: String) -> String {
        let list = properties.map { "\($0.0)=\(escapeProperty($0.1))" }.joined(separator: ",")
        return "::\(command)\(list.isEmpty ? "" : " " + list)::\(escapeData(message))"
    }

    /// A message: `%`, carriage return and line feed as `%25`, `%0D`, `%0A`.
    static func escapeData(_ value: String) -> String {
        escape(value, isProperty: false)
    }

    /// A property value: as a message, and also `:` and `,` as `%3A`, `%2C`.
    static func escapeProperty(_ value: String) -> String {
        escape(value, isProperty: true)
    }

    private static func escape(_ value: String, isProperty: Bool) -> String {
        var result = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "%": result += "%25"
            case "\r": result += "%0D"
            case "\n": result += "%0A"
            case ":" where isProperty: result += "%3A"
            case "," where isProperty: result += "%2C"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
