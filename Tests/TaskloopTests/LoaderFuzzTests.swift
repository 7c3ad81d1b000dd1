import Foundation
import Testing
@testable import Taskloop

/// Hostile input: mutations of real pipelines and random bytes. The loader
/// must never crash or hang, and must answer every invalid file with
/// diagnostics that carry a line and column. Seeded, so a failure replays.
@Suite struct LoaderFuzzTests {
    /// A small deterministic generator (SplitMix64), so every run tests the same inputs.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let iterations = Int(ProcessInfo.processInfo.environment["TASKLOOP_FUZZ_ITERATIONS"] ?? "") ?? 400

    static let seeds: [String] = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let folder = root.appendingPathComponent("pipelines")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return files.filter { $0.hasSuffix(".yaml") }.sorted().compactMap {
            try? String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8)
        }
    }()

    static let fragments = [
        ":", "- ", "{", "}", "[", "]", "&a ", "*a", "!!binary ", "\t", "\n", "'", "\"", "needs: [", "sleep: -1s",
        "shell: ", "file: {", "\u{0}", "%YAML 1.1\n", "---\n", "...\n", "? ", "|\n", ">-\n", "#", "~", "é", "needs: x",
    ]

    func mutate(_ text: String, using generator: inout SeededGenerator) -> String {
        var scalars = Array(text.unicodeScalars)
        for _ in 0..<Int.random(in: 1...4, using: &generator) {
            let position = scalars.isEmpty ? 0 : Int.random(in: 0..<scalars.count, using: &generator)
            switch Int.random(in: 0..<4, using: &generator) {
            case 0 where !scalars.isEmpty:
                scalars.removeSubrange(position..<min(scalars.count, position + Int.random(in: 1...20, using: &generator)))
            case 1:
                scalars.insert(contentsOf: Self.fragments.randomElement(using: &generator)!.unicodeScalars, at: position)
            case 2 where !scalars.isEmpty:
                let other = Int.random(in: 0..<scalars.count, using: &generator)
                scalars.swapAt(position, other)
            default:
                let line = String(String.UnicodeScalarView(scalars)).split(separator: "\n", omittingEmptySubsequences: false)
                    .randomElement(using: &generator).map(String.init) ?? ""
                scalars.insert(contentsOf: (line + "\n").unicodeScalars, at: position)
            }
        }
        return String(String.UnicodeScalarView(scalars))
    }

    func check(_ text: String) {
        do {
            let pipeline = try PipelineLoader().load(contents: text, file: "fuzz.yaml")
            #expect(!pipeline.steps.isEmpty)
        } catch {
            #expect(!error.diagnostics.isEmpty)
            for diagnostic in error.diagnostics {
                #expect(diagnostic.location != nil, "no location: \(diagnostic.summary)")
                #expect((diagnostic.location?.line ?? 0) >= 1)
            }
            _ = error.rendered
        }
    }

    @Test func mutatedExamplePipelinesNeverCrashTheLoader() {
        #expect(!Self.seeds.isEmpty)
        var generator = SeededGenerator(state: 20_261_125)
        for iteration in 0..<Self.iterations {
            let seed = Self.seeds[iteration % Self.seeds.count]
            check(mutate(seed, using: &generator))
        }
    }

    @Test func randomTextNeverCrashesTheLoader() {
        var generator = SeededGenerator(state: 42)
        for _ in 0..<(Self.iterations / 2) {
            let length = Int.random(in: 0...200, using: &generator)
            let text = String((0..<length).map { _ in
                Self.fragments.randomElement(using: &generator)!.first ?? "x"
            })
            check(text)
        }
    }
}
