extension FileStep {
    public func run(in context: StepContext) async throws -> StepOutputs {
        throw StepFailure("not yet")
    }
}
