import Foundation
import Logging
import Testing
import ZTICore
import ZTIPBXSim

@testable import ZTIAsterisk

/// Click-to-dial: the Originate built from a request, and the request end to end against the simulator.
// Each test awaits events from real sockets: a time limit fails one that never gets them instead of hanging the run.
@Suite(.timeLimit(.minutes(2))) struct ClickToDialTests {
    static let request = DialRequest(
        clickToDialId: "c2d-42", group: "sales", extension: "101", user: "4150868000000224005", number: "90312345678")
    static let settings = OriginateSettings(channel: "SIP/{ext}", context: "from-internal", timeout: .seconds(2))

    @Test func theOriginateIsAsyncAndCarriesTheRequestId() throws {
        let action = try ClickToDialOriginate.action(for: Self.request, settings: Self.settings, actionID: "c2d-1")
        #expect(
            String(decoding: try AMIEncoder.encode(action), as: UTF8.self)
                == "Action: Originate\r\nActionID: c2d-1\r\nChannel: SIP/101\r\nContext: from-internal\r\n"
                + "Exten: 90312345678\r\nPriority: 1\r\nCallerID: \"90312345678\" <101>\r\nTimeout: 2000\r\n"
                + "Async: true\r\nVariable: ZTI_CLICKTODIAL=c2d-42\r\n\r\n")
    }

    /// The worker tells its tracker of its own Originate directly; a transcript that recorded the action gives the
    /// tracker the same input, by the same rule.
    @Test func theSentOriginateTellsTheTrackerTheSameLiveAndFromATranscript() throws {
        let action = try ClickToDialOriginate.action(for: Self.request, settings: Self.settings, actionID: "c2d-7")
        let live = try #require(ClickToDialCorrelation.sent(action))
        guard case .clickToDialSent(let actionID, let id, let channel, let exten) = live else {
            Issue.record("not a clickToDialSent: \(live)")
            return
        }
        #expect([actionID, id, channel, exten] == ["c2d-7", "c2d-42", "SIP/101", "90312345678"])
        var decoder = AMIDecoder()
        decoder.feed(try AMIEncoder.encode(action))
        let next = decoder.next()
        let recorded = try #require(next)
        #expect(recorded.kind == .action)
        guard
            case .clickToDialSent(let actionID2, let id2, let channel2, let exten2)? = ClickToDialCorrelation.inputs(
                recorded
            ).first
        else {
            Issue.record("the recorded action gave no input")
            return
        }
        #expect([actionID2, id2, channel2, exten2] == [actionID, id, channel, exten])
        // Another Originate (no request id) tells nothing.
        #expect(
            ClickToDialCorrelation.sent(AMIAction("Originate", actionID: "x", headers: [AMIHeader("Channel", "SIP/1")]))
                == nil)
    }

    @Test func aNumberThatIsNotFinalIsRefusedBeforeAnythingIsSent() {
        let injected = DialRequest(
            clickToDialId: "x", group: "sales", extension: "101", user: "u", number: "101\r\nAction: Logoff")
        #expect(throws: ZTICoreError.self) {
            try ClickToDialOriginate.action(for: injected, settings: Self.settings, actionID: "1")
        }
        let formatted = DialRequest(clickToDialId: "x", group: "sales", extension: "101", user: "u", number: "03-1234")
        #expect(throws: ZTICoreError.self) {
            try ClickToDialOriginate.action(for: formatted, settings: Self.settings, actionID: "1")
        }
    }

    @Test func outcomesFromTheOriginateAndTheCallEvents() {
        var outcomes = ClickToDialOutcomes(group: "sales")
        outcomes.sent(actionID: "c2d-zti-1", clickToDialId: "c2d-42")
        #expect(outcomes.pendingCount == 1)
        let failure = AMIMessage(
            kind: .event,
            headers: [
                AMIHeader("Event", "OriginateResponse"), AMIHeader("ActionID", "c2d-zti-1"),
                AMIHeader("Response", "Failure"), AMIHeader("Reason", "3"),
            ])
        #expect(
            outcomes.observe(failure)
                == DialResult(clickToDialId: "c2d-42", group: "sales", status: .noAnswer, reason: "nobody answered"))
        #expect(outcomes.pendingCount == 0)
        #expect(outcomes.observe(failure) == nil)

        outcomes.sent(actionID: "c2d-zti-2", clickToDialId: "c2d-42")
        var answered = CallEvent(
            group: "sales", pbx: .asterisk, callId: "1.1", direction: .outbound, state: .ringing, extension: "101",
            attempt: 1, at: EventTime(millisecondsSinceEpoch: 0))
        answered.clickToDialId = "c2d-42"
        #expect(outcomes.observe(answered) == nil)
        answered = CallEvent(
            group: "sales", pbx: .asterisk, callId: "1.1", direction: .outbound, state: .answered, extension: "101",
            attempt: 1, at: EventTime(millisecondsSinceEpoch: 5))
        answered.clickToDialId = "c2d-42"
        #expect(outcomes.observe(answered)?.status == .answered)
        #expect(outcomes.expire("c2d-42") == nil)
    }

    @Test func finalResults() {
        #expect(ClickToDialOriginate.failure(reason: "3") == .noAnswer)
        #expect(ClickToDialOriginate.failure(reason: "5") == .busy)
        #expect(ClickToDialOriginate.failure(reason: "8") == .congestion)
        #expect(ClickToDialOriginate.failure(reason: "0") == .failed)
    }

    /// Runs one click-to-dial request against a simulator of `family` and returns the immediate result, the
    /// call events, and the final result.
    static func run(family: AMIFamily, outcome: AMISimulator.OriginateOutcome, writeClasses: Set<String>? = nil)
        async throws -> (DialResult, [CallEvent], DialStatus?)
    {
        let harness = try await Harness(family: family, writeClasses: writeClasses)
        await harness.simulator.setOriginateOutcome(outcome)
        let group = try ConfigurationLoader.loadGroupFile(
            path: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .appendingPathComponent("Transcripts/sales.properties").path
        ).0
        harness.tracker = TrackerBox(MemberDirectory(group: group))
        _ = await harness.next {
            if case .resynced = $0 { return true }
            return false
        }
        // As the worker does: the tracker and the outcomes learn of the Originate before it is sent.
        let action = try harness.client.originateAction(for: Self.request, settings: Self.settings)
        let sent = try #require(ClickToDialCorrelation.sent(action))
        harness.emitted += harness.tracker?.handle(sent, at: .now()) ?? []
        var outcomes = ClickToDialOutcomes(group: "sales")
        outcomes.sent(actionID: try #require(action.actionID), clickToDialId: Self.request.clickToDialId)
        let immediate = await harness.client.originate(action, for: Self.request, timeout: Self.settings.timeout)
        guard immediate.status == .accepted else { return (immediate, [], nil) }
        var final: DialResult?
        var seen = 0
        _ = await harness.next { event in
            if case .message(let message, _) = event, let result = outcomes.observe(message) { final = result }
            for event in harness.emitted.dropFirst(seen) {
                if let result = outcomes.observe(event) { final = result }
            }
            seen = harness.emitted.count
            let closed = harness.emitted.contains { $0.state.isTerminal }
            return final != nil && (final?.status != .answered || closed)
        }
        return (immediate, harness.emitted, final?.status)
    }

    @Test(arguments: ["1.4", "11", "12"])
    func answeredEndToEnd(familyName: String) async throws {
        let (immediate, events, final) = try await Self.run(
            family: AMIFamily(rawValue: familyName)!,
            outcome: .init(member: .answer, customer: .answer, talk: .seconds(1)))
        #expect(immediate.status == .accepted)
        #expect(final == .answered)
        #expect(events.map(\.state) == [.ringing, .answered, .ended])
        #expect(events.allSatisfy { $0.clickToDialId == "c2d-42" && $0.direction == .outbound })
        #expect(events.first?.dialled == "90312345678")
        #expect(events.first?.to == "0312345678")
    }

    @Test(arguments: ["1.4", "11", "12"])
    func theMemberNotAnsweringGivesNoCallEvents(familyName: String) async throws {
        let (immediate, events, final) = try await Self.run(
            family: AMIFamily(rawValue: familyName)!, outcome: .init(member: .noanswer, customer: .answer))
        #expect(immediate.status == .accepted)
        #expect(final == .noAnswer)
        #expect(events.isEmpty)
    }

    @Test func aBusyCustomerFails() async throws {
        let (_, events, final) = try await Self.run(family: .v12, outcome: .init(member: .answer, customer: .busy))
        #expect(final == .busy)
        #expect(events.map(\.state) == [.ringing, .failed])
        #expect(events.last?.cause == .busy)
    }

    @Test func withoutTheOriginateWriteClassTheRequestIsRefused() async throws {
        let (immediate, _, _) = try await Self.run(
            family: .v12, outcome: .init(), writeClasses: ["reporting"])
        #expect(immediate.status == .refused)
        #expect(immediate.reason?.contains("lacks the 'originate' write class") == true)
    }

    @Test func whileTheLinkIsDownTheRequestIsRefusedAtOnce() async throws {
        let client = AMIClient(
            settings: AMIClientSettings(host: "127.0.0.1", port: 9, username: "u", secret: "s"),
            logger: Logger(label: "t"))
        let action = try client.originateAction(for: Self.request, settings: Self.settings)
        let result = await client.originate(action, for: Self.request, timeout: Self.settings.timeout)
        #expect(result.status == .refused)
        #expect(result.reason == "the PBX link is down; try again when it is back")
    }
}
