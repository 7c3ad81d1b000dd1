/// The step kinds a pipeline may use: the built-in ones, each under its own
/// key (`shell:`), and plugin kinds, named with `uses:`.
///
/// The loader asks the registry, never a switch, which kind a step is; a
/// plugin's kinds are looked up exactly like the built-in ones.
public struct StepKindRegistry: Sendable {
    /// Kinds written as a key of the step (`shell: make`).
    public private(set) var builtInKinds: [any StepKind.Type]
    /// Kinds written as `uses: NAME` with `with: {...}`.
    public private(set) var pluginKinds: [any StepKind.Type]

    public static let builtIn = StepKindRegistry(
        builtInKinds: [ShellStep.self, SleepStep.self, FileStep.self, HTTPStep.self], pluginKinds: [])

    public init(builtInKinds: [any StepKind.Type], pluginKinds: [any StepKind.Type]) {
        self.builtInKinds = builtInKinds
        self.pluginKinds = pluginKinds
    }

    /// This registry with `plugins` added as `uses:` kinds.
    public func adding(plugins: [any StepKind.Type]) -> StepKindRegistry {
        StepKindRegistry(builtInKinds: builtInKinds, pluginKinds: pluginKinds + plugins)
    }

    public var builtInNames: [String] { builtInKinds.map { $0.name } }
    public var pluginNames: [String] { pluginKinds.map { $0.name } }

    public func builtInKind(named name: String) -> (any StepKind.Type)? {
        builtInKinds.first(where: { $0.name == name })
    }

    public func pluginKind(named name: String) -> (any StepKind.Type)? {
        pluginKinds.first(where: { $0.name == name })
    }
}
