import Testing
@testable import Taskloop

@Suite struct StepGraphTests {
    @Test func topologicalOrderPutsNeedsFirstAndOtherwiseKeepsFileOrder() {
        // 0 needs 2; 1 needs nothing; 2 needs 1; 3 needs nothing.
        let graph = StepGraph(dependencies: [[2], [], [1], []])
        #expect(graph.topologicalOrder() == [1, 2, 0, 3])
        #expect(graph.dependents[1] == [2])
    }

    @Test func cyclesAreFoundOncePerGroupAndFollowNeeds() {
        // 0 -> 1 -> 2 -> 0 is one cycle; 3 needs itself; 4 needs 0 but is on no cycle.
        let graph = StepGraph(dependencies: [[1], [2], [0], [3], [0]])
        #expect(graph.cycles() == [[0, 1, 2, 0], [3, 3]])
        #expect(graph.topologicalOrder().isEmpty)
    }

    @Test func aGraphWithoutCyclesHasNone() {
        #expect(StepGraph(dependencies: [[], [0], [0, 1]]).cycles().isEmpty)
    }

    @Test func transitiveDependencies() {
        let graph = StepGraph(dependencies: [[], [0], [1], [], [2, 3]])
        #expect(graph.transitiveDependencies(of: 4) == [0, 1, 2, 3])
        #expect(graph.transitiveDependencies(of: 0) == [])
    }

    @Test func aHundredThousandStepChainNeedsNoRecursion() {
        let count = 100_000
        let chain = StepGraph(dependencies: [[]] + (1..<count).map { [$0 - 1] })
        #expect(chain.topologicalOrder().count == count)
        #expect(chain.cycles().isEmpty)
        let loop = StepGraph(dependencies: [[count - 1]] + (1..<count).map { [$0 - 1] })
        #expect(loop.cycles().first?.count == count + 1)
    }
}

@Suite struct DurationParsingTests {
    @Test(arguments: [
        ("250ms", Duration.milliseconds(250)), ("1.5s", .milliseconds(1500)), ("2m", .seconds(120)),
        ("1h", .seconds(3600)), ("3", .seconds(3)), ("0.25", .milliseconds(250)), ("1m30s", .seconds(90)),
        ("0s", .zero), (" 10s ", .seconds(10)), ("500us", .microseconds(500)),
        // Text beyond ASCII takes the general path: the same rules.
        ("500µs", .microseconds(500)), ("\u{00A0}2s\u{00A0}", .seconds(2)), ("1m\u{2009}", .seconds(60)),
    ])
    func validDurations(text: String, expected: Duration) {
        #expect(Duration(parsing: text) == expected)
    }

    @Test(arguments: ["", "s", "-1s", "1.5x", "5 minutes", "ms250", "1e3", "nan", "inf", "1..2s", "99999999999999999h",
        "\u{0661}s", "5µ", "2é"])
    func invalidDurations(text: String) {
        #expect(Duration(parsing: text) == nil)
    }

    @Test func compactDescriptions() {
        #expect(Duration.microseconds(850).compactDescription == "850µs")
        #expect(Duration.milliseconds(12).compactDescription == "12ms")
        #expect(Duration.milliseconds(1250).compactDescription == "1.25s")
        #expect(Duration.seconds(125).compactDescription == "2m05s")
    }
}
