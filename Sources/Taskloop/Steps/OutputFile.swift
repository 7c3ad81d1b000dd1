/// The file a shell step names with `$TASKLOOP_OUTPUT` to publish outputs,
/// in the format of GitHub Actions' `$GITHUB_OUTPUT`:
///
///     version=1.4.2
///     notes<<EOF
///     first line
///     second line
///     EOF
enum OutputFile {
    struct FormatError: Error, Hashable {
        var line: Int
        var reason: String
    }

    static func parse(_ text: String) throws(FormatError) -> [String: String] {
        var outputs: [String: String] = [:]
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.last == "\r" ? line.dropLast() : line
        }[...]
        var number = 0
        while let line = lines.popFirst() {
            number += 1
            if line.isEmpty { continue }
            let equals = line.firstIndex(of: "=")
            let heredoc = line.range(of: "<<")
            if let heredoc, equals.map({ heredoc.lowerBound < $0 }) ?? true {
                let name = String(line[..<heredoc.lowerBound])
                let delimiter = String(line[heredoc.upperBound...])
                try checkName(name, line: number)
                guard !delimiter.isEmpty else {
                    throw FormatError(line: number, reason: "`\(name)<<` needs a delimiter after `<<`, such as `\(name)<<EOF`")
                }
                var value: [Substring] = []
                let start = number
                while true {
                    guard let next = lines.popFirst() else {
                        throw FormatError(line: start, reason: "`\(name)<<\(delimiter)` is never closed: end the value with a line `\(delimiter)`")
                    }
                    number += 1
                    if next == delimiter { break }
                    value.append(next)
                }
                outputs[name] = value.joined(separator: "\n")
            } else if let equals {
                let name = String(line[..<equals])
                try checkName(name, line: number)
                outputs[name] = String(line[line.index(after: equals)...])
            } else {
                throw FormatError(line: number, reason: "expected `NAME=VALUE` or `NAME<<DELIMITER`")
            }
        }
        return outputs
    }

    private static func checkName(_ name: String, line: Int) throws(FormatError) {
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." }) else {
            throw FormatError(line: line, reason: "`\(name)` is not an output name: use letters, digits, `_`, `-` and `.`")
        }
    }
}
