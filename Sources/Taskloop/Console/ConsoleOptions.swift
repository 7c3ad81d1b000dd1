#if canImport(Glibc)
import Glibc
#endif

/// How `taskloop run` talks to its terminal: the `--progress`, `--output`,
/// `--quiet`/`--verbose` and `--color` flags, with what "auto" resolved to.
public struct ConsoleOptions: Sendable, Hashable {
    /// How progress is shown.
    public enum Progress: String, Sendable, Hashable, CaseIterable {
        /// A status area below the output, redrawn in place (a terminal).
        case live
        /// One timestamped line per step start and end (CI logs, files).
        case plain
    }

    /// How the output of steps that run at once reaches the console.
    public enum OutputMode: String, Sendable, Hashable, CaseIterable {
        /// Each line as it comes, prefixed with its step's id.
        case prefixed
        /// Each step's output whole, when the step ends: parallel logs never interleave.
        case grouped
    }

    public enum Verbosity: Sendable, Hashable {
        /// Only failures (with their output) and the summary.
        case quiet
        case normal
        /// Also each step's start, with its command, and each queued step.
        case verbose
    }

    public var progress: Progress
    public var output: OutputMode
    public var verbosity: Verbosity
    public var usesColor: Bool
    /// Wraps each step's grouped output in GitHub Actions `::group::` lines.
    public var usesGitHubGroups: Bool
    /// Terminal columns: status lines are cut to fit, so redraws stay in place.
    public var width: Int
    /// Where it all goes (1, standard output, by default).
    public var descriptor: CInt

    public init(
        progress: Progress = .plain, output: OutputMode = .prefixed, verbosity: Verbosity = .normal,
        usesColor: Bool = false, usesGitHubGroups: Bool = false, width: Int = 80, descriptor: CInt = 1
    ) {
        self.progress = progress
        self.output = output
        self.verbosity = verbosity
        self.usesColor = usesColor
        self.usesGitHubGroups = usesGitHubGroups
        self.width = width
        self.descriptor = descriptor
    }

    /// The settings for stdout when the user chose nothing, or only some:
    /// live progress and colour on a terminal (colour off with a non-empty
    /// `NO_COLOR`, or with `TERM=dumb`), plain lines elsewhere; under GitHub
    /// Actions (`GITHUB_ACTIONS=true`), grouped output in `::group::` lines.
    public static func detect(
        environment: [String: String], progress: Progress? = nil, output: OutputMode? = nil,
        verbosity: Verbosity = .normal, color: Bool? = nil
    ) -> ConsoleOptions {
        let isTerminal = isatty(STDOUT_FILENO) == 1 && environment["TERM"] != "dumb"
        let onGitHub = environment["GITHUB_ACTIONS"] == "true"
        let output = output ?? (onGitHub ? .grouped : .prefixed)
        return ConsoleOptions(
            progress: progress ?? (isTerminal ? .live : .plain),
            output: output,
            verbosity: verbosity,
            usesColor: color ?? (isTerminal && (environment["NO_COLOR"] ?? "").isEmpty),
            usesGitHubGroups: onGitHub && output == .grouped,
            width: TerminalStyle.width)
    }
}
