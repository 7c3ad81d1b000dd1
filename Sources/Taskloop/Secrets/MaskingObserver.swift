import Synchronization

/// Passes events and output to its observers with every secret masked, so
/// nothing downstream (the event log, the console, reports) ever sees a value.
///
/// Output is masked as a stream per step and stream (stdout, stderr): a chunk
/// whose end could be the start of a secret keeps that end back until the
/// step's next chunk, or until the step's attempt finishes, when it is masked
/// and passed on before the `step-finished` event. So a secret is masked
/// however the output is cut: across the 64 KiB pieces of a long line, or
/// across two `write(_:)` calls of a plugin. What is held back is shorter
/// than the longest secret.
package final class MaskingObserver: RunObserver {
    private struct StreamKey: Hashable {
        var step: StepID
        var stream: StepOutputChunk.Stream
    }

    package let masker: SecretMasker
    package let observers: [any RunObserver]
    /// The held-back end of each stream. Observers are called while the lock
    /// is held, so chunks and events reach them in the order they came.
    private let held = Mutex<[StreamKey: [UInt8]]>([:])

    package init(masker: SecretMasker, observers: [any RunObserver]) {
        self.masker = masker
        self.observers = observers
    }

    package func observe(_ event: TimelineEvent) {
        let masked = masker.mask(event)
        held.withLock { held in
            switch event.payload {
            case .stepFinished(let finished):
                flush(&held) { $0.step == finished.step }
            case .runFinished:
                flush(&held) { _ in true }
            default:
                break
            }
            for observer in observers { observer.observe(masked) }
        }
    }

    package func stepOutput(_ chunk: StepOutputChunk) {
        let key = StreamKey(step: chunk.step, stream: chunk.stream)
        held.withLock { held in
            var bytes = held.removeValue(forKey: key) ?? []
            bytes.append(contentsOf: chunk.text.utf8)
            let (masked, heldFrom) = masker.scan(bytes[...], final: false)
            if heldFrom < bytes.count { held[key] = Array(bytes[heldFrom...]) }
            guard !masked.isEmpty else { return }
            var out = chunk
            out.text = String(decoding: masked, as: UTF8.self)
            for observer in observers { observer.stepOutput(out) }
        }
    }

    /// Masks and passes on what the matching streams hold back: their end has come.
    private func flush(_ held: inout [StreamKey: [UInt8]], where matches: (StreamKey) -> Bool) {
        for key in held.keys.filter(matches).sorted(by: { $0.stream.rawValue > $1.stream.rawValue }) {
            guard let bytes = held.removeValue(forKey: key) else { continue }
            let (masked, _) = masker.scan(bytes[...], final: true)
            let chunk = StepOutputChunk(step: key.step, stream: key.stream, text: String(decoding: masked, as: UTF8.self))
            for observer in observers { observer.stepOutput(chunk) }
        }
    }
}
