/// One problem found in a pipeline file, at one place.
///
/// The message is built from a ``PipelineProblem``, so every wording lives in
/// one place; ``Diagnostic/rendered(in:)`` adds the source line and a caret.
public struct Diagnostic: Sendable, Hashable {
    public enum Severity: String, Sendable, Hashable {
        case error
        case warning
    }

    public var severity: Severity
    public var location: SourceLocation?
    public var problem: PipelineProblem

    public init(_ problem: PipelineProblem, at location: SourceLocation?, severity: Severity = .error) {
        self.severity = severity
        self.location = location
        self.problem = problem
    }

    /// `file:line:column: error: message`, without the source excerpt.
    public var summary: String {
        let prefix = location.map { "\($0): " } ?? ""
        return "\(prefix)\(severity.rawValue): \(problem.message)"
    }
}

/// Thrown when a pipeline cannot be loaded: every problem found, in file order.
///
/// A loader or a step kind collects as many problems as it can before it
/// throws, so a user fixes a file in one pass rather than one error per run.
public struct PipelineDiagnostics: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]

    public init(_ diagnostics: [Diagnostic]) {
        self.diagnostics = diagnostics
    }

    public init(_ problem: PipelineProblem, at location: SourceLocation?) {
        self.diagnostics = [Diagnostic(problem, at: location)]
    }

    public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }

    public var description: String { diagnostics.map(\.summary).joined(separator: "\n") }
}
