/// Everything that can be wrong with a pipeline file, each with the words that
/// tell the user what happened and what to do.
///
/// Step kinds (built-in or from a plugin) report their own field problems with
/// the same cases, so a plugin's errors read like Taskloop's own.
public enum PipelineProblem: Sendable, Hashable {
    /// libyaml could not parse the text.
    case malformedYAML(String)
    /// The file is empty or holds only comments.
    case emptyDocument
    /// A key that is not known where it stands. `context` names the place
    /// (`the pipeline`, "step `build`"); `known` lists what is allowed there.
    case unknownKey(String, context: String, known: [String])
    /// A mapping names the same key twice.
    case duplicateKey(String, firstLine: Int?)
    /// A value of the wrong shape: `expected` says what fits ("a duration"),
    /// `found` what was there ("a list").
    case wrongType(field: String, expected: String, found: String)
    /// A field that must be present is missing.
    case missingField(String, context: String)
    /// A value of the right shape that is not acceptable; the message says why
    /// and what would be.
    case invalidValue(field: String, reason: String)
    case badDuration(String, field: String)
    case badStepID(String)
    case noSteps
    case missingKind(step: String, kinds: [String])
    case multipleKinds(step: String, kinds: [String])
    case unknownKind(String, step: String, known: [String])
    case unknownNeed(String, step: String, known: [String])
    case dependencyCycle([String])
    case unknownPool(String, step: String, known: [String])
    /// The document expands (through aliases) into more nodes than any real
    /// pipeline has: a "billion laughs" file.
    case tooManyNodes(limit: Int)

    public var message: String {
        switch self {
        case .malformedYAML(let problem):
            return "malformed YAML: \(problem)"
        case .emptyDocument:
            return "the file is empty: a pipeline needs at least a `steps:` mapping"
        case .unknownKey(let key, let context, let known):
            return "unknown key `\(key)` in \(context)\(Self.suggestion(for: key, among: known, listing: true))"
        case .duplicateKey(let key, let firstLine):
            let first = firstLine.map { " (first given on line \($0))" } ?? ""
            return "duplicate key `\(key)`\(first): each key may appear once; remove or rename one"
        case .wrongType(let field, let expected, let found):
            return "\(field) must be \(expected), found \(found)"
        case .missingField(let field, let context):
            return "\(context) is missing `\(field)`"
        case .invalidValue(let field, let reason):
            return "\(field): \(reason)"
        case .badDuration(let text, let field):
            return "\(field): `\(text)` is not a duration: write a number and a unit, such as 250ms, 1.5s, 2m or 1h (a bare number means seconds)"
        case .badStepID(let id):
            return "step id `\(id)` may contain only letters, digits, `_`, `.` and `-`"
        case .noSteps:
            return "the pipeline has no steps: add a `steps:` mapping from step ids to steps"
        case .missingKind(let step, let kinds):
            return "step `\(step)` has no kind: give it one of \(Self.list(kinds)), or `uses:` for a plugin kind"
        case .multipleKinds(let step, let kinds):
            return "step `\(step)` has more than one kind (\(Self.list(kinds))): a step has exactly one; split it into steps joined by `needs`"
        case .unknownKind(let name, let step, let known):
            let suffix = Self.suggestion(for: name, among: known, listing: true)
            return "step `\(step)` uses unknown kind `\(name)`\(suffix)"
        case .unknownNeed(let need, let step, let known):
            let suffix = Self.suggestion(for: need, among: known, listing: false)
            return "step `\(step)` needs `\(need)`, which is not a step of this pipeline\(suffix)"
        case .dependencyCycle(let path):
            return "dependency cycle: \(path.joined(separator: " -> ")); remove one of these `needs` to break it"
        case .unknownPool(let pool, let step, let known):
            if known.isEmpty {
                return "step `\(step)` joins pool `\(pool)`, but the pipeline declares no pools: add `limits: { pools: { \(pool): 4 } }`"
            }
            return "step `\(step)` joins pool `\(pool)`, which `limits.pools` does not declare\(Self.suggestion(for: pool, among: known, listing: true))"
        case .tooManyNodes(let limit):
            return "the document expands to more than \(limit) values (aliases that repeat aliases?); refusing to load it"
        }
    }

    static func list(_ names: [String]) -> String {
        names.map { "`\($0)`" }.joined(separator: ", ")
    }

    /// "; did you mean `needs`?" when one known name is close, otherwise (when
    /// `listing`) the names that are allowed.
    static func suggestion(for word: String, among known: [String], listing: Bool) -> String {
        if let nearest = NearestName.find(word, among: known) {
            return "; did you mean `\(nearest)`?"
        }
        guard listing, !known.isEmpty else { return "" }
        return "; expected one of \(list(known.sorted()))"
    }
}
