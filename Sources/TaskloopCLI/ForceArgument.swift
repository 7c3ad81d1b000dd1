/// `taskloop run --force` forces every step, `--force=STEP[,STEP]` some:
/// an option whose value is optional, which swift-argument-parser cannot
/// express, so a bare `--force` is rewritten to `--force=*` before parsing
/// (a following word stays a step selection: `run p.yaml build --force`
/// selects `build` and forces what runs).
enum ForceArgument {
    static let everyStep = "*"

    static func normalize(_ arguments: [String]) -> [String] {
        guard arguments.first == "run" else { return arguments }
        var result: [String] = []
        for (index, argument) in arguments.enumerated() {
            if argument == "--" {
                result += arguments[index...]
                break
            }
            result.append(argument == "--force" ? "--force=" + everyStep : argument)
        }
        return result
    }
}
