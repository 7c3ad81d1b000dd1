/// Everything that can be wrong with a pipeline file, each with the words that
/// tell the user what happened and what to do.
///
/// Step kinds (built-in or from a plugin) report their own field problems with
/// the same cases, so a plugin's errors read like Taskloop's own.
public enum PipelineProblem: Sendable, Hashable {
    /// The file named on the command line does not exist.
    case fileNotFound(String)
    /// The path names a folder, not a pipeline file.
    case fileIsFolder(String)
    /// A named pipe, a device or a socket, described by `kind`.
    case fileNotRegular(String, kind: String)
    /// The file's bytes are not UTF-8 text.
    case fileNotUTF8(String)
    /// The file exists but the system would not read it; `reason` is the system's words.
    case fileUnreadable(String, reason: String)
    /// libyaml could not parse the text.
    case malformedYAML(String)
    /// Collections inside collections deeper than libyaml allows.
    case nestingTooDeep(limit: Int)
    /// A line is indented with a tab, which YAML forbids.
    case tabIndentation
    /// The file holds more than one YAML document (`---` separators).
    case multipleDocuments
    /// A mapping key that is a list or a mapping; keys must be text.
    case nonScalarKey(found: String)
    /// `*name` names no anchor (`&name`) defined before it.
    case undefinedAlias(String)
    /// `*` starts a value but is not followed by an anchor name (`*.txt` unquoted).
    case badAlias(String)
    /// The text uses every private-use Unicode character, so none is free to
    /// stand in for aliases while the file is parsed.
    case privateUseCharactersExhausted
    /// The file is empty or holds only comments.
    case emptyDocument
    /// A double-quoted value holds `\0` or `\u0000`, which a C string (a
    /// path, an argument, an environment variable) would silently cut there.
    case nulCharacter
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
    /// `with:` configures a plugin kind, but the step names none with `uses:`.
    case withWithoutUses(step: String)
    case multipleKinds(step: String, kinds: [String])
    case unknownKind(String, step: String, known: [String])
    /// `nearest`: the step id it most likely meant, if one is close.
    case unknownNeed(String, step: String, nearest: String?)
    /// `cpu: { function: NAME }` names no built-in CPU function.
    case unknownCPUFunction(String, step: String, known: [String])
    case dependencyCycle([String])
    case unknownPool(String, step: String, known: [String])
    /// The document holds, or expands through aliases into (a "billion
    /// laughs" file), more nodes than any real pipeline has.
    case tooManyNodes(limit: Int, throughAliases: Bool)
    /// Two steps, maybe in different files, have the same id; `first` is
    /// where the other one is declared.
    case duplicateStepID(String, first: SourceLocation)
    /// A matrix makes no combination (every one excluded, or no keys).
    case emptyMatrix(step: String)
    /// A matrix makes more combinations than ``StepMatrix/limit``.
    /// `count` is the exact number, in words (it may pass `Int.max`).
    case matrixTooLarge(step: String, count: String, limit: Int)
    /// Two combinations of one matrix make the same step id.
    case duplicateMatrixCombination(String, step: String)
    /// `include:` names a file that does not exist; `resolved` is where it was looked for.
    case includeNotFound(String, resolved: String)
    /// `include:` names a file that cannot be read as a pipeline file.
    case includeUnreadable(String, reason: String)
    /// Files that include each other, as the chain of paths that returns to its start.
    case includeCycle([String])
    /// A top-level key that only the main pipeline file may have, found in an included file.
    case keyOnlyInMainFile(String)
    /// A warning: a value read from outside (a step's output) is pasted into a
    /// shell command, where quotes or `;` in it would run as code.
    case outputInShellCommand(step: String, expression: String)
    /// `${{ params.X }}` inside `shell:`: a `--param` value becomes shell code.
    case parameterInShellCommand(step: String, expression: String)
    /// `${{ env.X }}` inside `shell:`; `isSecret` when X is one of `secrets:`
    /// (the value then also shows in the command line, which `ps` shows).
    case environmentInShellCommand(step: String, expression: String, name: String?, isSecret: Bool)

    /// What happened and what to do. A quoted value longer than
    /// ``quotedWidth`` characters (a minified line, a pasted blob) is shown
    /// by its start and its end, so that one message stays one readable line.
    public var message: String {
        Self.shorteningQuotedValues(in: fullMessage)
    }

