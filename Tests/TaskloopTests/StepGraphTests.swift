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

@Suite struct DependencyReachabilityTests {
    /// Every pair of steps, asked in `order`, against the transitive needs of each.
    func expectAgreesWithTransitiveDependencies(_ graph: StepGraph, order: [(Int, Int)]) {
        let reachability = DependencyReachability(graph: graph)
        for (step, target) in order {
            let expected = graph.transitiveDependencies(of: step).contains(target)
            #expect(reachability.needs(step, target) == expected, "step \(step) needs \(target)")
        }
    }

    func allPairs(_ count: Int) -> [(Int, Int)] {
        (0..<count).flatMap { step in (0..<count).map { (step, $0) } }
    }

    @Test func aDiamondAndABystander() {
        // 1 and 2 need 0; 3 needs 1 and 2; 4 needs nothing.
        let graph = StepGraph(dependencies: [[], [0], [0], [1, 2], []])
        let reachability = DependencyReachability(graph: graph)
        #expect(reachability.needs(3, 0))
        #expect(reachability.needs(3, 2))
        #expect(!reachability.needs(1, 2))
        #expect(!reachability.needs(4, 0))
        #expect(!reachability.needs(0, 3))
        #expect(!reachability.needs(3, 3))
        expectAgreesWithTransitiveDependencies(graph, order: allPairs(5))
        expectAgreesWithTransitiveDependencies(graph, order: allPairs(5).reversed())
    }

    @Test func remembersAnswersAcrossAChainInEitherOrder() {
        let chain = StepGraph(dependencies: [[]] + (1..<50).map { [$0 - 1] })
        // Every link reading the first step, the way a long pipeline does, then all pairs.
        expectAgreesWithTransitiveDependencies(chain, order: (0..<50).map { ($0, 0) } + allPairs(50))
        expectAgreesWithTransitiveDependencies(chain, order: (0..<50).reversed().map { ($0, 0) } + allPairs(50).reversed())
    }

    @Test func graphsWithCyclesAreAnsweredToo() {
        // 0 -> 1 -> 2 -> 0 is a cycle; 3 needs 0; 4 needs 3; 5 needs itself.
        let graph = StepGraph(dependencies: [[1], [2], [0], [0], [3], [5]])
        let reachability = DependencyReachability(graph: graph)
        #expect(reachability.needs(0, 0))
        #expect(reachability.needs(4, 2))
        #expect(!reachability.needs(0, 3))
        #expect(reachability.needs(5, 5))
        expectAgreesWithTransitiveDependencies(graph, order: allPairs(6))
        expectAgreesWithTransitiveDependencies(graph, order: allPairs(6).reversed())
    }

    @Test func randomGraphsAgreeWithTheTransitiveNeeds() {
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ bound: Int) -> Int {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((seed >> 33) % UInt64(bound))
        }
        for round in 0..<20 {
            let count = 30
            // Without cycles: each step needs up to three earlier ones; every
            // fifth graph also gets a few needs on later steps (cycles).
            let dependencies = (0..<count).map { step in
                var needs = step == 0 ? [] : (0..<next(4)).map { _ in next(step) }
                if round % 5 == 4, next(6) == 0 { needs.append(next(count)) }
                return needs
            }
            let graph = StepGraph(dependencies: dependencies)
            let pairs = allPairs(count)
            let shuffled = pairs.indices.map { _ in pairs[next(pairs.count)] }
            expectAgreesWithTransitiveDependencies(graph, order: shuffled + pairs)
        }
    }
}

@Suite struct NearestNameTests {
    @Test(arguments: [
        ("biuld", ["build", "test"], "build"), ("BIULD", ["build"], "build"), ("tset", ["test", "deploy"], "test"),
        ("Cafe", ["café", "tea"], "café"), ("deploy", ["build", "test"], nil), ("nope1234", ["s1", "s2"], nil),
    ] as [(String, [String], String?)])
    func suggestsTheNearestName(typed: String, candidates: [String], expected: String?) {
        #expect(NearestName.find(typed, among: candidates) == expected)
    }

    @Test func aDistanceOverItsLimitIsOnlyKnownToBeOver() {
        #expect(NearestName.editDistance(Array("kitten"), Array("sitting")) == 3)
        #expect(NearestName.editDistance(Array("kitten"), Array("sitting"), limit: 3) == 3)
        #expect(NearestName.editDistance(Array("kitten"), Array("sitting"), limit: 1) > 1)
        #expect(NearestName.editDistance(Array("abcdef".utf8), Array("badcfe".utf8), limit: 3) == 3)
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
