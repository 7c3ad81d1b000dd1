import Foundation
import Testing
import TaskloopTestServer
@testable import Taskloop

/// Outputs flowing between steps, expressions filled in at run time, and `if:`.
@Suite(.serialized) struct StepOutputsTests {
    @Test func shellStepsPublishOutputsThroughTheirOutputFile() async throws {
        let (report, folder) = try await runPipeline("""
            steps:
              produce:
                shell: |
                  echo "version=1.2.3" >> "$TASKLOOP_OUTPUT"
                  printf 'notes<<END\\nline one\\nline = two\\nEND\\n' >> "$TASKLOOP_OUTPUT"
              consume:
                needs: produce
                env: { VERSION: "${{ steps.produce.outputs.version }}", NOTES: "${{ steps.produce.outputs.notes }}" }
                shell: printf '%s|%s' "$VERSION" "$NOTES"
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(try report.outputs("produce")["version"] == .string("1.2.3"))
        #expect(try report.outputs("produce")["notes"] == .string("line one\nline = two"))
        #expect(try report.outputs("consume")["stdout"] == .string("1.2.3|line one\nline = two"))
    }

    /// An output may hold a NUL; filled into a command, a variable or a path
    /// it would be cut there, so the step that would use it fails instead.
    @Test func anOutputHoldingNULFailsTheStepThatWouldPasteIt() async throws {
        let (report, folder) = try await runPipeline("""
            steps:
              produce:
                shell: printf 'x=a\\000b\\n' >> "$TASKLOOP_OUTPUT"
              command: { needs: produce, shell: "echo ${{ steps.produce.outputs.x }}" }
              variable: { needs: produce, shell: "echo $V", env: { V: "${{ steps.produce.outputs.x }}" } }
              path: { needs: produce, file: { write: "${{ steps.produce.outputs.x }}.txt", content: hi } }
            """, policy: .keepGoing)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(try report.outputs("produce")["x"] == .string("a\u{0}b"))
        let nul = "a value filled in holds a NUL character, which no file name, command, environment variable or URL can carry (it would be cut there)"
        #expect(report.step("command")?.error == "`shell` of step `command`: \(nul)")
        #expect(report.step("variable")?.error == "`env.V`: \(nul)")
        #expect(report.step("path")?.error == "`file` of step `path`: \(nul)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/a.txt"))
    }

    @Test func aMalformedOutputFileFailsTheStep() async throws {
        let (report, folder) = try await runPipeline("""
            steps:
              bad: { shell: echo "just words" >> "$TASKLOOP_OUTPUT" }
              open: { shell: echo "x<<EOF" >> "$TASKLOOP_OUTPUT" }
            """, policy: .keepGoing)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(report.step("bad")?.error == "$TASKLOOP_OUTPUT line 1: expected `NAME=VALUE` or `NAME<<DELIMITER`")
        #expect(report.step("open")?.error == "$TASKLOOP_OUTPUT line 1: `x<<EOF` is never closed: end the value with a line `EOF`")
    }

    @Test func anOutputFileOverOneMebibyteFailsTheStepAndIsRemoved() async throws {
        let (report, folder) = try await runPipeline("""
            steps:
              big: { shell: head -c 1048577 /dev/zero | tr '\\0' a >> "$TASKLOOP_OUTPUT" }
              fine: { shell: echo "size=1" >> "$TASKLOOP_OUTPUT" }
            """, policy: .keepGoing)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let error = try #require(report.step("big")?.error)
        #expect(error.hasPrefix("cannot read $TASKLOOP_OUTPUT ("))
        #expect(error.hasSuffix("it holds more than 1 MiB; write large results to a file of your own and its path to $TASKLOOP_OUTPUT"))
        #expect(try report.outputs("fine")["size"] == .string("1"))
        // Neither step's output file outlives it.
        let outputs = (report.eventLogPath as NSString).deletingLastPathComponent + "/outputs"
        #expect(try FileManager.default.contentsOfDirectory(atPath: outputs).isEmpty)
    }

    @Test func theOutputFileIsThereEmptyAsTheCommandStarts() async throws {
        let (report, folder) = try await runPipeline("""
            steps:
              look: { shell: 'test -f "$TASKLOOP_OUTPUT" && test ! -s "$TASKLOOP_OUTPUT" && echo there' }
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(try report.outputs("look")["stdout"] == .string("there"))
    }

    @Test func aCommandThatReplacesItsOutputFilePublishesTheNewOne() async throws {
        // The file Taskloop made (and holds open) is unlinked by the `mv`:
        // the outputs come from the file now at the path, read afresh.
        let (report, folder) = try await runPipeline("""
            steps:
              swap: { shell: 'echo "kind=replaced" > made.txt && mv made.txt "$TASKLOOP_OUTPUT"' }
              gone: { shell: 'rm "$TASKLOOP_OUTPUT"' }
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(try report.outputs("swap")["kind"] == .string("replaced"))
        #expect(try report.outputs("gone")["exit-code"] == JSONValue(0))
    }

    @Test func somethingOtherThanAFileAtTheOutputPathFailsTheStepInsteadOfHangingIt() async throws {
        // Opening a FIFO to read waits for a writer: the run hung here forever.
        let (report, folder) = try await runPipeline("""
            steps:
              fifo: { shell: 'rm "$TASKLOOP_OUTPUT" && mkfifo "$TASKLOOP_OUTPUT"' }
              tty: { shell: 'rm "$TASKLOOP_OUTPUT" && ln -s /dev/null "$TASKLOOP_OUTPUT"' }
              dir: { shell: 'rm "$TASKLOOP_OUTPUT" && mkdir "$TASKLOOP_OUTPUT"' }
            """, policy: .keepGoing)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let fifo = try #require(report.step("fifo")?.error)
        #expect(fifo.hasPrefix("cannot read $TASKLOOP_OUTPUT ("), "\(fifo)")
        #expect(fifo.hasSuffix("): the command left a named pipe (FIFO) there, not a file; append `NAME=VALUE` lines to the file instead"), "\(fifo)")
        #expect(report.step("tty")?.error?.contains("the command left a character device there") == true)
        #expect(report.step("dir")?.error?.contains("the command left a folder there") == true)
        // The FIFO and the link are removed with the step; the folder is the command's to keep.
        let outputs = (report.eventLogPath as NSString).deletingLastPathComponent + "/outputs"
        #expect(try FileManager.default.contentsOfDirectory(atPath: outputs).count == 1)
    }

    @Test func noOutputFileOutlivesItsRunWhetherStepsSucceedFailTimeOutOrCannotStart() async throws {
        var yaml = "limits: { io: 16 }\nsteps:\n"
        for index in 0..<60 { yaml += "  quiet\(index): { shell: 'true' }\n" }
        yaml += """
              says: { shell: 'echo "n=1" >> "$TASKLOOP_OUTPUT"' }
              fails: { shell: 'exit 3' }
              slow: { shell: 'sleep 60', timeout: 1s }
              lost: { cwd: nowhere, shell: 'true' }

            """
        let (report, folder) = try await runPipeline(yaml, policy: .keepGoing)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(report.status("quiet59") == .success)
        #expect(try report.outputs("says")["n"] == .string("1"))
        #expect(report.status("fails") == .failure)
        #expect(report.step("slow")?.error == "timed out after 1.00s (the step's `timeout`)")
        #expect(report.step("lost")?.error?.hasPrefix("could not start /bin/sh in") == true)
        // Every step's file was made; the run removed each one before it returned.
        let outputs = (report.eventLogPath as NSString).deletingLastPathComponent + "/outputs"
        #expect(try FileManager.default.contentsOfDirectory(atPath: outputs) == [])
    }

    @Test func aStepStillPublishesOutputsAfterTheRunsFolderWasRemoved() async throws {
        // The first step removes the run's folder (where the output files
        // live, its own too: it has no outputs); the second one's file is
        // made again, folders and all.
        let (report, folder) = try await runPipeline("""
            steps:
              remove: { shell: 'rm -rf "$(dirname "$(dirname "$TASKLOOP_OUTPUT")")"' }
              publish: { needs: remove, shell: 'echo "size=2" >> "$TASKLOOP_OUTPUT"' }
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // The event log went with the folder: the outputs come from the run's record.
        #expect(report.status == .success)
        #expect(report.step("remove")?.outputs?["exit-code"] == JSONValue(0))
        #expect(report.step("publish")?.outputs?["size"] == .string("2"))
    }

    @Test func kindConfigurationsAreFilledInBeforeTheStepRuns() async throws {
        let (report, folder) = try await runPipeline("""
            params: { nap: 20ms, name: notes }
            steps:
              write: { file: { write: "out/${{ params.name }}.txt", content: "nap ${{ params.nap }}" } }
              read: { needs: write, file: { read: "${{ steps.write.outputs.path }}" } }
              wait: { sleep: "${{ params.nap }}" }
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(report.status == .success)
        #expect(try report.outputs("read")["content"] == .string("nap 20ms"))
        #expect(try #require(report.step("wait")?.duration) >= 20_000)
    }

    @Test func aValueThatIsWrongOnceFilledInFailsTheStep() async throws {
        let (report, folder) = try await runPipeline("""
            params: { nap: soon }
            steps:
              wait: { sleep: "${{ params.nap }}" }
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(report.step("wait")?.error == "with its expressions filled in, line 3: `sleep` of step `wait`: `soon` is not a duration: write a number and a unit, such as 250ms, 1.5s, 2m or 1h (a bare number means seconds)")
    }

    @Test func aFalseIfSkipsTheStepAndItsDependents() async throws {
        let (report, folder) = try await runPipeline("""
            params: { deploy: "no" }
            steps:
              deploy: { if: "params.deploy == 'yes'", shell: echo deploying }
              after: { needs: deploy, shell: echo never }
              other: { if: "${{ params.deploy == 'no' }}", shell: echo other }
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(report.status == .success)
        #expect(report.status("deploy") == .skipped)
        #expect(report.step("deploy")?.skipReason == "`if: params.deploy == 'yes'` was false")
        #expect(report.status("after") == .skipped)
        #expect(report.status("other") == .success)
    }

    @Test func alwaysRunsAfterAFailureEvenDuringFailFast() async throws {
        let (report, folder) = try await runPipeline("""
            steps:
              build: { shell: exit 1 }
              slow: { sleep: 30s }
              test: { needs: build, shell: echo never }
              cleanup:
                needs: [test, slow]
                if: always()
                shell: echo "build ${{ steps.build.status }}, test ${{ steps.test.status }}, slow ${{ steps.slow.status }}"
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(report.status == .failure)
        #expect(report.status("slow") == .cancelled)
        #expect(report.status("cleanup") == .success)
        #expect(try report.outputs("cleanup")["stdout"] == .string("build failure, test skipped, slow cancelled"))
    }

    @Test func failureAndSuccessFollowTheNeeds() async throws {
        let (report, folder) = try await runPipeline("""
            steps:
              fine: { shell: echo fine }
              broken: { shell: exit 3 }
              on-failure:
                needs: broken
                if: failure()
                shell: echo "exit ${{ steps.broken.outputs.exit-code }}"
              not-on-success: { needs: fine, if: failure(), shell: echo never }
              on-success: { needs: fine, if: success(), shell: echo ok }
              on-cancel: { needs: fine, if: cancelled(), shell: echo never }
            """, policy: .keepGoing)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(report.status("on-failure") == .success)
        #expect(try report.outputs("on-failure")["stdout"] == .string("exit 3"))
        #expect(report.status("not-on-success") == .skipped)
        #expect(report.status("on-success") == .success)
        #expect(report.status("on-cancel") == .skipped)
    }

    @Test func cancelledRunsWhenFailFastStopsTheRun() async throws {
        let (report, folder) = try await runPipeline("""
            steps:
              broken: { shell: exit 1 }
              long: { sleep: 30s }
              notify: { needs: long, if: cancelled(), shell: echo notified }
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(report.status("long") == .cancelled)
        #expect(report.status("notify") == .success)
    }

    @Test func httpOutputsFeedLaterSteps() async throws {
        try await withTestServer { server in
        let (report, folder) = try await runPipeline("""
            params: { base: "\(server.baseURL)" }
            steps:
              api: { http: { url: "${{ params.base }}/json" } }
              first:
                needs: api
                env: { NAME: "${{ steps.api.outputs.json.items[0].name }}", TITLE: "${{ steps.api.outputs.json.title }}" }
                shell: printf '%s / %s' "$NAME" "$TITLE"
              echo:
                needs: api
                http:
                  url: ${{ params.base }}/echo
                  method: POST
                  json: { count: "${{ steps.api.outputs.json.count }}", second: "${{ steps.api.outputs.json.items[1].name }}" }
            """)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        #expect(report.status == .success)
        #expect(try report.outputs("first")["stdout"] == .string(#"first / it's "quoted"; rm -rf /"#))
        guard case .object(let echo)? = try report.outputs("echo")["json"] else {
            Issue.record("no echo")
            return
        }
        #expect(echo["body"] == .string(#"{"count":"2","second":"second"}"#))
        }
    }
}