    private var fullMessage: String {
        switch self {
        case .fileNotFound(let path):
            return "cannot read `\(path)`: no such file; check the path (a relative path starts from the current folder)"
        case .fileIsFolder(let path):
            return "cannot read `\(path)`: it is a folder; name the pipeline file inside it, such as `\(path)/pipeline.yaml`"
        case .fileNotRegular(let path, let kind):
            return "cannot read `\(path)`: it is \(kind), not a regular file; name a pipeline file"
        case .fileNotUTF8(let path):
            return "cannot read `\(path)`: it is not UTF-8 text; save it as UTF-8"
        case .fileUnreadable(let path, let reason):
            return "cannot read `\(path)`: \(reason); check that the file exists and is readable"
        case .malformedYAML(let problem):
            return "malformed YAML: \(problem)"
        case .nestingTooDeep(let limit):
            return "malformed YAML: values nest more than \(limit) levels deep"
        case .tabIndentation:
            return "malformed YAML: a tab indents this line; YAML indents with spaces only"
        case .multipleDocuments:
            return "a second YAML document starts here: a pipeline file holds one document; remove the `---` separator or move the rest into its own file"
        case .nonScalarKey(let found):
            return "a key must be text, found \(found)"
        case .undefinedAlias(let name):
            return "alias `*\(name)` names no anchor: define `&\(name)` on a value before this point"
        case .badAlias(let text):
            return "`\(text)` starts with `*`, which makes it an alias, but an alias is `*` and a name of letters, digits, `_` and `-`; quote the text if the `*` is meant literally"
        case .privateUseCharactersExhausted:
            return "the file uses every Unicode private-use character; Taskloop needs one of them free to read aliases safely"
        case .emptyDocument:
            return "the file is empty: a pipeline needs at least a `steps:` mapping"
        case .nulCharacter:
            return "the value holds a NUL character (`\\0`), which no file name, command, environment variable or URL can carry "
                + "(it would be cut there); remove it, and write binary data from a shell step"
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
        case .withWithoutUses(let step):
            return "step `\(step)` has `with:` but no `uses:`; `with` configures a plugin kind named by `uses`"
        case .multipleKinds(let step, let kinds):
            return "step `\(step)` has more than one kind (\(Self.list(kinds))): a step has exactly one; split it into steps joined by `needs`"
        case .unknownCPUFunction(let name, let step, let known):
            return "step `\(step)` calls unknown CPU function `\(name)`" + Self.suggestion(for: name, among: known, listing: true)
                + " (a plugin's function is written `uses: NAME`)"
        case .unknownKind(let name, let step, let known):
            if known.isEmpty {
                return "step `\(step)` uses unknown kind `\(name)`: this runner has no plugin kinds (a built-in kind is a key of the step, such as `shell:`)"
            }
            let suffix = Self.suggestion(for: name, among: known, listing: true)
            return "step `\(step)` uses unknown kind `\(name)`\(suffix)"
        case .unknownNeed(let need, let step, let nearest):
            return "step `\(step)` needs `\(need)`, which is not a step of this pipeline\(Self.suggestion(nearest: nearest))"
        case .dependencyCycle(let path):
            return "dependency cycle: \(Self.chain(path)); remove one of these `needs` to break it"
        case .unknownPool(let pool, let step, let known):
            if known.isEmpty {
                return "step `\(step)` joins pool `\(pool)`, but the pipeline declares no pools: add `limits: { pools: { \(pool): 4 } }`"
            }
            return "step `\(step)` joins pool `\(pool)`, which `limits.pools` does not declare\(Self.suggestion(for: pool, among: known, listing: true))"
        case .outputInShellCommand(let step, let expression):
            let name = expression.split(separator: ".").last.map { $0.uppercased().replacingOccurrences("-", with: "_") } ?? "VALUE"
            return "step `\(step)` pastes `\(expression)` into its shell command, where quotes or `;` in the value would run as shell code; pass it through the step's `env:` instead (`env: { \(name): \"${{ \(expression) }}\" }`) and write \"$\(name)\" in the command"
        case .parameterInShellCommand(let step, let expression):
            let name = expression.split(separator: ".").last.map { $0.uppercased().replacingOccurrences("-", with: "_") } ?? "VALUE"
            return "step `\(step)` pastes `\(expression)` into its shell command, where a `--param` value holding quotes or `;` "
                + "would run as shell code; pass it through the step's `env:` instead (`env: { \(name): \"${{ \(expression) }}\" }`) "
                + "and write \"$\(name)\" in the command"
        case .environmentInShellCommand(let step, let expression, let name, let isSecret):
            let risk = isSecret
                ? "the secret's value then stands in the command line, which any user can read with `ps`, and would run as shell code if it held quotes or `;`"
                : "an environment value holding quotes or `;` would run as shell code"
            let fix = name.map { "the command has the variable already: write \"$\($0)\" instead" }
                ?? "read single variables in the command, as \"$NAME\""
            return "step `\(step)` pastes `\(expression)` into its shell command; \(risk); \(fix)"
        case .duplicateStepID(let id, let first):
            return "step id `\(id)` is declared twice: at \(first) and here; rename one (the main file and the files it includes share one set of step ids)"
        case .emptyMatrix(let step):
            return "the matrix of step `\(step)` makes no combinations: give each key at least one value, and do not `exclude` every combination"
        case .matrixTooLarge(let step, let count, let limit):
            return "the matrix of step `\(step)` makes \(count) combinations, more than the limit of \(limit); use fewer values, or `exclude` combinations"
        case .duplicateMatrixCombination(let id, let step):
            return "the matrix of step `\(step)` makes `\(id)` twice (a value listed twice, or an `include` entry that repeats a combination); each combination must differ"
        case .includeNotFound(let path, let resolved):
            return "cannot include `\(path)`: there is no file `\(resolved)`; an included path is relative to the folder of the file that includes it"
        case .includeUnreadable(let path, let reason):
            return "cannot include `\(path)`: \(reason)"
        case .includeCycle(let chain):
            return "include cycle: \(Self.chain(chain)); remove one of these includes"
        case .keyOnlyInMainFile(let key):
            return "`\(key)` belongs in the main pipeline file: an included file holds only `steps:` and `include:`"
        case .tooManyNodes(let limit, let throughAliases):
            if throughAliases {
                return "the document expands to more than \(Self.grouped(limit)) values through its aliases "
                    + "(aliases that repeat aliases?); refusing to load it"
            }
            return "the document holds more than \(Self.grouped(limit)) values, the most one file may hold: "
                + "split it into files that `include:` brings together"
        }
    }

