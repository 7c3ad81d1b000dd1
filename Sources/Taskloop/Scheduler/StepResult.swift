/// How one attempt of a step ended, as the scheduler records it.
package struct StepResult: Sendable, Hashable {
    package var status: StepStatus
    package var outputs: StepOutputs = [:]
    package var exitCode: Int32?
    package var error: String?
    package var details: [String] = []
    /// Where it ran: `loop`, or a worker (`worker-2`).
    package var lane = "loop"

    package static func success(_ outputs: StepOutputs) -> StepResult {
        StepResult(status: .success, outputs: outputs)
    }
}
