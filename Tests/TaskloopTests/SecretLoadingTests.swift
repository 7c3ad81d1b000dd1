import Testing

@testable import Taskloop

@Suite struct SecretLoadingTests {
    @Test func secretsNameEnvironmentVariables() throws {
        let pipeline = try PipelineLoader().load(contents: "secrets: [TOKEN, DB_PASSWORD]\nsteps:\n  a: { shell: 'true' }\n", file: "p.yaml")
        #expect(pipeline.secrets == ["TOKEN", "DB_PASSWORD"])
    }

    @Test func aSecretThatIsNotAVariableNameIsAnErrorAtItsPlace() {
        #expect {
            _ = try PipelineLoader().load(contents: "secrets: [TOKEN, 'hunter 2']\nsteps:\n  a: { shell: 'true' }\n", file: "p.yaml")
        } throws: { error in
            guard let error = error as? PipelineLoadError, let diagnostic = error.diagnostics.first else { return false }
            return diagnostic.location == SourceLocation(file: "p.yaml", line: 1, column: 18)
                && diagnostic.summary.contains("`hunter 2` is not an environment variable name")
        }
    }
}
