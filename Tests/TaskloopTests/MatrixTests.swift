import Foundation
import Testing
@testable import Taskloop

/// Loads `yaml` as `m.yaml`, expecting it to be invalid: its diagnostics as
/// `line:column: message`, in file order.
private func problems(loading yaml: String) -> [String] {
    do {
        _ = try PipelineLoader().load(contents: yaml, file: "m.yaml")
        return []
    } catch {
        return error.diagnostics.map { "\($0.location?.line ?? 0):\($0.location?.column ?? 0): \($0.problem.message)" }
    }
}

/// The value of `env.NAME` of each step, by step id (in step order).
private func environment(_ name: String, of pipeline: Pipeline) -> [String] {
    pipeline.steps.map { "\($0.id)=\($0.environment[name] ?? "-")" }
}

/// `matrix:` makes one step per combination, with ids, order, values and
/// `include`/`exclude` as in GitHub Actions, every problem at its place.
@Suite struct MatrixTests {
    @Test func aMatrixMakesOneStepPerCombinationWithItsValuesFilledIn() throws {
        let pipeline = try PipelineLoader().load(contents: """
            steps:
              test:
                matrix:
                  os: [linux, mac]
                  swift: ["6.0", "6.1"]
                shell: echo ${{ matrix.os }} on ${{ matrix.swift }}
                env: { OS: "${{ matrix.os }}" }
              after: { needs: test, sleep: 1ms }
            """, file: "m.yaml")
        #expect(pipeline.steps.map(\.id) == [
            "test[os=linux,swift=6.0]", "test[os=linux,swift=6.1]", "test[os=mac,swift=6.0]", "test[os=mac,swift=6.1]", "after",
        ])
        #expect(pipeline.steps.prefix(4).map { ($0.action as? ShellStep)?.command } == [
            "echo linux on 6.0", "echo linux on 6.1", "echo mac on 6.0", "echo mac on 6.1",
        ])
        #expect(pipeline.steps.prefix(4).map { $0.environment["OS"] } == ["linux", "linux", "mac", "mac"])
        // The values are known when the file loads: nothing is left for run time.
        #expect(pipeline.steps.allSatisfy { !$0.usesExpressions })
        // Every expansion keeps the place of the step as written.
        #expect(Set(pipeline.steps.prefix(4).map(\.location)) == [SourceLocation(file: "m.yaml", line: 2, column: 3)])
        // `needs: test` waits for every expansion.
        #expect(pipeline.steps[4].needs.map(\.id) == Array(pipeline.steps.prefix(4).map(\.id)))
    }

    @Test func valuesAreTextAsWrittenAndBooleansAreBooleans() throws {
        let pipeline = try PipelineLoader().load(contents: """
            steps:
              t:
                matrix: { version: [6.0, 10], fast: [false] }
                if: matrix.fast
                shell: echo "${{ matrix.version }} ${{ matrix.fast }} ${{ matrix.version == 6 }}"
            """, file: "m.yaml")
        #expect(pipeline.steps.map(\.id) == ["t[version=6.0,fast=false]", "t[version=10,fast=false]"])
        #expect(pipeline.steps.map { ($0.action as? ShellStep)?.command } == [#"echo "6.0 false true""#, #"echo "10 false false""#])
        #expect(pipeline.steps[0].condition?.expression == .literal(.bool(false)))
        #expect(pipeline.steps[0].condition?.text == "matrix.fast")
    }

    @Test func expressionsThatAlsoReadRunTimeValuesKeepThemForRunTime() throws {
        let pipeline = try PipelineLoader().load(contents: """
            steps:
              a: { shell: echo hi }
              b:
                needs: a
                matrix: { os: [linux, "it's"] }
                if: ${{ matrix.os != 'mac' && steps.a.status == 'success' }}
                env:
                  LABEL: "${{ format('{0}/{1}', matrix.os, steps.a.outputs.stdout) }} on ${{ matrix.os }}"
                file: { write: "out/${{ matrix.os }}.txt", content: "${{ steps.a.outputs.stdout }}" }
            """, file: "m.yaml")
        let steps = pipeline.steps.filter { $0.id.rawValue.hasPrefix("b[") }
        #expect(steps.map(\.id) == ["b[os=linux]", "b[os=it's]"])
        let evaluator = ExpressionEvaluator(context: ExpressionContext(steps: [
            "a": .init(status: .success, outputs: ["stdout": .string("hi")]),
        ]))
        for (step, os) in zip(steps, ["linux", "it's"]) {
            let prepared = try StepPreparation.prepare(step, with: evaluator)
            #expect(prepared.environment["LABEL"] == "\(os)/hi on \(os)")
            #expect((prepared.action as? FileStep)?.operation == .write(path: "out/\(os).txt", content: "hi"))
            let condition = try #require(step.condition)
            #expect(try evaluator.evaluate(condition.expression) == .bool(true))
        }
    }

    @Test func excludeRemovesEveryCombinationThatMatchesAllItsKeys() throws {
        // GitHub's documented example: 12 combinations, minus 1 and 2.
        let pipeline = try PipelineLoader().load(contents: """
            steps:
              build:
                matrix:
                  os: [macos-latest, windows-latest]
                  version: [12, 14, 16]
                  environment: [staging, production]
                  exclude:
                    - os: macos-latest
                      version: 12
                      environment: production
                    - os: windows-latest
                      version: 16
                sleep: 1ms
            """, file: "m.yaml")
        #expect(pipeline.steps.map(\.id.rawValue) == [
            "build[os=macos-latest,version=12,environment=staging]",
            "build[os=macos-latest,version=14,environment=staging]",
            "build[os=macos-latest,version=14,environment=production]",
            "build[os=macos-latest,version=16,environment=staging]",
            "build[os=macos-latest,version=16,environment=production]",
            "build[os=windows-latest,version=12,environment=staging]",
            "build[os=windows-latest,version=12,environment=production]",
            "build[os=windows-latest,version=14,environment=staging]",
            "build[os=windows-latest,version=14,environment=production]",
        ])
    }

    @Test func includeAddsKeysToMatchingCombinationsOrAddsCombinations() throws {
        // GitHub's documented example, with its documented result.
        let pipeline = try PipelineLoader().load(contents: """
            steps:
              pick:
                matrix:
                  fruit: [apple, pear]
                  animal: [cat, dog]
                  include:
                    - color: green
                    - color: pink
                      animal: cat
                    - fruit: apple
                      shape: circle
                    - fruit: banana
                    - fruit: banana
                      animal: cat
                env: { ALL: "${{ matrix.fruit }} ${{ matrix.animal }} ${{ matrix.color }} ${{ matrix.shape }}" }
                sleep: 1ms
            """, file: "m.yaml")
        #expect(environment("ALL", of: pipeline) == [
            "pick[fruit=apple,animal=cat]=apple cat pink circle",
            "pick[fruit=apple,animal=dog]=apple dog green circle",
            "pick[fruit=pear,animal=cat]=pear cat pink ",
            "pick[fruit=pear,animal=dog]=pear dog green ",
            "pick[fruit=banana]=banana   ",
            "pick[fruit=banana,animal=cat]=banana cat  ",
        ])
    }

    @Test func includeExpandsOneCombination() throws {
        // GitHub's "expanding or adding matrix configurations" example.
        let pipeline = try PipelineLoader().load(contents: """
            steps:
              node:
                matrix:
                  os: [windows-latest, ubuntu-latest]
                  node: [14, 16]
                  include:
                    - os: windows-latest
                      node: 16
                      npm: 6
                env: { NPM: "${{ matrix.npm }}" }
                sleep: 1ms
            """, file: "m.yaml")
        #expect(environment("NPM", of: pipeline) == [
            "node[os=windows-latest,node=14]=", "node[os=windows-latest,node=16]=6",
            "node[os=ubuntu-latest,node=14]=", "node[os=ubuntu-latest,node=16]=",
        ])
    }

    @Test func aMatrixOfOnlyIncludeMakesOneCombinationPerEntry() throws {
        let pipeline = try PipelineLoader().load(contents: """
            steps:
              deploy:
                matrix:
                  include:
                    - site: production
                      datacenter: site-a
                    - site: staging
                      datacenter: site-b
                env: { DC: "${{ matrix.datacenter }}" }
                sleep: 1ms
            """, file: "m.yaml")
        #expect(environment("DC", of: pipeline) == [
            "deploy[site=production,datacenter=site-a]=site-a", "deploy[site=staging,datacenter=site-b]=site-b",
        ])
    }

    @Test func includeAddsBackAnExcludedCombination() throws {
        // Includes are applied after excludes.
        let pipeline = try PipelineLoader().load(contents: """
            steps:
              t:
                matrix:
                  os: [linux, mac]
                  arch: [x86, arm]
                  exclude: [{ os: mac, arch: x86 }]
                  include: [{ os: mac, arch: x86, note: rosetta }]
                env: { NOTE: "${{ matrix.note }}" }
                sleep: 1ms
            """, file: "m.yaml")
        #expect(environment("NOTE", of: pipeline) == [
            "t[os=linux,arch=x86]=", "t[os=linux,arch=arm]=", "t[os=mac,arch=arm]=", "t[os=mac,arch=x86,note=rosetta]=rosetta",
        ])
    }

    @Test func needsMayNameOneExpansionAndExpressionsReadIt() throws {
        let pipeline = try PipelineLoader().load(contents: """
            steps:
              test:
                matrix: { os: [linux, mac] }
                shell: echo ${{ matrix.os }}
              report:
                needs: ['test[os=linux]']
                env: { OUT: "${{ steps['test[os=linux]'].outputs.stdout }}" }
                shell: echo "$OUT"
            """, file: "m.yaml")
        let report = try #require(pipeline.step("report"))
        #expect(report.needs.map(\.id) == ["test[os=linux]"])
        #expect(report.environment["OUT"] == "${{ steps['test[os=linux]'].outputs.stdout }}")
    }

    @Test func aStepWithAMatrixIsReadThroughOneOfItsExpansions() {
        #expect(problems(loading: """
            steps:
              test:
                matrix: { os: [linux, mac] }
                shell: echo ${{ matrix.os }}
              report:
                needs: test
                env: { OUT: "${{ steps.test.outputs.stdout }}" }
                shell: echo "$OUT"
            """) == [
            "7:22: `env.OUT` of step `report`: `steps.test`: step `test` has a matrix, so it runs as several steps; name one of them, such as `steps['test[os=linux]']`",
        ])
    }

    @Test func matrixIsReadOnlyInAStepWithAMatrixAndOnlyItsKeys() {
        #expect(problems(loading: """
            steps:
              plain:
                shell: echo ${{ matrix.os }}
              test:
                matrix:
                  os: [linux]
                  include: [{ os: linux, extra: yes }]
                if: matrix.oss == 'linux'
                shell: echo ${{ matrix.extra }} ${{ matrix.flavour }}
            """) == [
            "3:21: `shell` of step `plain`: step `plain` reads `matrix`, but it has no `matrix:`; add one, or read `params` or `env` instead",
            "8:9: `if` of step `test`: the matrix of this step has no key `oss`; did you mean `os`?",
            "9:41: `shell` of step `test`: the matrix of this step has no key `flavour`; expected one of `extra`, `os`",
        ])
    }

    @Test func malformedMatricesAreReportedAtTheirPlace() {
        #expect(problems(loading: """
            steps:
              a:
                matrix: [linux, mac]
                sleep: 1ms
              b:
                matrix:
                  os: linux
                  arch: []
                  cc: [gcc, [clang]]
                sleep: 1ms
            """) == [
            "3:13: `matrix` of step `a` must be a mapping from keys to lists of values (and optionally `include` and `exclude`), found a list",
            "7:11: `os` in the matrix of step `b` must be a list of values, such as `[linux, mac]`, found the text `linux`",
            "8:13: `arch` in the matrix of step `b`: an empty list makes no combinations; give at least one value, or remove the key",
            "9:17: each value of `cc` in the matrix of step `b` must be text, a number or a boolean, found a list",
        ])
    }

    @Test func excludeNamesOnlyKeysOfTheMatrixAndMustLeaveACombination() {
        #expect(problems(loading: """
            steps:
              a:
                matrix:
                  os: [linux]
                  exclude: [{ oss: linux }]
                sleep: 1ms
              b:
                matrix:
                  os: [linux, mac]
                  exclude: [{ os: linux }, { os: mac }]
                sleep: 1ms
            """) == [
            "5:19: unknown key `oss` in `exclude` of the matrix of step `a`; did you mean `os`?",
            "8:5: the matrix of step `b` makes no combinations: give each key at least one value, and do not `exclude` every combination",
        ])
    }

    @Test func aMatrixMakesAtMost256Combinations() {
        let values = "[" + (1...17).map(String.init).joined(separator: ", ") + "]"
        #expect(problems(loading: """
            steps:
              big:
                matrix: { a: \(values), b: \(values) }
                sleep: 1ms
            """) == [
            "3:5: the matrix of step `big` makes 289 combinations, more than the limit of 256; use fewer values, or `exclude` combinations",
        ])
        // Lists whose combinations would take long to list are refused at once.
        let many = "[" + (1...100).map(String.init).joined(separator: ", ") + "]"
        #expect(problems(loading: """
            steps:
              huge:
                matrix: { a: \(many), b: \(many), c: \(many), d: \(many) }
                sleep: 1ms
            """) == [
            "3:5: the matrix of step `huge` makes 100,000,000 combinations, more than the limit of 256; use fewer values, or `exclude` combinations",
        ])
        // 10^20 combinations pass Int.max: the count is still exact.
        let ten = "[" + (0..<10).map(String.init).joined(separator: ", ") + "]"
        let keys = (1...20).map { "k\($0): \(ten)" }.joined(separator: ", ")
        #expect(problems(loading: """
            steps:
              vast:
                matrix: { \(keys) }
                sleep: 1ms
            """) == [
            "3:5: the matrix of step `vast` makes 100,000,000,000,000,000,000 combinations, more than the limit of 256; use fewer values, or `exclude` combinations",
        ])
    }

    @Test func twoCombinationsWithTheSameIdAreAnError() {
        #expect(problems(loading: """
            steps:
              a:
                matrix: { os: [linux, mac, linux] }
                sleep: 1ms
            """) == [
            "3:5: the matrix of step `a` makes `a[os=linux]` twice (a value listed twice, or an `include` entry that repeats a combination); each combination must differ",
        ])
    }

    @Test func aProblemOfAMatrixStepIsReportedOnceAtTheStepAsWritten() {
        // Values are checked once filled in: `soon` is no duration.
        #expect(problems(loading: """
            steps:
              wait:
                matrix: { nap: [1ms, soon, 2ms] }
                needs: [biuld]
                sleep: ${{ matrix.nap }}
              build: { sleep: 1ms }
            """) == [
            "4:13: step `wait` needs `biuld`, which is not a step of this pipeline; did you mean `build`?",
            "5:12: `sleep` of step `wait`: `soon` is not a duration: write a number and a unit, such as 250ms, 1.5s, 2m or 1h (a bare number means seconds)",
        ])
    }

    @Test func aValueThatLooksLikeAnExpressionStaysText() throws {
        let pipeline = try PipelineLoader().load(contents: """
            steps:
              t:
                matrix: { v: ["${{ env.HOME }}", "$"] }
                shell: echo ${{ matrix.v }}{{ x }}
            """, file: "m.yaml")
        let prepared = try pipeline.steps.map { step in
            try StepPreparation.prepare(step, with: ExpressionEvaluator(context: ExpressionContext(environment: ["HOME": "/root"])))
        }
        #expect(prepared.map { ($0.action as? ShellStep)?.command } == ["echo ${{ env.HOME }}{{ x }}", "echo ${{ x }}"])
    }

    @Test func printedExpressionsReadBackAsThemselves() throws {
        let sources = [
            "steps['v1.2'].outputs.x", "!(steps.a.status == 'success') && always()", "fromJSON('{\"a\": [1, 2]}').a[1]",
            "format('{0}-{1}', 'it''s', -1.5) != null", "(1 < 2) || env.HOME", "toJSON(matrix)",
        ]
        let evaluator = ExpressionEvaluator(context: ExpressionContext(
            environment: ["HOME": "/root"], matrix: ["os": .string("linux")],
            steps: ["v1.2": .init(status: .success, outputs: ["x": .string("y")]), "a": .init(status: .failure, outputs: [:])]))
        for source in sources {
            let expression = try ExpressionParser.parse(source)
            let printed = expression.sourceText
            let reparsed = try ExpressionParser.parse(printed)
            #expect(reparsed.sourceText == printed, "\(source)")
            #expect(try evaluator.evaluate(reparsed) == evaluator.evaluate(expression), "\(source) printed as \(printed)")
        }
    }
}
