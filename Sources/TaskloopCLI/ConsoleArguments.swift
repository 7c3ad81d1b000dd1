import ArgumentParser
import Foundation
import Taskloop

/// The flags of `taskloop run` that shape what it prints.
struct ConsoleArguments: ParsableArguments {
    enum ProgressChoice: String, ExpressibleByArgument, CaseIterable {
        case auto, live, plain
    }

    enum OutputChoice: String, ExpressibleByArgument, CaseIterable {
        case prefixed, grouped
    }

    enum ColorChoice: String, ExpressibleByArgument, CaseIterable {
        case auto, always, never
    }

    @Option(help: ArgumentHelp(
        "How progress is shown: a live status area redrawn below the output, or plain timestamped lines per step start and end. auto: live on a terminal, plain elsewhere (CI, files, pipes).",
        valueName: "auto|live|plain"))
    var progress: ProgressChoice = .auto

    @Option(help: ArgumentHelp(
        "prefixed: each output line as it comes, after its step id. grouped: each step's output whole when it ends, so parallel logs never interleave (the default under GitHub Actions, inside ::group:: lines).",
        valueName: "prefixed|grouped"))
    var output: OutputChoice?

    @Flag(name: .shortAndLong, help: "Print only failures (with their output) and the summary.")
    var quiet = false

    @Flag(name: .shortAndLong, help: "Also print when each step starts, with its command, and loop stalls as they happen.")
    var verbose = false

    @Option(help: ArgumentHelp(
        "Colour: auto (on a terminal, unless NO_COLOR is set to a non-empty value), always, or never.",
        valueName: "auto|always|never"))
    var color: ColorChoice = .auto

    func validate() throws {
        if quiet && verbose { throw ValidationError("--quiet and --verbose cannot be used together; choose one") }
    }

    /// The settings these flags ask for, "auto" resolved for this process's stdout.
    func options(environment: [String: String] = ProcessEnvironment.atStart) -> ConsoleOptions {
        ConsoleOptions.detect(
            environment: environment,
            progress: progress == .auto ? nil : (progress == .live ? .live : .plain),
            output: output.map { $0 == .grouped ? .grouped : .prefixed },
            verbosity: quiet ? .quiet : verbose ? .verbose : .normal,
            color: color == .auto ? nil : color == .always)
    }
}
