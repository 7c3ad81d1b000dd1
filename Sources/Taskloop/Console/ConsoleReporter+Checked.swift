extension ConsoleReporter {
    /// The line of a step with `sources:` before it runs, or instead of
    /// running: `up to date`, `restored from cache (output build/app
    /// missing)`, or `outdated: source src/a.c changed`.
    static func describe(_ checked: StepChecked, color: Bool) -> String {
        switch checked.outcome {
        case .upToDate:
            // The usual reason goes without saying; another (a server's 304) is shown.
            let reason = checked.reason == UpToDateDecision.Verdict.upToDate.reason ? "" : " (\(checked.reason))"
            return ANSI.paint("up to date", ANSI.dim, if: color) + reason
        case .restored:
            return ANSI.paint("restored from cache", ANSI.green, if: color) + " (\(checked.reason))"
        case .run:
            return ANSI.paint("outdated", ANSI.dim, if: color) + ": \(checked.reason)"
        }
    }
}
