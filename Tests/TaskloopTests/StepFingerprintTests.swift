import Testing
@testable import Taskloop

/// A step's fingerprint changes with what it does, and only with that.
@Suite struct StepFingerprintTests {
    func digests(_ yaml: String, parameters: [String: String] = [:]) throws -> [StepID: String] {
        var pipeline = try PipelineLoader().load(contents: yaml, file: "p.yaml")
        pipeline = try pipeline.overridingParameters(parameters)
        return Dictionary(uniqueKeysWithValues: pipeline.steps.map { ($0.id, StepFingerprint.digest(of: $0, in: pipeline)) })
    }

    let base = """
        env: { MODE: fast }
        params: { target: debug, other: x }
        steps:
          fetch: { shell: echo fetch }
          build:
            needs: [fetch]
            env: { LEVEL: "2" }
            shell: make ${{ params.target }}
            timeout: 10m
          pack:
            needs: build
            cpu: { function: gzip, with: { from: a.tar } }
        """

    @Test func isSixtyFourHexDigits() throws {
        let digest = try #require(try digests(base)["build"])
        #expect(digest.count == 64)
        #expect(digest.allSatisfy { $0.isHexDigit && !$0.isUppercase })
    }

    @Test func staysTheSameWhenStepsMoveOrTheFileIsReformatted() throws {
        let moved = """
            # a comment
            params: { other: x, target: debug }
            env:
              MODE: fast
            steps:
              pack:
                cpu:
                  function: gzip
                  with: { from: "a.tar" }    # quoted now
                needs: [build]
              build:
                timeout: 10m
                shell: 'make ${{ params.target }}'
                env:
                  LEVEL: '2'
                needs: fetch
              fetch:
                shell: "echo fetch"
                pool: net
            limits: { pools: { net: 2 } }
            """
        #expect(try digests(moved) == digests(base))
    }

    @Test func changesWithTheCommand() throws {
        let changed = try digests(base.replacingOccurrences("echo fetch", with: "echo fetched"))
        let original = try digests(base)
        #expect(changed["fetch"] != original["fetch"])
        #expect(changed["build"] == original["build"])
    }

    @Test func changesWithTheStepsEnvOrThePipelinesEnv() throws {
        let original = try digests(base)
        #expect(try digests(base.replacingOccurrences("LEVEL: \"2\"", with: "LEVEL: \"3\""))["build"] != original["build"])
        let pipelineEnv = try digests(base.replacingOccurrences("MODE: fast", with: "MODE: slow"))
        #expect(pipelineEnv["fetch"] != original["fetch"])
    }

    @Test func changesWithNeeds() throws {
        let yaml = base.replacingOccurrences("needs: build", with: "needs: [build, fetch]")
        #expect(try digests(yaml)["pack"] != digests(base)["pack"])
    }

    @Test func changesWithWith() throws {
        let yaml = base.replacingOccurrences("from: a.tar", with: "from: b.tar")
        #expect(try digests(yaml)["pack"] != digests(base)["pack"])
    }

    @Test func changesWithTheParametersTheStepReadsOnly() throws {
        let original = try digests(base)
        let target = try digests(base, parameters: ["target": "release"])
        #expect(target["build"] != original["build"])
        #expect(target["fetch"] == original["fetch"])
        let other = try digests(base, parameters: ["other": "y"])
        #expect(other == original)
    }

    @Test func aConditionReadingParametersCountsThem() throws {
        let yaml = """
            params: { deploy: "no" }
            steps:
              ship: { if: "params.deploy == 'yes'", shell: ./ship.sh }
            """
        #expect(try digests(yaml)["ship"] != digests(yaml, parameters: ["deploy": "yes"])["ship"])
    }

    /// The digests of a large pipeline, computed in chunks side by side,
    /// are each step's own, in the pipeline's order.
    @Test func digestsOfAWholePipelineAreEachStepsInOrder() async throws {
        let yaml = "steps:\n" + (0..<5_000).map { "  s\($0): { shell: echo \($0 % 7) }" }.joined(separator: "\n")
        let pipeline = try PipelineLoader().load(contents: yaml, file: "p.yaml")
        let all = await StepFingerprint.digests(of: pipeline)
        #expect(all == pipeline.steps.map { StepFingerprint.digest(of: $0, in: pipeline) })
        #expect(Set(all).count == 7)
    }
}
