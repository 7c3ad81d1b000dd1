#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// What the terminal on stdout can show: colour only on a TTY and without
/// `NO_COLOR`, and its width in columns (80 when unknown).
public enum TerminalStyle {
    public static var ganttStyle: TextGantt.Style {
        isatty(STDOUT_FILENO) == 1 && (ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty ? .color : .plain
    }

    public static var width: Int {
        width(of: STDOUT_FILENO) ?? Int(ProcessInfo.processInfo.environment["COLUMNS"] ?? "") ?? 80
    }

    /// The columns of the terminal on `descriptor`, or nil when it is not one.
    public static func width(of descriptor: CInt) -> Int? {
        var size = winsize()
        guard ioctl(descriptor, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }
}