    /// The most characters of a value quoted whole in a message.
    static let quotedWidth = 80

    /// `text` with every value between backticks that is longer than
    /// ``quotedWidth`` cut to its first and last characters around `...`.
    static func shorteningQuotedValues(in text: String) -> String {
        guard text.utf8.count > quotedWidth else { return text }
        var parts = text.split(separator: "`", omittingEmptySubsequences: false)
        // Parts at odd offsets stand between a pair of backticks; a last
        // part after an unpaired backtick is left as it is.
        for index in stride(from: 1, to: parts.count - 1, by: 2) where parts[index].count > quotedWidth {
            let value = parts[index]
            parts[index] = Substring(value.prefix(quotedWidth - 24) + "..." + value.suffix(21))
        }
        return parts.joined(separator: "`")
    }

    /// `a -> b -> c -> a`; a cycle of more than 12 names shows its first 8
    /// and its last 3 around how many it leaves out, so a cycle through a
    /// generated file's 100,000 steps is still one line.
    static func chain(_ names: [String]) -> String {
        guard names.count > 12 else { return names.joined(separator: " -> ") }
        let left = names.count - 11
        return (names.prefix(8) + ["... \(grouped(left)) more ..."] + names.suffix(3)).joined(separator: " -> ")
    }

    static func list(_ names: [String]) -> String {
        names.map { "`\($0)`" }.joined(separator: ", ")
    }

    /// "; did you mean `needs`?" when one known name is close, otherwise (when
    /// `listing`) the names that are allowed.
    static func suggestion(for word: String, among known: [String], listing: Bool) -> String {
        if let nearest = NearestName.find(word, among: known) {
            return suggestion(nearest: nearest)
        }
        guard listing, !known.isEmpty else { return "" }
        return "; expected one of \(list(known.sorted()))"
    }

    /// `; did you mean `build`?`, or nothing without a name to suggest.
    static func suggestion(nearest: String?) -> String {
        nearest.map { "; did you mean `\($0)`?" } ?? ""
    }
}

extension PipelineProblem {
    /// Problems in `${{ }}` expressions, found when the file is loaded.
    static func expression(_ error: ExpressionError, field: String) -> PipelineProblem {
        .invalidValue(field: field, reason: error.description)
    }

    /// `1,000,000`: a count with its thousands separated.
    static func grouped(_ count: some BinaryInteger) -> String {
        let digits = String(count.magnitude)
        var text = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { text.append(",") }
            text.append(digit)
        }
        return (count < 0 ? "-" : "") + text
    }
}
