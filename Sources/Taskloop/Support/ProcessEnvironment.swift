import Foundation

/// The environment this process was started with, read once.
///
/// `ProcessInfo.processInfo.environment` builds a new dictionary from
/// `environ` at every call, and a run reads the environment in several
/// places (the console's settings, secrets, expressions, CI reports): each
/// read cost a dictionary of every variable. Taskloop never changes its own
/// environment (commands get theirs through `env:`), so one copy serves all.
package enum ProcessEnvironment {
    package static let atStart: [String: String] = ProcessInfo.processInfo.environment
}
