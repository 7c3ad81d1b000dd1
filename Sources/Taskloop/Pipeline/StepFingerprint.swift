import Crypto
import Foundation

/// A digest of what a step does, recorded in the event log so that a resumed
/// run can tell whether a step it would reuse is still the step that ran.
///
/// The digest is SHA-256 over a canonical JSON form of:
/// - the step's YAML as written (kind and its fields, `needs`, `env`, `cwd`,
///   `if`, `retry`, `timeout`, `with`), with keys sorted, every scalar as its
///   text (so quoting style does not matter), and `needs` as a sorted list;
/// - the pipeline's `env` (every step sees it);
/// - the values of the parameters the step's expressions read (all of them
///   when it reads `params` as a whole or with a computed index).
///
/// Left out, because they do not change what the step does: where the step is
/// written (line, column, order in the file), comments and layout, `pool`,
/// `continue-on-error` and `cache`.
public enum StepFingerprint {
    /// The keys of a step's mapping that do not go into its fingerprint.
    static let ignoredKeys: Set<String> = ["pool", "continue-on-error", "cache"]

    /// The lowercase hex SHA-256 of `step`'s canonical form in `pipeline`.
    public static func digest(of step: Step, in pipeline: Pipeline) -> String {
        digest(of: step, in: pipeline, environment: environmentText(of: pipeline))
    }

    private static func digest(of step: Step, in pipeline: Pipeline, environment: [UInt8]) -> String {
        ContentDigest.hex(SHA256.hash(data: canonicalForm(of: step, in: pipeline, environment: environment)))
    }

    /// The digest of every step of `pipeline`, in its order, computed in
    /// chunks on the global concurrent executor (every core): a microsecond
    /// or two a step, which is a good part of a second for 100,000 steps on one.
    public static func digests(of pipeline: Pipeline) async -> [String] {
        let steps = pipeline.steps
        let environment = environmentText(of: pipeline)
        // Asking for the core count reads the cgroup's files: only a file
        // of more than one chunk's steps needs it.
        let chunkSize = steps.count <= 512 ? 512 : max(512, steps.count / (4 * ProcessInfo.processInfo.activeProcessorCount) + 1)
        let chunks = stride(from: 0, to: steps.count, by: chunkSize).map { $0..<min($0 + chunkSize, steps.count) }
        guard chunks.count > 1 else { return steps.map { digest(of: $0, in: pipeline, environment: environment) } }
        return await withTaskGroup(of: (Int, [String]).self) { group in
            for (number, chunk) in chunks.enumerated() {
                group.addTask(executorPreference: globalConcurrentExecutor) {
                    (number, steps[chunk].map { digest(of: $0, in: pipeline, environment: environment) })
                }
            }
            var parts = [[String]](repeating: [], count: chunks.count)
            for await (number, part) in group { parts[number] = part }
            return parts.flatMap { $0 }
        }
    }

    /// The pipeline's `env` as it stands in every step's canonical form.
    private static func environmentText(of pipeline: Pipeline) -> [UInt8] {
        var bytes: [UInt8] = []
        write(.object(pipeline.environment.mapValues(JSONValue.string)), into: &bytes)
        return bytes
    }

