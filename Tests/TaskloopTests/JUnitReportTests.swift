import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import Taskloop

/// `--junit`: a test case per step, in the shape CI test reporters read.
@Suite struct JUnitReportTests {
    @Test func aFixedRunRendersExactly() {
        let xml = JUnitReport(record: CIRunFixture.record, outputs: CIRunFixture.outputs).render()
        #expect(xml == """
            <?xml version="1.0" encoding="UTF-8"?>
            <testsuites name="ci" tests="5" failures="2" errors="1" time="1.250">
              <testsuite name="ci" tests="5" failures="2" errors="1" skipped="1" time="1.250" timestamp="2026-11-25T12:00:00" hostname="runner-1">
                <properties>
                  <property name="run-id" value="20261125-120000-abcd"/>
                  <property name="file" value="ci.yaml"/>
                  <property name="status" value="failure"/>
                </properties>
                <testcase name="build" classname="ci" time="0.400" file="ci.yaml" line="2">
                  <system-out>compiling
            linked
            </system-out>
                </testcase>
                <testcase name="lint" classname="ci" time="0.150" file="ci.yaml" line="4">
                  <failure message="exited with status 1" type="exit 1">exited with status 1
            (continue-on-error: this failure did not fail the run)

            style: x | y

            last lines of output:
            style: x | y
            </failure>
                  <system-out>style: x | y
            </system-out>
                </testcase>
                <testcase name="test" classname="ci" time="0.600" file="ci.yaml" line="7">
                  <failure message="exited with status 2 (after 2 attempts)" type="exit 2">exited with status 2 (after 2 attempts)
            attempt 1: exited with status 2

            assertion failed: 2 == 3

            last lines of output:
            ok 1
            ok 2
            assertion failed: 2 == 3
            </failure>
                  <system-out>[2048 earlier bytes of output were dropped]
            ok 1
            ok 2
            assertion failed: 2 == 3
            </system-out>
                </testcase>
                <testcase name="upload" classname="ci" time="0.800" file="ci.yaml" line="10">
                  <error message="cancelled: the run stopped after `test` failed" type="cancelled">cancelled: the run stopped after `test` failed

            last lines of output:
            uploading
            </error>
                  <system-out>uploading
            </system-out>
                </testcase>
                <testcase name="deploy" classname="ci" time="0.000" file="deploy.yaml" line="3">
                  <skipped message="needs `test`, which did not succeed"/>
                </testcase>
              </testsuite>
            </testsuites>

            """)
    }

    @Test func theReportParsesWithTheJUnitShapeAndCounts() throws {
        let xml = JUnitReport(record: CIRunFixture.record, outputs: CIRunFixture.outputs).render()
        let document = try XMLDocument(xmlString: xml, options: [])
        let root = try #require(document.rootElement())
        #expect(root.name == "testsuites")
        let suites = root.elements(forName: "testsuite")
        #expect(suites.count == 1)
        let suite = try #require(suites.first)
        #expect(suite.attribute(forName: "name")?.stringValue == "ci")
        #expect(suite.attribute(forName: "tests")?.stringValue == "5")
        #expect(suite.attribute(forName: "failures")?.stringValue == "2")
        #expect(suite.attribute(forName: "errors")?.stringValue == "1")
        #expect(suite.attribute(forName: "skipped")?.stringValue == "1")
        let cases = suite.elements(forName: "testcase")
        #expect(cases.compactMap { $0.attribute(forName: "name")?.stringValue } == ["build", "lint", "test", "upload", "deploy"])
        #expect(cases.allSatisfy { $0.attribute(forName: "classname")?.stringValue == "ci" })
        // The counts agree with the children.
        #expect(cases.filter { !$0.elements(forName: "failure").isEmpty }.count == 2)
        #expect(cases.filter { !$0.elements(forName: "error").isEmpty }.count == 1)
        #expect(cases.filter { !$0.elements(forName: "skipped").isEmpty }.count == 1)
        let test = cases[2]
        let failure = try #require(test.elements(forName: "failure").first)
        #expect(failure.attribute(forName: "message")?.stringValue == "exited with status 2 (after 2 attempts)")
        #expect(failure.attribute(forName: "type")?.stringValue == "exit 2")
        #expect(failure.stringValue?.contains("assertion failed: 2 == 3") == true)
        #expect(test.elements(forName: "system-out").first?.stringValue?.hasPrefix("[2048 earlier bytes of output were dropped]\nok 1\n") == true)
    }

    @Test func nastyTextIsEscapedAndTheDocumentStaysValid() throws {
        let nasty = "say \"hi\" & 'bye' <b>\tend]]>\r\n\u{1B}[31mred\u{1B}[0m \u{0}\u{8}\u{FFFE} ok"
        var started = CIRunFixture.started
        started.pipeline = "p <&> \"q\""
        started.steps = [.init(id: "s", kind: "shell", detail: "", needs: [], file: "a&b<c>.yaml", line: 1, column: 1)]
        let record = RunRecord(events: [
            TimelineEvent(time: 0, .runStarted(started)),
            TimelineEvent(time: 0, .stepStarted(StepStarted(step: "s", attempt: 1, lane: "loop"))),
            TimelineEvent(time: 10, .stepFinished(StepFinished(
                step: "s", attempt: 1, lane: "loop", status: .failure, error: nasty, details: [nasty]))),
            TimelineEvent(time: 20, .runFinished(RunFinished(status: .failure, succeeded: 0, failed: 1, cancelled: 0, skipped: 0))),
        ])
        let xml = JUnitReport(record: record, outputs: ["s": CapturedOutput(text: nasty + "\n")]).render()
        #expect(xml.contains("<testsuite name=\"p &lt;&amp;&gt; &quot;q&quot;\""))
        #expect(xml.contains("file=\"a&amp;b&lt;c&gt;.yaml\""))
        let escapedAttribute = "say &quot;hi&quot; &amp; &apos;bye&apos; &lt;b&gt;&#9;end]]&gt;&#13;&#10;\\u{1B}[31mred\\u{1B}[0m \\u{0}\\u{8}\\u{FFFE} ok"
        #expect(xml.contains("<failure message=\"\(escapedAttribute)\" type=\"shell\">"))
        let escapedText = "say \"hi\" &amp; 'bye' &lt;b&gt;\tend]]&gt;&#13;\n\\u{1B}[31mred\\u{1B}[0m \\u{0}\\u{8}\\u{FFFE} ok"
        #expect(xml.contains("<system-out>\(escapedText)\n</system-out>"))
        #expect(!xml.contains("]]>"))
        #expect(!xml.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" && $0 != "\t" })

        // A parser reads back exactly the text, less the characters XML cannot carry.
        let readable = nasty
            .replacingOccurrences(of: "\u{1B}", with: "\\u{1B}").replacingOccurrences(of: "\u{0}", with: "\\u{0}")
            .replacingOccurrences(of: "\u{8}", with: "\\u{8}").replacingOccurrences(of: "\u{FFFE}", with: "\\u{FFFE}")
        let document = try XMLDocument(xmlString: xml, options: [])
        let failure = try #require(try document.nodes(forXPath: "//failure").first as? XMLElement)
        #expect(failure.attribute(forName: "message")?.stringValue == readable)
        let output = try #require(try document.nodes(forXPath: "//system-out").first)
        #expect(output.stringValue == readable + "\n")
        #expect(try document.nodes(forXPath: "/testsuites/testsuite/@name").first?.stringValue == "p <&> \"q\"")
    }

    @Test func aRunThatDidNotFinishCountsItsRunningStepAsAnError() throws {
        let record = RunRecord(events: Array(CIRunFixture.events.prefix(6)))
        let xml = JUnitReport(record: record, outputs: [:]).render()
        #expect(xml.contains("<testsuite name=\"ci\" tests=\"5\" failures=\"1\" errors=\"1\" skipped=\"2\" time=\"0.400\""))
        #expect(xml.contains("<error message=\"the run ended before this step finished\" type=\"unfinished\"/>"))
        #expect(xml.contains("<skipped message=\"not run\"/>"))
        #expect(xml.contains("<property name=\"status\" value=\"unfinished\"/>"))
        _ = try XMLDocument(xmlString: xml, options: [])
    }

    @Test func secondsHaveThreeDecimals() {
        #expect(ReportFormat.seconds(0) == "0.000")
        #expect(ReportFormat.seconds(1_499) == "0.001")
        #expect(ReportFormat.seconds(1_500) == "0.002")
        #expect(ReportFormat.seconds(61_234_567) == "61.235")
    }
}
