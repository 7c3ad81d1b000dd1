/// `shell: make test`: a command run by `/bin/sh -c` in its own process group.
public struct ShellStep: StepKind {
    public static let name = "shell"
    public static let summary = "Run a command with /bin/sh -c; stdout becomes the output `stdout`, the exit status `exit-code`."
    public static let fields = [
        FieldDocumentation("shell", type: "text", required: true, "The command line, run by `/bin/sh -c` in the step's `cwd`."),
    ]

    public var command: String

    public init(command: String) {
        self.command = command
    }

    public init(from configuration: ConfigNode, field: String) throws(PipelineDiagnostics) {
        command = try configuration.string(field: field)
        if command.allSatisfy(\.isWhitespace) {
            throw PipelineDiagnostics(.invalidValue(field: field, reason: "the command is empty"), at: configuration.location)
        }
    }

    public var detail: String { command }
}
