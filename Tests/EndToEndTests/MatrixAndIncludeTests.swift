import Foundation
import Taskloop
import Testing

/// `matrix:` and `include:` through the real binary: `run`, `validate` and
/// the event log see the expanded steps and the file of each.
@Suite(.serialized) struct MatrixAndIncludeTests {
    @Test func aPipelineWithAMatrixAndAnIncludedFileRuns() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder + "/ci", withIntermediateDirectories: true)
        try """
            steps:
              lint: { shell: echo linted }
            """.write(toFile: folder + "/ci/lint.yaml", atomically: true, encoding: .utf8)
        try """
            include: [ci/lint.yaml]
            steps:
              test:
                needs: lint
                matrix:
                  os: [linux, mac]
                  swift: ["6.0", "6.1"]
                  exclude: [{ os: mac, swift: "6.0" }]
                shell: echo "test on ${{ matrix.os }} with ${{ matrix.swift }}"
              done:
                needs: test
                env: { MAC: "${{ steps['test[os=mac,swift=6.1]'].outputs.stdout }}" }
                shell: echo "mac said $MAC"
            """.write(toFile: folder + "/p.yaml", atomically: true, encoding: .utf8)

        let validate = try TaskloopBinary.run(["validate", "p.yaml"], in: folder)
        #expect(validate.exitCode == 0, "\(validate.standardError)")
        #expect(validate.standardOutput == "p.yaml: ok (5 steps)\n")

        let result = try TaskloopBinary.run(["run", "p.yaml", "--events", "events.jsonl"], in: folder)
        #expect(result.exitCode == 0, "\(result.standardOutput)\(result.standardError)")
        #expect(result.standardOutput.contains("[lint] linted\n"))
        #expect(result.standardOutput.contains("[test[os=linux,swift=6.0]] test on linux with 6.0\n"))
        #expect(result.standardOutput.contains("[test[os=linux,swift=6.1]] test on linux with 6.1\n"))
        #expect(result.standardOutput.contains("[test[os=mac,swift=6.1]] test on mac with 6.1\n"))
        #expect(!result.standardOutput.contains("test on mac with 6.0"))
        #expect(result.standardOutput.contains("[done] mac said test on mac with 6.1\n"))
        #expect(result.standardOutput.contains("· 5 succeeded"))

        let record = RunRecord(events: try EventLog.read(path: folder + "/events.jsonl").events)
        #expect(record.steps.map { "\($0.id) \($0.file):\($0.line)" } == [
            "lint ci/lint.yaml:2", "test[os=linux,swift=6.0] p.yaml:3", "test[os=linux,swift=6.1] p.yaml:3",
            "test[os=mac,swift=6.1] p.yaml:3", "done p.yaml:10",
        ])
    }

    @Test func anErrorInAnIncludedFileShowsThatFilesLine() throws {
        let folder = try makeScratchFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "steps:\n  lint:\n    matrix: { os: [linux] }\n    shell: echo ${{ matrix.oss }}\n"
            .write(toFile: folder + "/lint.yaml", atomically: true, encoding: .utf8)
        try "include: lint.yaml\n".write(toFile: folder + "/p.yaml", atomically: true, encoding: .utf8)
        let result = try TaskloopBinary.run(["validate", "p.yaml"], in: folder)
        #expect(result.exitCode == 2)
        #expect(result.standardError.contains("""
            lint.yaml:4:21: error: `shell` of step `lint`: the matrix of this step has no key `oss`; did you mean `os`?
                shell: echo ${{ matrix.oss }}
                                ^
            """))
    }
}
