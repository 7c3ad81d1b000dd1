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

    /// Digests are recorded in event logs and incremental caches, and
    /// compared with those of later runs (`--resume`, `sources:`): the
    /// canonical form must not change from one Taskloop to the next. Pinned
    /// here for steps of every shape: nested mappings and lists, quoting, a
    /// control character, a parameter read, a matrix, a step's `if:`.
    @Test func digestsAreThoseEarlierTaskloopsRecorded() throws {
        let yaml = #"""
            env: { MODE: fast, "Z": "quo\"te" }
            limits: { pools: { net: 2 } }
            params: { target: debug, other: x }
            steps:
              fetch: { shell: "echo fetch\tdone", pool: net, continue-on-error: true }
              build:
                needs: [pack-b, fetch]
                env: { LEVEL: "2", B: '1' }
                shell: make ${{ params.target }}
                timeout: 10m
                retry: { attempts: 3, delay: 1s }
                if: ${{ params.other == 'x' }}
              pack-b:
                needs: fetch
                cpu: { function: gzip, with: { from: a.tar, to: "ü/b.gz" } }
              wide:
                matrix: { os: [linux, mac], n: [1, 2] }
                needs: [fetch]
                shell: echo ${{ matrix.os }} ${{ matrix.n }}
                sources: ["src/**/*.swift", Package.swift]
            """#
        let pipeline = try PipelineLoader().load(contents: yaml, file: "p.yaml")
        let digests = pipeline.steps.map { "\($0.id.rawValue) \(StepFingerprint.digest(of: $0, in: pipeline))" }
        #expect(digests == [
            "fetch 6a32b3378b6a430e2d48305467978528e70c261a54e6c9636a7e225e10960b7c",
            "build 3406102e900dea463ccb99f4d59c3cfa842061448b46c53aa853548aa8f01214",
            "pack-b 08dac7508867e9f21520bb387f85b66342710265ea7484a83c4e0b8a5b8afa6b",
            "wide[os=linux,n=1] 59147235b56c03a6a5853a5546e9f4a2bd682da538173ef36d975a5d6fd07f5d",
            "wide[os=linux,n=2] 309d834ff78e1507d6d53751b737ac5b50cb3b19c60740217d468e3c6295f0b3",
            "wide[os=mac,n=1] 45e6392ab1c29e098470c5e3959b77a11607807df9d88167a743c040bbd85781",
            "wide[os=mac,n=2] 2141ed67e63aece52b8c6e20e150a46239e770b41ef29762597b4ec1c8105f30",
        ])
        // The parts `taskloop why` names, hashed one by one into the incremental key.
        let build = pipeline.steps[1]
        #expect(StepFingerprint.canonicalParts(of: build, asWritten: build, in: pipeline) == [
            "env": #"{"B":"1","LEVEL":"2"}"#,
            "if": #""${{ params.other == 'x' }}""#,
            "needs": #"["fetch","pack-b"]"#,
            "param:other": #""x""#,
            "param:target": #""debug""#,
            "pipeline-env": #"{"MODE":"fast","Z":"quo\"te"}"#,
            "retry": #"{"attempts":"3","delay":"1s"}"#,
            "shell": #""make ${{ params.target }}""#,
            "timeout": #""10m""#,
        ])
    }
}
