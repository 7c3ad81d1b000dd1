import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The status area of live progress, as drawn on the terminal: the
/// ``LiveStatus`` it shows, and how many lines of it are on screen now.
///
/// Invariant: the cursor sits at the start of the line below the area, and
/// the area's `drawnLines` lines are directly above it. Only the console
/// writer's encoding (one batch at a time, in order) draws, so the count is
/// always the one on screen.
final class LiveStatusArea: Sendable {
    private struct State {
        var status = LiveStatus()
        var drawnLines = 0
        var isClosed = false
    }

    private let options: ConsoleOptions
    private let state = Mutex(State())

    init(options: ConsoleOptions) {
        self.options = options
    }

    func apply(_ event: TimelineEvent) {
        let now = ContinuousClock.now
        state.withLock { $0.status.apply(event, at: now) }
    }

    /// The bytes for one batch: erase the area, write `text` (whole lines),
    /// and draw the area again below it, unless `closing`. Inside a
    /// synchronized update, so terminals that support it never show the
    /// half-drawn state.
    func redraw(around text: String, closing: Bool) -> String {
        let width = TerminalStyle.width(of: options.descriptor) ?? options.width
        let now = ContinuousClock.now
        return state.withLock { state in
            if state.isClosed { return text }
            let lines = closing ? [] : state.status.render(width: width, now: now, color: options.usesColor)
            let output = "\u{1B}[?2026h" + ANSI.erase(linesAbove: state.drawnLines) + text
                + lines.map { $0 + "\n" }.joined() + "\u{1B}[?2026l"
            state.drawnLines = lines.count
            state.isClosed = closing
            return output
        }
    }
}
