#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// What the terminal on stdout can show: colour only on a TTY and without
/// `NO_COLOR`, and its width in columns (80 when unknown).
public enum TerminalStyle {
    public static var ganttStyle: TextGantt.Style {
        isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil ? .color : .plain
    }

    public static var width: Int {
        var size = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return Int(ProcessInfo.processInfo.environment["COLUMNS"] ?? "") ?? 80
    }
}
