// The floor under loading a pipeline: what Yams alone costs to compose a
// file's node tree, the first thing `taskloop validate` and `taskloop run`
// do with it. Prints the wall time of reading and composing and the peak
// resident memory of the process, so `Benchmarks/run.py` can show them beside
// Taskloop's whole load.
//
// Usage: taskloop-yaml-floor FILE
import Foundation
import Yams

#if canImport(Glibc)
import Glibc
#endif

let arguments = CommandLine.arguments
guard arguments.count == 2 else {
    FileHandle.standardError.write(Data("usage: taskloop-yaml-floor FILE\n".utf8))
    exit(2)
}
let clock = ContinuousClock()
let started = clock.now
do {
    let data = try Data(contentsOf: URL(fileURLWithPath: arguments[1]))
    guard let text = String(validating: data, as: UTF8.self) else {
        FileHandle.standardError.write(Data("\(arguments[1]) is not UTF-8\n".utf8))
        exit(1)
    }
    let parser = try Parser(yaml: text, resolver: .basic, constructor: .default, encoding: .utf8)
    let root = try parser.singleRoot()
    let elapsed = clock.now - started
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    // Keeps the tree alive until measured, as a loader holds it while converting.
    withExtendedLifetime(root) {
        print("compose_seconds=\(seconds) peak_kib=\(usage.ru_maxrss)")
    }
} catch {
    FileHandle.standardError.write(Data("\(error)\n".utf8))
    exit(1)
}
