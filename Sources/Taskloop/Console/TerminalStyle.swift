#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// The width of the terminal, in columns (whether to use colour is
/// ``ConsoleOptions/detect(environment:progress:output:verbosity:color:)``'s call).
public enum TerminalStyle {
    public static var width: Int {
        width(of: STDOUT_FILENO) ?? Int(ProcessEnvironment.atStart["COLUMNS"] ?? "") ?? 80
    }

    /// The columns of the terminal on `descriptor`, or nil when it is not one.
    public static func width(of descriptor: CInt) -> Int? {
        var size = winsize()
        guard ioctl(descriptor, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }
}
