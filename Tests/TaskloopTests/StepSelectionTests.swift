import Testing
@testable import Taskloop

/// Choosing steps: names with what they need, --skip, and resuming an earlier run.
@Suite struct StepSelectionTests {
    /// fetch -> build -> test -> deploy, and lint on its own; test is a matrix
    /// step expanded into two ids (`test_linux` is renamed `test[os=linux]`
    /// after loading, as a matrix expansion names it).
    let yaml = """
        params: { target: debug }
        steps:
          fetch: { shell: echo fetch }
          build: { needs: fetch, shell: "make ${{ params.target }}" }
          test_linux: { needs: build, shell: echo linux }
          test_mac: { needs: build, shell: echo mac }
          deploy: { needs: [test_linux, test_mac], shell: echo deploy }
          lint: { shell: echo lint }
        """

    func pipeline(_ text: String? = nil) throws -> Pipeline {
        var pipeline = try PipelineLoader().load(contents: text ?? yaml, file: "/work/p.yaml")
        func expanded(_ id: StepID) -> StepID {
            id.rawValue.hasPrefix("test_") ? StepID("test[os=\(id.rawValue.dropFirst(5))]") : id
        }
        for index in pipeline.steps.indices {
            pipeline.steps[index].id = expanded(pipeline.steps[index].id)
            for need in pipeline.steps[index].needs.indices {
                pipeline.steps[index].needs[need].id = expanded(pipeline.steps[index].needs[need].id)
            }
        }
        return pipeline
    }

    func choices(_ selection: StepSelection, _ pipeline: Pipeline) -> [String: StepChoice] {
        Dictionary(uniqueKeysWithValues: zip(pipeline.steps.map(\.id.rawValue), selection.choices))
    }

    /// An earlier run of `pipeline` in which the `succeeded` steps succeeded
    /// (with an output `n`) and the rest failed.
    func earlierRun(of pipeline: Pipeline, succeeded: Set<String>, runID: String = "20261125-100000-0001") throws -> PreviousRun {
        let started = RunStarted(
            runID: runID, pipeline: pipeline.name, file: pipeline.file, startedAt: "", startedAtUnixMicroseconds: 0,
            parameters: pipeline.parameters, host: "h", pid: 1, version: taskloopVersion, policy: .keepGoing, ioLimit: 1, pools: [:],
            steps: pipeline.steps.map { step in
                RunStarted.StepDeclaration(
                    id: step.id, kind: step.kindName, detail: "", needs: step.needs.map(\.id), line: 1, column: 1,
                    digest: StepFingerprint.digest(of: step, in: pipeline))
            },
            filePath: pipeline.file)
        var events = [TimelineEvent(time: 0, .runStarted(started))]
        for step in pipeline.steps {
            let ok = succeeded.contains(step.id.rawValue)
            events.append(TimelineEvent(time: 1, .stepFinished(StepFinished(
                step: step.id, attempt: 1, lane: "loop", status: ok ? .success : .failure,
                outputs: ok ? ["n": .string(step.id.rawValue)] : nil))))
        }
        return try PreviousRun(log: EventLog(events: events), path: "/work/.taskloop/runs/\(runID)/events.jsonl")
    }

    @Test func noNamesSelectEveryStep() throws {
        let pipeline = try pipeline()
        #expect(try StepSelection(pipeline: pipeline).choices.allSatisfy { $0 == .run })
    }

    @Test func aNameSelectsTheStepWithEverythingItNeeds() throws {
        let pipeline = try pipeline()
        let chosen = choices(try StepSelection(pipeline: pipeline, selecting: ["build"]), pipeline)
        #expect(chosen["fetch"] == .run && chosen["build"] == .run)
        for id in ["test[os=linux]", "test[os=mac]", "deploy", "lint"] { #expect(chosen[id] == .leaveOut(.notSelected)) }
    }

    @Test func aNameSelectsEveryMatrixExpansionOfTheStep() throws {
        let pipeline = try pipeline()
        let chosen = choices(try StepSelection(pipeline: pipeline, selecting: ["test"]), pipeline)
        #expect(chosen["test[os=linux]"] == .run && chosen["test[os=mac]"] == .run && chosen["build"] == .run)
        #expect(chosen["deploy"] == .leaveOut(.notSelected))
    }

    @Test func skippedStepsAreLeftOutAndTheirDependentsAreLeftToThePlan() throws {
        let pipeline = try pipeline()
        let chosen = choices(try StepSelection(pipeline: pipeline, skipping: ["build"]), pipeline)
        #expect(chosen["build"] == .leaveOut(.skippedByOption))
        #expect(chosen["deploy"] == .run)
    }

    @Test func anUnknownNameIsAnErrorWithTheNearestStep() throws {
        let pipeline = try pipeline()
        #expect(throws: SelectionError.unknownStep("biuld", option: nil, file: "/work/p.yaml", suggestion: "; did you mean `build`?")) {
            try StepSelection(pipeline: pipeline, selecting: ["biuld"])
        }
        do {
            _ = try StepSelection(pipeline: pipeline, skipping: ["tset"])
            Issue.record("expected an error")
        } catch {
            #expect(error.rendered == "error: --skip names `tset`, which is not a step of /work/p.yaml; did you mean `test`?")
        }
    }

