/// Replaces the values of a pipeline's `secrets:` with `***`.
///
/// Each value is masked whole and, when it spans lines, line by line too (a
/// tool may print one line of a key). Longer values are replaced first, so a
/// secret that contains another is masked whole.
public struct SecretMasker: Sendable {
    public static let mask = "***"

    /// What is replaced, longest first.
    private let values: [String]

    public init(values: some Sequence<String>) {
        var all = Set<String>()
        for value in values where !value.isEmpty {
            all.insert(value)
            for line in value.split(whereSeparator: \.isNewline) where !line.isEmpty { all.insert(String(line)) }
        }
        self.values = all.sorted { $0.utf8.count > $1.utf8.count || ($0.utf8.count == $1.utf8.count && $0 < $1) }
    }

    /// The masker for `pipeline`'s secrets, their values taken from the
    /// pipeline's `env:` or else from `environment` (Taskloop's own).
    public init(pipeline: Pipeline, environment: [String: String]) {
        self.init(values: pipeline.secrets.compactMap { pipeline.environment[$0] ?? environment[$0] })
    }

    public var isEmpty: Bool { values.isEmpty }

    public func mask(_ text: String) -> String {
        var text = text
        for value in values where text.contains(value) {
            text = text.replacingOccurrences(value, with: Self.mask)
        }
        return text
    }

    func mask(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let text): return .string(mask(text))
        case .array(let items): return .array(items.map(mask))
        case .object(let members): return .object(Dictionary(uniqueKeysWithValues: members.map { (mask($0.key), mask($0.value)) }))
        case .null, .bool, .number: return value
        }
    }

    /// `event` with every text a secret could reach masked: the run's
    /// parameters and step details, errors, error details, outputs, reasons.
    func mask(_ event: TimelineEvent) -> TimelineEvent {
        var event = event
        switch event.payload {
        case .runStarted(var started):
            started.parameters = started.parameters.mapValues(mask)
            for index in started.steps.indices { started.steps[index].detail = mask(started.steps[index].detail) }
            event.payload = .runStarted(started)
        case .stepFinished(var finished):
            finished.error = finished.error.map(mask)
            finished.details = finished.details?.map(mask)
            let outputs = finished.outputs?.mapValues(mask)
            if outputs != finished.outputs { finished.outputsMasked = true }
            finished.outputs = outputs
            event.payload = .stepFinished(finished)
        case .stepReused(var reused):
            reused.outputs = reused.outputs?.mapValues(mask)
            event.payload = .stepReused(reused)
        case .stepChecked(var checked):
            checked.outputs = checked.outputs?.mapValues(mask)
            checked.reason = mask(checked.reason)
            event.payload = .stepChecked(checked)
        case .stepSkipped(var skipped):
            skipped.reason = mask(skipped.reason)
            event.payload = .stepSkipped(skipped)
        case .runFinished(var finished):
            finished.reason = finished.reason.map(mask)
            event.payload = .runFinished(finished)
        case .stepQueued, .stepStarted, .loopLag, .loopStall:
            break
        }
        return event
    }
}

/// Passes events and output to its observers with every secret masked, so
/// nothing downstream (the event log, the console, reports) ever sees a value.
package struct MaskingObserver: RunObserver {
    package let masker: SecretMasker
    package let observers: [any RunObserver]

    package init(masker: SecretMasker, observers: [any RunObserver]) {
        self.masker = masker
        self.observers = observers
    }

    package func observe(_ event: TimelineEvent) {
        let masked = masker.mask(event)
        for observer in observers { observer.observe(masked) }
    }

    package func stepOutput(_ chunk: StepOutputChunk) {
        var masked = chunk
        masked.text = masker.mask(chunk.text)
        for observer in observers { observer.stepOutput(masked) }
    }
}
