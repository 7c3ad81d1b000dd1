/// Replaces the values of a pipeline's `secrets:` with `***`.
///
/// Each value is masked whole and, when it spans lines, line by line too (a
/// tool may print one line of a key). Text is scanned once, left to right: at
/// each position the longest value that starts there is masked, so a secret
/// that contains another is masked whole.
///
/// A stream (a step's output, which arrives in chunks cut anywhere) is masked
/// with ``scan(_:final:)``: the end of a chunk that could be the start of a
/// secret is held back until the next chunk shows whether it is one, so a
/// secret split across two chunks is masked like any other.
public struct SecretMasker: Sendable {
    public static let mask = "***"

    /// What is replaced, as UTF-8, longest first.
    private let values: [[UInt8]]
    /// Whether some value starts with the byte: most bytes are passed over
    /// after this one lookup.
    private let startsValue: [Bool]
    /// The length of the longest value, in bytes.
    let longestValue: Int

    public init(values: some Sequence<String>) {
        var all = Set<String>()
        for value in values where !value.isEmpty {
            all.insert(value)
            for line in value.split(whereSeparator: \.isNewline) where !line.isEmpty { all.insert(String(line)) }
        }
        let sorted = all.sorted { $0.utf8.count > $1.utf8.count || ($0.utf8.count == $1.utf8.count && $0 < $1) }
        self.values = sorted.map { Array($0.utf8) }
        var startsValue = [Bool](repeating: false, count: 256)
        for value in self.values { startsValue[Int(value[0])] = true }
        self.startsValue = startsValue
        self.longestValue = self.values.first?.count ?? 0
    }

    /// The masker for `pipeline`'s secrets, their values taken from the
    /// pipeline's `env:` or else from `environment` (Taskloop's own).
    public init(pipeline: Pipeline, environment: [String: String]) {
        self.init(values: pipeline.secrets.compactMap { pipeline.environment[$0] ?? environment[$0] })
    }

    public var isEmpty: Bool { values.isEmpty }

    public func mask(_ text: String) -> String {
        guard !values.isEmpty, text.utf8.contains(where: { startsValue[Int($0)] }) else { return text }
        let (masked, _) = scan(Array(text.utf8)[...], final: true)
        return String(decoding: masked, as: UTF8.self)
    }

    /// Masks `bytes`, the text of a stream so far. With `final` false, the
    /// end that could be the start of a secret (a proper prefix of one) is
    /// not masked or returned: `heldFrom` is where it starts, and the caller
    /// scans it again in front of what comes next. Since such a start is the
    /// first byte of a value, the held part starts on a character boundary.
    ///
    /// Invariant: no returned byte belongs to an occurrence of a value that
    /// was not masked, however the stream is cut, except where occurrences
    /// overlap (the first is masked, then scanning resumes after it).
    func scan(_ bytes: ArraySlice<UInt8>, final: Bool) -> (masked: [UInt8], heldFrom: Int) {
        var masked: [UInt8] = []
        masked.reserveCapacity(bytes.count)
        var copiedUpTo = bytes.startIndex
        var index = bytes.startIndex
        let end = bytes.endIndex
        while index < end {
            guard startsValue[Int(bytes[index])] else {
                index += 1
                continue
            }
            let rest = end - index
            if !final, rest < longestValue,
                values.contains(where: { $0.count > rest && $0.starts(with: bytes[index..<end]) }) {
                masked.append(contentsOf: bytes[copiedUpTo..<index])
                return (masked, index)
            }
            if let value = values.first(where: { $0.count <= rest && bytes[index..<index + $0.count].elementsEqual($0) }) {
                masked.append(contentsOf: bytes[copiedUpTo..<index])
                masked.append(contentsOf: Self.mask.utf8)
                index += value.count
                copiedUpTo = index
            } else {
                index += 1
            }
        }
        masked.append(contentsOf: bytes[copiedUpTo..<end])
        return (masked, end)
    }

    /// How many of the first bytes of `bytes` can be kept when the rest is
    /// cut off: the cut moves back before any secret it would split, so no
    /// prefix of a secret is left at the end (it would pass every later mask).
    func safeCut(_ bytes: ArraySlice<UInt8>) -> Int {
        guard !values.isEmpty else { return bytes.count }
        return scan(bytes, final: false).heldFrom - bytes.startIndex
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
        case .stepQueued, .stepStarted, .stepRunning, .loopLag, .loopStall:
            break
        }
        return event
    }
}
