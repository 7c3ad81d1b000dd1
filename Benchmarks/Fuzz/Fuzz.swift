import Foundation
import Taskloop

#if canImport(Glibc)
import Glibc
#endif

/// `taskloop-fuzz`: feeds seeded hostile input to Taskloop's loader and
/// expression engine in this process, case after case, and checks that each
/// ends (in a pipeline, a value or a located error) within a time budget.
///
///     taskloop-fuzz --corpus DIR... [--seed S] [--cases N] [--case K] [--budget-ms MS] [--progress FILE]
///
/// A crash ends the process: `Benchmarks/fuzz.py` runs it as a child and
/// reads the case it was on from the progress file (the index of the case
/// being run, rewritten before each case). A case slower than the budget is
/// reported as a hang; a case that never returns is killed by the script.
@main
struct Fuzz {
    enum Kind: String, CaseIterable {
        case mutatedYAML = "mutated YAML"
        case pathologicalYAML = "deep or wide YAML"
        case expression = "random expression"
        case pathologicalExpression = "deep or long expression"
        case expressionInPipeline = "expression in a pipeline"
        case matrix = "matrix"
        case include = "include graph"
    }

    static func main() throws {
        var arguments = CommandLine.arguments.dropFirst()[...]
        var seed: UInt64 = 1
        var cases = 100_000
        var only: Int?
        var budget = 2.0
        var corpus: [String] = []
        var progressPath: String?
        var showInput = false
        while let argument = arguments.popFirst() {
            switch argument {
            case "--seed": seed = UInt64(arguments.popFirst() ?? "") ?? seed
            case "--cases": cases = Int(arguments.popFirst() ?? "") ?? cases
            case "--case": only = Int(arguments.popFirst() ?? "")
            case "--budget-ms": budget = (Double(arguments.popFirst() ?? "") ?? 2000) / 1000
            case "--progress": progressPath = arguments.popFirst()
            case "--corpus": corpus.append(arguments.popFirst() ?? ".")
            case "--show": showInput = true
            default:
                FileHandle.standardError.write(Data("unknown argument \(argument)\n".utf8))
                exit(2)
            }
        }
        let bases = try corpus.flatMap { folder in
            try FileManager.default.contentsOfDirectory(atPath: folder).sorted().filter { $0.hasSuffix(".yaml") }
                .map { try String(contentsOfFile: folder + "/" + $0, encoding: .utf8) }
        }
        guard !bases.isEmpty else {
            FileHandle.standardError.write(Data("no .yaml files in the --corpus folders\n".utf8))
            exit(2)
        }
        let scratch = NSTemporaryDirectory() + "taskloop-fuzz-\(getpid())"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let progress = progressPath.map { open($0, O_WRONLY | O_CREAT | O_TRUNC, 0o644) } ?? -1

        let indices = only.map { [$0] } ?? Array(0..<cases)
        var counts: [Kind: Int] = [:]
        var slowest: (index: Int, seconds: Double, kind: Kind) = (0, 0, .expression)
        var slow: [(Int, Double, Kind)] = []
        let start = Date()
        for index in indices {
            if progress >= 0 {
                let line = Array(String(index).utf8) + [UInt8(ascii: "\n")]
                _ = line.withUnsafeBytes { pwrite(progress, $0.baseAddress, $0.count, 0) }
            }
            let caseStart = Date()
            if showInput {
                var input = HostileInput(seed: seed, index: index)
                let kind = Kind.allCases[input.below(100) < 40 ? 0 : input.below(Kind.allCases.count)]
                FileHandle.standardError.write(Data("case \(index): \(kind.rawValue)\n".utf8))
                if kind == .pathologicalExpression {
                    let text = input.pathologicalExpression()
                    FileHandle.standardError.write(Data("  \(text.count) characters: \(text.prefix(60))\n".utf8))
                }
            }
            let kind = run(seed: seed, index: index, bases: bases, scratch: scratch)
            let seconds = Date().timeIntervalSince(caseStart)
            counts[kind, default: 0] += 1
            if seconds > slowest.seconds { slowest = (index, seconds, kind) }
            if seconds > budget { slow.append((index, seconds, kind)) }
        }
        let elapsed = Date().timeIntervalSince(start)
        var report = "fuzz: seed \(seed), \(indices.count) cases in \(String(format: "%.2f", elapsed)) s "
            + "(\(Int(Double(indices.count) / max(elapsed, 0.000_001))) cases/s), 0 crashes\n"
        for kind in Kind.allCases { report += "  \(kind.rawValue): \(counts[kind] ?? 0)\n" }
        report += "  slowest: case \(slowest.index) (\(slowest.kind.rawValue)), \(String(format: "%.1f", slowest.seconds * 1000)) ms\n"
        for (index, seconds, kind) in slow {
            report += "HANG: case \(index) (\(kind.rawValue)) took \(String(format: "%.2f", seconds)) s, over the budget of \(budget) s; "
                + "reproduce with --seed \(seed) --case \(index)\n"
        }
        print(report, terminator: "")
        exit(slow.isEmpty ? 0 : 1)
    }

    /// Runs case `index`; returns its kind. Every outcome but a crash or a
    /// hang is fine: a pipeline, a value, or thrown diagnostics.
    static func run(seed: UInt64, index: Int, bases: [String], scratch: String) -> Kind {
        var input = HostileInput(seed: seed, index: index)
        let kind = Kind.allCases[input.below(100) < 40 ? 0 : input.below(Kind.allCases.count)]
        let loader = PipelineLoader()
        switch kind {
        case .mutatedYAML:
            _ = try? loader.load(contents: input.mutate(input.pick(bases)), file: "fuzz.yaml")
        case .pathologicalYAML:
            _ = try? loader.load(contents: input.pathologicalYAML(), file: "fuzz.yaml")
        case .expression, .pathologicalExpression:
            let text = kind == .expression ? input.expression(budget: 1 + input.below(40)) : input.pathologicalExpression()
            if let expression = try? ExpressionParser.parse(text) {
                _ = try? ExpressionEvaluator(context: context).evaluate(expression)
            }
            _ = try? loader.load(contents: input.pipeline(with: text), file: "fuzz.yaml")
        case .expressionInPipeline:
            _ = try? loader.load(contents: input.pipeline(with: input.expression(budget: 1 + input.below(20))), file: "fuzz.yaml")
        case .matrix:
            _ = try? loader.load(contents: input.matrixPipeline(), file: "fuzz.yaml")
        case .include:
            let folder = scratch + "/\(index)"
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            for file in input.includeGraph() {
                try? file.text.write(toFile: folder + "/" + file.name, atomically: false, encoding: .utf8)
            }
            _ = try? loader.load(file: folder + "/f0.yaml")
            try? FileManager.default.removeItem(atPath: folder)
        }
        return kind
    }

    /// What expressions read: a little of everything, JSON nested a few levels.
    static let context = ExpressionContext(
        environment: ["HOME": "/home/fuzz", "A": "a", "x": "'; rm -rf ~; '"],
        parameters: ["p": "v", "a-b": "c"],
        steps: [
            "a": .init(status: .success, outputs: [
                "json": .object(["list": .array([.number(1), .string("two"), .object(["deep": .array([.null])])])]),
                "list": .array([.bool(true), .number(2)]),
                "stdout": .string("out"),
            ]),
        ],
        needStatuses: [.success, .failure])
}
