import Foundation
import Testing
import ZTICore

@testable import ZTIAsterisk
@testable import ZTIPBXSim

/// The simulator's scenario format: parsed, rendered in each family's dialect, and tracked the same way.
// Each test awaits events from real sockets: a time limit fails one that never gets them instead of hanging the run.
@Suite(.timeLimit(.minutes(2))) struct SimScenarioTests {
    static func scenario(_ name: String) throws -> SimScenario {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "Scenarios/" + name)
        return try SimScenario(String(contentsOf: url, encoding: .utf8))
    }

    @Test func stepsAndTimes() throws {
        let parsed = try SimScenario(
            "at 1 inbound c from 0312 to 0600\n+0.5 ring c 101 102  # both\n\nat 4 answer c 102\n")
        #expect(
            parsed.steps == [
                .init(at: 1000, action: .inbound(call: "c", from: "0312", to: "0600")),
                .init(at: 1500, action: .ring(call: "c", extensions: ["101", "102"])),
                .init(at: 4000, action: .answer(call: "c", party: "102")),
            ])
    }

    @Test func errorsNameTheLine() {
        #expect(throws: SimScenario.ParseError(line: 2, message: "\"1o1\" is not a number")) {
            try SimScenario("inbound c from 1 to 2\nring c 1o1")
        }
        #expect(throws: SimScenario.ParseError.self) { try SimScenario("at soon hangup c") }
        #expect(throws: SimScenario.ParseError.self) { try SimScenario("dance c") }
        #expect(throws: SimScenario.ParseError.self) { try SimScenario("# nothing\n") }
    }

    /// A PBX that runs for months: call after call through one tracker leaves no channel, call or bridge behind
    /// (12+ name every bridge afresh, and the simulator, like Asterisk, leaves it before hanging up).
    @Test(arguments: ["1.4", "11", "12"])
    func finishedCallsLeaveNothingBehind(familyName: String) throws {
        let family = AMIFamily(rawValue: familyName)!
        let scenario = try Self.scenario("ring-group.scn")
        var tracker = AsteriskCallTracker(directory: MemberDirectory(replayGroup: "sim"), family: family)
        var finals: [String] = []
        for instance in 0..<50 {
            var runner = SimScenarioRunner(family: family, uniqueidPrefix: "1732526400", counterBase: instance * 100)
            for step in scenario.steps {
                let time = EventTime(millisecondsSinceEpoch: 1_732_526_400_000 + Int64(instance * 100_000) + step.at)
                for headers in runner.events(step.action) {
                    let message = AMIMessage(kind: .event, headers: headers.map { AMIHeader($0.0, $0.1) })
                    finals += tracker.handle(message, receivedAt: time).filter(\.state.isTerminal).map {
                        "\($0.extension) \($0.state)"
                    }
                }
            }
        }
        #expect(finals.count == 100)
        #expect(Set(finals) == ["101 ended", "102 ended"])
        #expect(tracker.core.channels.isEmpty)
        #expect(tracker.core.calls.isEmpty)
        #expect(tracker.core.bridges.isEmpty)
        #expect(tracker.core.callByLinkedid.isEmpty)
        #expect(tracker.core.talkedWith.isEmpty)
    }

    /// Plays `scenario` against a simulator of `family` and returns the tracked events once `count` arrived.
    static func track(_ scenario: SimScenario, family: AMIFamily, count: Int) async throws -> [CallEvent] {
        let harness = try await Harness(family: family)
        harness.tracker = TrackerBox(MemberDirectory(replayGroup: "sim"))
        _ = await harness.next {
            if case .resynced = $0 { return true }
            return false
        }
        let simulator = harness.simulator
        Task { await simulator.play(scenario) }
        _ = await harness.next { _ in harness.emitted.count >= count }
        return harness.emitted
    }

    @Test(arguments: ["1.4", "11", "12"])
    func aRingGroupIsTrackedAlikeInEveryFamily(familyName: String) async throws {
        let events = try await Self.track(
            try Self.scenario("ring-group.scn"), family: AMIFamily(rawValue: familyName)!, count: 5)
        #expect(
            events.map { "\($0.extension) \($0.state)" } == [
                "101 ringing", "102 ringing", "102 answered", "101 ended", "102 ended",
            ])
        #expect(events[3].cause == .answeredElsewhere)
        #expect(events.allSatisfy { $0.from == "0312345678" && $0.direction == .inbound })
    }

    @Test(arguments: ["1.4", "11", "12"])
    func missedCallsAreTrackedAlikeInEveryFamily(familyName: String) async throws {
        let events = try await Self.track(
            try Self.scenario("missed.scn"), family: AMIFamily(rawValue: familyName)!, count: 4)
        #expect(
            events.map { "\($0.state) \($0.cause?.rawValue ?? "")" } == [
                "ringing ", "missed cancelled", "ringing ", "missed noAnswer",
            ])
    }

    @Test(arguments: ["1.4", "11", "12"])
    func aBusyOutboundCallFailsInEveryFamily(familyName: String) async throws {
        let events = try await Self.track(
            try Self.scenario("outbound-busy.scn"), family: AMIFamily(rawValue: familyName)!, count: 2)
        #expect(events.map(\.state) == [.ringing, .failed])
        #expect(events.last?.cause == .busy)
        #expect(events.first?.dialled == "90312345678")
    }

    @Test func aBoundedLoadStartsCallsAtTheRate() async throws {
        let harness = try await Harness(family: .v12)
        harness.tracker = TrackerBox(MemberDirectory(replayGroup: "load"))
        _ = await harness.next {
            if case .resynced = $0 { return true }
            return false
        }
        let simulator = harness.simulator
        let scenario = try Self.scenario("ring-group.scn")
        let started = await simulator.load([scenario], rate: 40, duration: .milliseconds(500))
        #expect((15...25).contains(started))
        _ = await harness.next { _ in harness.emitted.filter { $0.state == .ended }.count >= started * 2 }
        #expect(Set(harness.emitted.map(\.callId)).count == started)
        #expect(harness.emitted.filter { $0.state == .answered }.count == started)
    }
}