    @Test func resumingRerunsWhatFailedAndEverythingAfterItAndReusesTheRest() throws {
        let pipeline = try pipeline()
        let earlier = try earlierRun(of: pipeline, succeeded: ["fetch", "build", "test[os=mac]", "lint"])
        let selection = try StepSelection(pipeline: pipeline, resuming: earlier)
        let chosen = choices(selection, pipeline)
        #expect(chosen["fetch"] == .reuse && chosen["build"] == .reuse && chosen["test[os=mac]"] == .reuse && chosen["lint"] == .reuse)
        #expect(chosen["test[os=linux]"] == .run && chosen["deploy"] == .run)
        #expect(selection.reused["build"] == ReusedStep(fromRun: earlier.runID, outputs: ["n": .string("build")]))
        #expect(selection.resumedFrom == earlier.runID)
    }

    @Test func aStepAfterARerunStepRunsAgainEvenIfItSucceeded() throws {
        let pipeline = try pipeline()
        // build failed, yet test and deploy "succeeded" (with continue-on-error, say).
        let earlier = try earlierRun(of: pipeline, succeeded: ["fetch", "test[os=linux]", "test[os=mac]", "deploy", "lint"])
        let chosen = choices(try StepSelection(pipeline: pipeline, resuming: earlier), pipeline)
        #expect(chosen["fetch"] == .reuse)
        for id in ["build", "test[os=linux]", "test[os=mac]", "deploy"] { #expect(chosen[id] == .run) }
    }

    @Test func selectionNarrowsAResume() throws {
        let pipeline = try pipeline()
        let earlier = try earlierRun(of: pipeline, succeeded: ["fetch"])
        let chosen = choices(try StepSelection(pipeline: pipeline, selecting: ["build"], resuming: earlier), pipeline)
        #expect(chosen["fetch"] == .reuse && chosen["build"] == .run)
        #expect(chosen["deploy"] == .leaveOut(.notSelected) && chosen["lint"] == .leaveOut(.notSelected))
    }

    @Test func aResumeOfARunWhereEverythingSucceededRunsNothing() throws {
        let pipeline = try pipeline()
        let earlier = try earlierRun(of: pipeline, succeeded: Set(pipeline.steps.map(\.id.rawValue)))
        #expect(try StepSelection(pipeline: pipeline, resuming: earlier).runsNothing)
    }

    @Test func aChangedStepThatWouldBeReusedRefusesTheResume() throws {
        let before = try pipeline()
        let earlier = try earlierRun(of: before, succeeded: ["fetch", "build", "lint"])
        let after = try pipeline(yaml.replacingOccurrences("echo fetch", with: "echo fetched"))
        do {
            _ = try StepSelection(pipeline: after, resuming: earlier)
            Issue.record("expected a refusal")
        } catch {
            #expect(error.rendered == "/work/p.yaml:3:3: error: cannot resume run 20261125-100000-0001: step `fetch` succeeded there and would be reused, "
                + "but its definition has changed since that run; run without --resume to run everything again, or revert the change to `fetch`")
        }
    }

    @Test func aChangedStepThatWillRunAgainIsFine() throws {
        let before = try pipeline()
        let earlier = try earlierRun(of: before, succeeded: ["fetch", "lint"])
        let after = try pipeline(yaml.replacingOccurrences("echo linux", with: "echo fixed"))
        #expect(choices(try StepSelection(pipeline: after, resuming: earlier), after)["test[os=linux]"] == .run)
    }

    @Test func aChangedStepOutsideTheSelectionIsNotCarriedOver() throws {
        let before = try pipeline()
        let earlier = try earlierRun(of: before, succeeded: ["fetch", "lint"])
        let after = try pipeline(yaml.replacingOccurrences("echo lint", with: "echo lint2"))
        let chosen = choices(try StepSelection(pipeline: after, selecting: ["build"], resuming: earlier), after)
        #expect(chosen["lint"] == .leaveOut(.notSelected))
        #expect(chosen["fetch"] == .reuse)
    }

    @Test func aRemovedStepIsFine() throws {
        let before = try pipeline()
        let earlier = try earlierRun(of: before, succeeded: ["fetch", "lint"])
        let after = try pipeline(yaml.replacingOccurrences("  lint: { shell: echo lint }\n", with: ""))
        #expect(try StepSelection(pipeline: after, resuming: earlier).choices.count == after.steps.count)
    }

    @Test func aDifferentParameterRefusesTheResume() throws {
        let pipeline = try pipeline()
        let earlier = try earlierRun(of: pipeline, succeeded: ["fetch"])
        let release = try pipeline.overridingParameters(["target": "release"])
        #expect(throws: SelectionError.parameterChanged(runID: earlier.runID, name: "target", was: "debug", now: "release")) {
            try StepSelection(pipeline: release, resuming: earlier)
        }
    }

    @Test func runIDsAreRecognisedByTheirShape() {
        #expect(PreviousRun.looksLikeRunID("20261125-140512-3f9a"))
        #expect(!PreviousRun.looksLikeRunID("build"))
        #expect(!PreviousRun.looksLikeRunID("2026-140512-3f9a"))
        #expect(!PreviousRun.looksLikeRunID("20261125-140512-xyz"))
    }
}
