@testable import Taskloop
import Testing

@Suite struct UpToDateDecisionTests {
    let output = ActionResult.OutputFile(path: "build/app", digest: .init(hash: "d1", sizeBytes: 3), isExecutable: nil)

    func key(command: String = "c1", env: String = "e1", param: String = "p1", sources: [SourceDigest]? = nil, upstream: [String: String] = ["gen": "o1"]) -> StepKey {
        StepKey(
            components: ["shell": command, "env": env, "param:flavour": param, "id": "i"],
            sources: sources ?? [SourceDigest(path: "src/a.c", digest: "s1"), SourceDigest(path: "src/b.c", digest: "s2")],
            upstream: upstream)
    }

    func record(of key: StepKey) -> StepRunRecord {
        StepRunRecord(
            step: "app", key: key.key, components: key.components, upstream: key.upstream,
            sourcesDigest: key.sourcesDigest, result: ActionResult(outputFiles: [output]), outputsStored: true)
    }

    func decide(
        _ current: StepKey, previous: StepRunRecord?, outputs: [String: String?] = ["build/app": "d1"],
        cached: ActionResult? = nil, forced: Bool = false, hasSources: Bool = true
    ) -> UpToDateDecision.Verdict {
        UpToDateDecision.decide(UpToDateDecision.Inputs(
            hasSources: hasSources, forced: forced, current: current, previous: previous,
            previousSources: previous.map { _ in [SourceDigest(path: "src/a.c", digest: "s1"), SourceDigest(path: "src/b.c", digest: "s2")] },
            outputsNow: outputs, cacheAllowed: true, cached: cached, kindField: "shell"))
    }

    @Test func sameKeyAndOutputsIsUpToDate() {
        let current = key()
        #expect(decide(current, previous: record(of: current)) == .upToDate)
    }

    @Test func withoutSourcesAStepAlwaysRuns() {
        #expect(decide(key(), previous: record(of: key()), hasSources: false) == .run(reason: "no sources: always runs"))
    }

    @Test func forceRuns() {
        #expect(decide(key(), previous: record(of: key()), forced: true) == .run(reason: "forced (--force)"))
    }

    @Test func neverRanRunsOrRestoresWhenCached() {
        #expect(decide(key(), previous: nil) == .run(reason: "never ran"))
        #expect(decide(key(), previous: nil, cached: ActionResult(outputFiles: [output])) == .restore(reason: "never ran"))
    }

    @Test func aMissingOutputIsRestoredWhenCachedElseRun() {
        let current = key()
        #expect(decide(current, previous: record(of: current), outputs: ["build/app": nil]) == .run(reason: "output build/app missing"))
        #expect(decide(current, previous: record(of: current), outputs: ["build/app": nil], cached: ActionResult(outputFiles: [output]))
            == .restore(reason: "output build/app missing"))
        #expect(decide(current, previous: record(of: current), outputs: ["build/app": "other"]) == .run(reason: "output build/app changed"))
    }

    @Test func namesTheFirstDifference() {
        let before = record(of: key())
        #expect(decide(key(command: "c2"), previous: before) == .run(reason: "command changed"))
        #expect(decide(key(env: "e2"), previous: before) == .run(reason: "env changed"))
        #expect(decide(key(command: "c2", param: "p2"), previous: before) == .run(reason: "param flavour changed"))
        #expect(decide(key(upstream: ["gen": "o2"]), previous: before) == .run(reason: "upstream gen changed its output"))
    }

    @Test func namesTheSourceThatChanged() {
        let before = record(of: key())
        let changed = [SourceDigest(path: "src/a.c", digest: "s1"), SourceDigest(path: "src/b.c", digest: "s9")]
        #expect(decide(key(sources: changed), previous: before) == .run(reason: "source src/b.c changed"))
        let added = changed + [SourceDigest(path: "src/c.c", digest: "s3")]
        #expect(decide(key(sources: [SourceDigest(path: "src/a.c", digest: "s1"), SourceDigest(path: "src/b.c", digest: "s2")] + added.suffix(1)), previous: before)
            == .run(reason: "source src/c.c added"))
        #expect(decide(key(sources: [SourceDigest(path: "src/a.c", digest: "s1")]), previous: before) == .run(reason: "source src/b.c removed"))
    }

    @Test func aFailedLastRunRuns() {
        var failed = record(of: key())
        failed.key = ""
        #expect(decide(key(), previous: failed) == .run(reason: "its last run did not succeed"))
    }

    @Test func theOutputDigestDependsOnlyOnFileContents() {
        let a = ActionResult(outputFiles: [output], exitCode: 0, taskloopOutputs: ["stdout": .string("x")])
        let b = ActionResult(outputFiles: [output], exitCode: 0, taskloopOutputs: ["stdout": .string("y")])
        #expect(a.outputDigest == b.outputDigest)
        var c = a
        c.outputFiles[0].digest.hash = "d2"
        #expect(a.outputDigest != c.outputDigest)
    }
}
