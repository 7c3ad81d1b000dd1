import Foundation
import Taskloop

/// Loads `Fixtures/NAME.yaml`, expecting it to be invalid; returns its
/// diagnostics as (line, column, message).
func problems(inFixture name: String) throws -> [(line: Int, column: Int, message: String)] {
    do {
        _ = try loadFixture(name)
        return []
    } catch let error as PipelineLoadError {
        return error.diagnostics.map { ($0.location?.line ?? 0, $0.location?.column ?? 0, $0.problem.message) }
    }
}

func loadFixture(_ name: String, registry: StepKindRegistry = .builtIn) throws -> Pipeline {
    try PipelineLoader(registry: registry).load(file: fixturePath(name))
}

func fixturePath(_ name: String) -> String {
    Bundle.module.url(forResource: name, withExtension: "yaml", subdirectory: "Fixtures")!.path
}
