import Foundation
import Testing
@testable import Taskloop

/// Expressions are checked when the file loads: syntax, functions and names,
/// each error at its line and column.
@Suite struct ExpressionLoadingTests {
    @Test func everyExpressionProblemIsFoundWithItsPlace() throws {
        do {
            _ = try loadFixture("expression-errors")
            Issue.record("the fixture loaded")
        } catch let error as PipelineLoadError {
            let found = error.diagnostics.map { "\($0.location?.line ?? 0):\($0.location?.column ?? 0) \($0.severity.rawValue): \($0.problem.message)" }
            #expect(found == [
                "6:22 warning: step `b` pastes `steps.a.outputs.stdout` into its shell command, where quotes or `;` in the value would run as shell code; pass it through the step's `env:` instead (`env: { STDOUT: \"${{ steps.a.outputs.stdout }}\" }`) and write \"$STDOUT\" in the command",
                "8:22 error: `shell` of step `c`: step `c` reads `steps.b`, but `b` is not among its `needs` (directly or indirectly): add it to `needs` so it has run first",
                "8:47 error: `shell` of step `c`: unknown parameter `levle`; did you mean `level`?",
                "11:41 error: `if` of step `d`: unknown function `contans`; did you mean `contains`?",
                "15:27 error: `if` of step `e`: expected a value, a name or `(`, found the end of the expression",
                "18:20 error: `env.X` of step `f`: unknown name `foo`: expressions read `env.NAME`, `params.NAME`, `matrix.KEY` and `steps.ID.outputs.KEY` or `steps.ID.status`",
                "19:18 error: `shell` of step `f`: `${{` is not closed: end the expression with `}}`",
                "22:20 error: `env.Y` of step `g`: a step has `outputs` and `status`, not `result`",
                "22:42 error: `env.Y` of step `g`: `startsWith` takes 2 arguments, given 1",
                "23:25 error: `file` of step `g`: `steps.nope`: no step `nope` in this pipeline",
            ])
        }
    }

    @Test func placesInAFileWithWindowsLineEndsCountLinesAndColumnsAlike() throws {
        let text = "params: { level: 1 }\r\nsteps:\r\n  a:\r\n    shell: echo \"${{ params.levle }}\"\r\n"
        do {
            _ = try PipelineLoader().load(contents: text, file: "crlf.yaml")
            Issue.record("the pipeline loaded")
        } catch {
            let found = error.diagnostics.map { "\($0.location?.line ?? 0):\($0.location?.column ?? 0) \($0.problem.message)" }
            #expect(found == ["4:22 `shell` of step `a`: unknown parameter `levle`; did you mean `level`?"])
        }
    }

    @Test func aValueWithAnExpressionIsCheckedWhenTheStepRuns() throws {
        // `sleep: ${{ params.nap }}` cannot be checked as a duration until the value is known.
        let pipeline = try PipelineLoader().load(contents: """
            params: { nap: 10ms }
            steps:
              wait: { sleep: "${{ params.nap }}" }
            """, file: "p.yaml")
        #expect(pipeline.steps[0].deferredConfiguration != nil)
        #expect(pipeline.warnings.isEmpty)
    }

    @Test func readingAStepThatIsOnlyAnIndirectNeedIsAllowed() throws {
        let pipeline = try PipelineLoader().load(contents: """
            steps:
              a: { shell: echo }
              b: { needs: a, shell: echo }
              c:
                needs: b
                env: { A: "${{ steps.a.outputs.stdout }}" }
                if: steps.a.status == 'success'
                shell: echo "$A"
            """, file: "p.yaml")
        #expect(pipeline.steps[2].condition?.text == "steps.a.status == 'success'")
    }

    @Test func anIfMustBeOneExpression() throws {
        do {
            _ = try PipelineLoader().load(contents: "steps:\n  a:\n    if: ${{ true }} and ${{ false }}\n    shell: echo\n", file: "p.yaml")
            Issue.record("loaded")
        } catch {
            #expect(error.diagnostics.map(\.problem.message) == [
                "`if` of step `a`: write one expression, such as `${{ steps.build.outputs.changed == 'yes' }}`",
            ])
        }
    }

    /// Anything but a literal pasted into `shell:` is a warning with the fix:
    /// `--param` values and the environment come from outside the file, and a
    /// secret pasted there would also show in `ps`. Matrix values are written
    /// in the file itself, and a step's status is one of four words.
    @Test func valuesFromOutsidePastedIntoAShellCommandAreWarnedAbout() throws {
        let pipeline = try PipelineLoader().load(contents: """
            params: { who: world }
            secrets: [TOKEN]
            steps:
              a:
                matrix: { os: [linux] }
                shell: echo "${{ params.who }} ${{ env.HOME }} ${{ env.TOKEN }} ${{ matrix.os }}"
              c: { shell: echo }
              b:
                needs: c
                env: { WHO: "${{ params.who }}" }
                shell: echo "$WHO ${{ steps.c.status }} ${{ format('{0}!', params.who) }}"
            """, file: "p.yaml")
        #expect(pipeline.warnings.map(\.summary) == [
            "p.yaml:6:22: warning: step `a` pastes `params.who` into its shell command, where a `--param` value holding quotes or `;` would run as shell code; pass it through the step's `env:` instead (`env: { WHO: \"${{ params.who }}\" }`) and write \"$WHO\" in the command",
            "p.yaml:6:40: warning: step `a` pastes `env.HOME` into its shell command; an environment value holding quotes or `;` would run as shell code; the command has the variable already: write \"$HOME\" instead",
            "p.yaml:6:56: warning: step `a` pastes `env.TOKEN` into its shell command; the secret's value then stands in the command line, which any user can read with `ps`, and would run as shell code if it held quotes or `;`; the command has the variable already: write \"$TOKEN\" instead",
            "p.yaml:11:64: warning: step `b` pastes `params.who` into its shell command, where a `--param` value holding quotes or `;` would run as shell code; pass it through the step's `env:` instead (`env: { WHO: \"${{ params.who }}\" }`) and write \"$WHO\" in the command",
        ])
    }

    @Test func unknownNamesGetTheNearestOne() {
        func problems(_ expression: String) -> [String] {
            do {
                _ = try PipelineLoader().load(contents: "steps:\n  a:\n    if: ${{ \(expression) }}\n    shell: echo\n", file: "p.yaml")
                return []
            } catch {
                return error.diagnostics.map(\.problem.message)
            }
        }
        #expect(problems("param.x") == [
            "`if` of step `a`: unknown name `param`; did you mean `params`? (expressions read `env.NAME`, `params.NAME`, `matrix.KEY` and `steps.ID.outputs.KEY` or `steps.ID.status`)",
        ])
        #expect(problems("contians('a', 'b')") == ["`if` of step `a`: unknown function `contians`; did you mean `contains`?"])
        #expect(problems("always") == ["`if` of step `a`: `always` is a function: call it, as `always(...)`"])
    }
}
