/// The step kinds a pipeline may use: the built-in ones, each under its own
/// key (`shell:`), and plugin kinds, named with `uses:`.
///
/// The loader asks the registry, never a switch, which kind a step is; a
/// plugin's kinds are looked up exactly like the built-in ones.
public struct StepKindRegistry: Sendable {
    /// Kinds written as a key of the step (`shell: make`).
    public private(set) var builtInKinds: [any StepKind.Type]
    /// Kinds written as `uses: NAME` with `with: {...}`: plugin I/O kinds, and
    /// a step kind for each plugin CPU function.
    public private(set) var pluginKinds: [any StepKind.Type]
    /// CPU functions: the built-in ones (`cpu: { function: NAME }`) and the
    /// plugins' (`uses: NAME`). Workers look requests up here.
    public private(set) var cpuFunctions: [any CPUFunction.Type]
    /// How many of ``cpuFunctions`` are built in (the first ones).
    private var builtInCPUFunctionCount: Int

    public static let builtIn = StepKindRegistry(
        builtInKinds: [ShellStep.self, SleepStep.self, FileStep.self, HTTPStep.self],
        pluginKinds: [],
        cpuFunctions: [SHA256Function.self, GzipFunction.self, GunzipFunction.self, PrimesFunction.self, SpinFunction.self])

    public init(builtInKinds: [any StepKind.Type], pluginKinds: [any StepKind.Type], cpuFunctions: [any CPUFunction.Type] = []) {
        self.builtInKinds = builtInKinds
        self.builtInNames = builtInKinds.map { $0.name }
        self.pluginKinds = pluginKinds
        self.pluginNames = pluginKinds.map { $0.name }
        self.cpuFunctions = cpuFunctions
        self.builtInCPUFunctionCount = cpuFunctions.count
    }

    /// This registry with plugin I/O kinds and CPU functions added; both are
    /// written `uses: NAME`.
    public func adding(plugins: [any StepKind.Type], cpuFunctions functions: [any CPUFunction.Type] = []) -> StepKindRegistry {
        var registry = self
        registry.pluginKinds += plugins + functions.map { stepKind(of: $0) }
        registry.pluginNames = registry.pluginKinds.map { $0.name }
        registry.cpuFunctions += functions
        return registry
    }

    /// The built-in CPU functions, for `cpu: { function: NAME }`.
    public var builtInCPUFunctions: [any CPUFunction.Type] { Array(cpuFunctions.prefix(builtInCPUFunctionCount)) }

    public func cpuFunction(named name: String) -> (any CPUFunction.Type)? {
        cpuFunctions.first(where: { $0.name == name })
    }

    /// The names of ``builtInKinds``, in their order (kept, not mapped on each
    /// ask: the loader asks for every step).
    public private(set) var builtInNames: [String]
    /// The names of ``pluginKinds``, in their order.
    public private(set) var pluginNames: [String]

    public func builtInKind(named name: String) -> (any StepKind.Type)? {
        builtInKinds.first(where: { $0.name == name })
    }

    public func pluginKind(named name: String) -> (any StepKind.Type)? {
        pluginKinds.first(where: { $0.name == name })
    }
}
