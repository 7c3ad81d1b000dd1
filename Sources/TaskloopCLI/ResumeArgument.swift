import Taskloop

/// `taskloop run --resume` takes an optional value, which swift-argument-parser
/// cannot express; the arguments are rewritten before parsing instead:
///
/// - `--resume VALUE` becomes `--resume=VALUE` when VALUE is a run id
///   (`20261125-140512-3f9a`) or names an event log (a `.jsonl` path, or a
///   run's folder);
/// - any other `--resume` (at the end, before another option, or before a
///   step name) becomes `--resume=last`: the latest run of the pipeline file.
///
/// So `taskloop run p.yaml --resume build` resumes the latest run and selects
/// step `build`. `--resume=VALUE` is never rewritten; arguments after `--`
/// neither.
enum ResumeArgument {
    static func normalize(_ arguments: [String]) -> [String] {
        guard arguments.first == "run" else { return arguments }
        var result: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--" {
                result += arguments[index...]
                break
            }
            guard argument == "--resume" else {
                result.append(argument)
                index += 1
                continue
            }
            let next = index + 1 < arguments.count ? arguments[index + 1] : nil
            if let next, !next.hasPrefix("-"), PreviousRun.looksLikeRunID(next) || PreviousRun.logPath(named: next) != nil {
                result.append("--resume=" + next)
                index += 2
            } else {
                result.append("--resume=last")
                index += 1
            }
        }
        return result
    }
}
