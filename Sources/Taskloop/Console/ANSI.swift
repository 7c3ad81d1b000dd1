/// The few ANSI escape sequences the console uses.
enum ANSI {
    static let reset = "\u{1B}[0m"
    static let bold = "\u{1B}[1m"
    static let dim = "\u{1B}[2m"
    static let red = "\u{1B}[31m"
    static let green = "\u{1B}[32m"
    static let yellow = "\u{1B}[33m"

    /// Colours for step-id prefixes, so parallel steps are told apart at a glance.
    static let stepColors = ["\u{1B}[36m", "\u{1B}[35m", "\u{1B}[34m", "\u{1B}[33m", "\u{1B}[32m", "\u{1B}[96m"]

    /// Moves the cursor up `lines` lines to the first column and clears from
    /// there to the end of the screen.
    static func erase(linesAbove lines: Int) -> String {
        lines == 0 ? "\r\u{1B}[J" : "\r\u{1B}[\(lines)A\u{1B}[J"
    }

    /// `text` in `style` when colour is on.
    static func paint(_ text: String, _ style: String, if enabled: Bool) -> String {
        enabled ? style + text + reset : text
    }

    /// The same colour for the same step id in every run (FNV-1a of its bytes).
    static func color(for step: StepID) -> String {
        var hash: UInt32 = 2_166_136_261
        for byte in step.rawValue.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        return stepColors[Int(hash % UInt32(stepColors.count))]
    }
}