    /// The bytes that are hashed: JSON with keys sorted and no spaces, the
    /// object `{"params":…,"pipeline-env":…,"scheme":1,"step":…}` written
    /// straight into bytes (its keys are in sorted order); `environment` is
    /// ``environmentText(of:)``, the same for every step.
    private static func canonicalForm(of step: Step, in pipeline: Pipeline, environment: [UInt8]) -> [UInt8] {
        let readParameters = parametersRead(by: step, among: pipeline.parameters.keys)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256 + environment.count)
        bytes += #"{"params":"#.utf8
        write(.object(pipeline.parameters.filter { readParameters.contains($0.key) }.mapValues(JSONValue.string)), into: &bytes)
        bytes += #","pipeline-env":"#.utf8
        bytes += environment
        bytes += #","scheme":"#.utf8
        write(.number(1), into: &bytes)
        bytes += #","step":"#.utf8
        writeDefinition(of: step, into: &bytes)
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }

    /// The canonical JSON text of each part of what a step does, by name:
    /// every key of its mapping (`shell`, `env`, `cwd`, `sources`, ...),
    /// `pipeline-env`, and `param:NAME` for each parameter it reads. The
    /// incremental key hashes these one by one, so that `taskloop why` can
    /// name the part that changed. `resolved` is the step with its `${{ }}`
    /// values filled in (or the step itself); the parameters read are those
    /// of the step as written.
    static func canonicalParts(of resolved: Step, asWritten step: Step, in pipeline: Pipeline) -> [String: String] {
        var parts: [String: String] = [:]
        func text(_ value: JSONValue) -> String {
            var bytes: [UInt8] = []
            write(value, into: &bytes)
            return String(decoding: bytes, as: UTF8.self)
        }
        if let entries = fingerprintedEntries(of: resolved) {
            for entry in entries {
                var bytes: [UInt8] = []
                writeField(entry, into: &bytes)
                parts[entry.name] = String(decoding: bytes, as: UTF8.self)
            }
        } else if case .object(let fields) = codeBuiltDefinition(of: resolved) {
            for (name, value) in fields { parts[name] = text(value) }
        }
        parts["pipeline-env"] = String(decoding: environmentText(of: pipeline), as: UTF8.self)
        for name in parametersRead(by: step, among: pipeline.parameters.keys) {
            parts["param:" + name] = text(pipeline.parameters[name].map(JSONValue.string) ?? .null)
        }
        return parts
    }

    /// Writes `value` as compact JSON with sorted keys (a microsecond or so
    /// a step, where JSONEncoder would cost many times that on a large
    /// pipeline). Strings escape `"`, `\` and control characters (`\u00XX`).
    private static func write(_ value: JSONValue, into bytes: inout [UInt8]) {
        switch value {
        case .null: bytes += "null".utf8
        case .bool(let flag): bytes += (flag ? "true" : "false").utf8
        case .number(let number): bytes += String(describing: number).utf8
        case .string(let string):
            bytes.append(UInt8(ascii: "\""))
            for byte in string.utf8 {
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                    bytes.append(UInt8(ascii: "\\"))
                    bytes.append(byte)
                case ..<0x20:
                    bytes += "\\u00".utf8
                    bytes.append(ContentDigest.hexDigits[Int(byte >> 4)])
                    bytes.append(ContentDigest.hexDigits[Int(byte & 0xF)])
                default: bytes.append(byte)
                }
            }
            bytes.append(UInt8(ascii: "\""))
        case .array(let items):
            writeList(items, into: &bytes) { item, bytes in write(item, into: &bytes) }
        case .object(let fields):
            writeObject(fields.sorted(by: { $0.key < $1.key }), into: &bytes, name: \.key) { field, bytes in write(field.value, into: &bytes) }
        }
    }

    /// `[…]`: each item as `item` writes it, in order.
    private static func writeList<Items: Collection>(
        _ items: Items, into bytes: inout [UInt8], _ item: (Items.Element, inout [UInt8]) -> Void
    ) {
        bytes.append(UInt8(ascii: "["))
        for (index, element) in items.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            item(element, &bytes)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// `{…}`: each field's name, then its value as `value` writes it, in the
    /// order given (sorted by the caller).
    private static func writeObject<Fields: Collection>(
        _ fields: Fields, into bytes: inout [UInt8], name: (Fields.Element) -> String, _ value: (Fields.Element, inout [UInt8]) -> Void
    ) {
        bytes.append(UInt8(ascii: "{"))
        for (index, field) in fields.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            write(.string(name(field)), into: &bytes)
            bytes.append(UInt8(ascii: ":"))
            value(field, &bytes)
        }
        bytes.append(UInt8(ascii: "}"))
    }

    /// The step's YAML in canonical form, or for a step built in code, the
    /// decoded fields that describe it.
    private static func writeDefinition(of step: Step, into bytes: inout [UInt8]) {
        guard let entries = fingerprintedEntries(of: step) else { return write(codeBuiltDefinition(of: step), into: &bytes) }
        writeObject(entries, into: &bytes, name: \.name) { entry, bytes in writeField(entry, into: &bytes) }
    }

    /// The keys of the step's YAML mapping that make its fingerprint, sorted
    /// by name (a key written twice counts once, as its last); nil for a
    /// step built in code.
    private static func fingerprintedEntries(of step: Step) -> [ConfigNode.Entry]? {
        guard let node = step.definition, case .mapping(let entries) = node.content else { return nil }
        return sortedUniquely(entries.filter { !ignoredKeys.contains($0.name) })
    }

    /// One key's value: `needs` as a sorted list of names, anything else in
    /// canonical form.
    private static func writeField(_ entry: ConfigNode.Entry, into bytes: inout [UInt8]) {
        guard entry.name == "needs" else { return writeCanonical(entry.value, into: &bytes) }
        write(.array(entry.value.scalarValues.compactMap(\.scalarText).sorted().map(JSONValue.string)), into: &bytes)
    }

    /// A node as JSON: every scalar as its text, mappings with their keys sorted.
    private static func writeCanonical(_ node: ConfigNode, into bytes: inout [UInt8]) {
        switch node.content {
        case .scalar(let text, _):
            write(.string(text), into: &bytes)
        case .sequence(let items):
            writeList(items, into: &bytes) { item, bytes in writeCanonical(item, into: &bytes) }
        case .mapping(let entries):
            writeObject(sortedUniquely(entries), into: &bytes, name: \.name) { entry, bytes in writeCanonical(entry.value, into: &bytes) }
        }
    }

    /// `entries` sorted by name, of each name only the last written: the
    /// order and choice of a dictionary built from them, then sorted.
    private static func sortedUniquely(_ entries: [ConfigNode.Entry]) -> [ConfigNode.Entry] {
        // The sort is stable, so of equal names the last written comes last.
        let sorted = entries.sorted { $0.name < $1.name }
        return sorted.indices.compactMap { index in
            index + 1 < sorted.count && sorted[index + 1].name == sorted[index].name ? nil : sorted[index]
        }
    }

    /// What describes a step built in code, without YAML.
    private static func codeBuiltDefinition(of step: Step) -> JSONValue {
        var fields: [String: JSONValue] = [
            "kind": .string(step.kindName), "action": .string(step.action.detail),
            "needs": .array(step.needs.map(\.id.rawValue).sorted().map(JSONValue.string)),
            "env": .object(step.environment.mapValues(JSONValue.string)),
        ]
        fields["cwd"] = step.workingDirectory.map(JSONValue.string)
        fields["if"] = step.condition.map { .string($0.text) }
        fields["timeout"] = step.timeout.map { .string($0.compactDescription) }
        fields["retry"] = step.retry.map { .string(String(describing: $0)) }
        return .object(fields)
    }

    /// The names of the parameters `step`'s expressions read: `params.NAME`
    /// and `params['NAME']`; every parameter when it reads `params` otherwise.
    static func parametersRead(by step: Step, among declared: some Collection<String>) -> Set<String> {
        var expressions: [Expression] = step.condition.map { [$0.expression] } ?? []
        let scalars = step.definition?.scalarValues.compactMap(\.scalarText) ?? Array(step.environment.values)
        for text in scalars where Template.containsExpression(text) {
            guard let template = try? Template.parse(text) else { return Set(declared) }
            expressions += template.expressions.map(\.expression)
        }
        var names: Set<String> = []
        for reference in expressions.flatMap(\.references) where reference.names.first == "params" {
            guard reference.names.count >= 2 else { return Set(declared) }
            names.insert(reference.names[1])
        }
        return names
    }
}
