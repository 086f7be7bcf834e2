import Testing
import ZTICore

@testable import ZTIAsterisk

/// Taking a group over from a previous worker: the spool's open lifecycles go on with their ids and times where the
/// first re-sync finds their legs, close where it does not, and legs nobody knew are adopted without invented
/// phases. Pure: AMI messages in, call events out.
@Suite struct ResumeTests {
    static let t0: Int64 = 1_764_000_000_000

    static func at(_ seconds: Int64) -> EventTime { EventTime(millisecondsSinceEpoch: t0 + seconds * 1000) }

    static func stored(
        _ member: String, _ state: CallState, callId: String = "1.1", attempt: Int = 1, answeredAt: Int64? = 4,
        at seconds: Int64 = 4
    ) -> CallEvent {
        var event = CallEvent(
            group: "t", pbx: .asterisk, callId: callId, direction: .inbound, state: state, extension: member,
            attempt: attempt, at: at(seconds), from: "0312345678", to: "0501")
        event.startedAt = at(0)
        if state == .answered { event.answeredAt = answeredAt.map(at) }
        return event
    }

    /// A 12+ `CoreShowChannel` list item.
    static func listed(_ name: String, _ uniqueid: String, linkedid: String, state: Int, bridge: String = "")
        -> AMIMessage
    {
        ResyncTests.event(
            "CoreShowChannel",
            [
                ("ActionID", "r"), ("Channel", name), ("ChannelState", String(state)), ("CallerIDNum", "0312345678"),
                ("Uniqueid", uniqueid), ("Linkedid", linkedid), ("Exten", "0501"), ("BridgeId", bridge),
            ])
    }

    static let listStart = AMIMessage(
        kind: .response,
        headers: [AMIHeader("Response", "Success"), AMIHeader("ActionID", "r"), AMIHeader("EventList", "start")])
    static let listEnd = ResyncTests.event(
        "CoreShowChannelsComplete", [("ActionID", "r"), ("EventList", "Complete")])

    struct Run {
        var tracker: AsteriskCallTracker
        var events: [CallEvent] = []
        var keys: [String: String] = [:]

        init(family: AMIFamily = .v12, open: OpenLifecycles) {
            tracker = AsteriskCallTracker(directory: MemberDirectory(replayGroup: "t"), family: family)
            tracker.resume(open)
        }

        mutating func feed(_ message: AMIMessage, _ seconds: Int64) {
            events += tracker.handle(message, receivedAt: ResumeTests.at(seconds))
            keys.merge(tracker.resumeKeys) { _, new in new }
        }
    }

    @Test func anAnsweredLegStillUpGoesOnWithItsTimesAndEndsWithTheWholeTalkTime() {
        var run = Run(
            open: OpenLifecycles(
                group: "t", lifecycles: [.init(event: Self.stored("101", .answered), resumeKey: "1.2")],
                attempts: [.init(callId: "1.1", extension: "101", attempt: 1, final: false)]))
        run.feed(Self.listStart, 30)
        run.feed(Self.listed("PJSIP/carrier-1", "1.1", linkedid: "1.1", state: 6, bridge: "b1"), 30)
        run.feed(Self.listed("PJSIP/101-2", "1.2", linkedid: "1.1", state: 6, bridge: "b1"), 30)
        run.feed(Self.listEnd, 30)
        #expect(run.events.isEmpty, "a resumed lifecycle emits nothing at the re-sync: \(run.events.map(\.id))")
        #expect(run.tracker.takeResumeReport()! == (resumed: 1, closed: 0))
        run.feed(
            ResyncTests.event("Hangup", ResyncTests.channel("PJSIP/101-2", "1.2", state: 6) + [("Cause", "16")]), 64)
        let ended = run.events.last
        #expect(run.events.map(\.id) == ["t/1.1/101/ended/1"])
        #expect(ended?.startedAt == Self.at(0))
        #expect(ended?.answeredAt == Self.at(4))
        #expect(ended?.talkSeconds == 60)
        #expect(ended?.ringSeconds == 4)
        #expect(ended?.to == "0501")
        #expect(run.keys["t/1.1/101/ended/1"] == "1.2")
    }

    @Test func aRingingLegFoundUpIsAnsweredAtTheReSyncWithoutASecondRinging() {
        var run = Run(
            open: OpenLifecycles(
                group: "t", lifecycles: [.init(event: Self.stored("101", .ringing, at: 0), resumeKey: "1.2")]))
        run.feed(Self.listStart, 20)
        run.feed(Self.listed("PJSIP/carrier-1", "1.1", linkedid: "1.1", state: 6, bridge: "b1"), 20)
        run.feed(Self.listed("PJSIP/101-2", "1.2", linkedid: "1.1", state: 6, bridge: "b1"), 20)
        run.feed(Self.listEnd, 20)
        #expect(run.events.map(\.id) == ["t/1.1/101/answered/1"])
        // Answered while no worker watched: dated at the re-sync that found it.
        #expect(run.events.first?.answeredAt == Self.at(20))
        #expect(run.events.first?.startedAt == Self.at(0))
    }

    @Test func legsTheReSyncDoesNotFindAreClosedWhenTheyWereLastKnown() {
        var run = Run(
            open: OpenLifecycles(
                group: "t",
                lifecycles: [
                    .init(event: Self.stored("101", .answered), resumeKey: "1.2"),
                    .init(event: Self.stored("102", .ringing, at: 2), resumeKey: "1.3"),
                    .init(event: Self.stored("103", .ringing, callId: "9.1", at: 7), resumeKey: "9.2"),
                    .init(event: Self.stored("104", .ringing, callId: "8.1", at: 7), resumeKey: nil),
                ]))
        run.feed(Self.listStart, 40)
        run.feed(Self.listed("PJSIP/carrier-1", "1.1", linkedid: "1.1", state: 6, bridge: "b1"), 40)
        run.feed(Self.listed("PJSIP/101-2", "1.2", linkedid: "1.1", state: 6, bridge: "b1"), 40)
        run.feed(Self.listEnd, 40)
        let byMember = Dictionary(uniqueKeysWithValues: run.events.map { ($0.extension, $0) })
        #expect(run.events.count == 3)
        // 102 rang in a call that 101 answered and that is still up: its pop-up closes, it is not missed.
        #expect(byMember["102"]?.state == .ended)
        #expect(byMember["102"]?.cause == .answeredElsewhere)
        #expect(byMember["102"]?.endedAt == Self.at(2))
        // 103's call is gone: missed, cause unknown, ending at its last spooled event, with its ring time.
        #expect(byMember["103"]?.state == .missed)
        #expect(byMember["103"]?.cause == .unknown)
        #expect(byMember["103"]?.endedAt == Self.at(7))
        #expect(byMember["103"]?.ringSeconds == 7)
        // Spooled by a release without resume keys: it cannot be matched, so it is closed too.
        #expect(byMember["104"]?.state == .missed)
        #expect(run.tracker.takeResumeReport()! == (resumed: 1, closed: 3))
    }

    @Test func aLegNothingMatchesStartsAtAnsweredWithTheNextAttempt() {
        // The spool saw 101's first attempt in this call end; the leg found up now is a new attempt.
        var run = Run(
            open: OpenLifecycles(
                group: "t", attempts: [.init(callId: "1.1", extension: "101", attempt: 1, final: true)]))
        run.feed(Self.listStart, 30)
        run.feed(Self.listed("PJSIP/carrier-1", "1.1", linkedid: "1.1", state: 6, bridge: "b1"), 30)
        run.feed(Self.listed("PJSIP/101-2", "1.2", linkedid: "1.1", state: 6, bridge: "b1"), 30)
        run.feed(Self.listEnd, 30)
        #expect(run.events.map(\.id) == ["t/1.1/101/answered/2"])
        #expect(run.events.first?.ringSeconds == 0)
        #expect(run.keys["t/1.1/101/answered/2"] == "1.2")
    }

    @Test func aMemberDiallingOutFoundAtTheReSyncIsDialledNotAnswered() {
        var run = Run(open: OpenLifecycles(group: "t"))
        run.feed(Self.listStart, 30)
        // The member's phone is up while it dials; the far end is not bridged yet.
        run.feed(Self.listed("PJSIP/101-1", "5.1", linkedid: "5.1", state: 6), 30)
        run.feed(Self.listed("PJSIP/carrier-2", "5.2", linkedid: "5.1", state: 5), 30)
        run.feed(Self.listEnd, 30)
        #expect(run.events.map(\.id) == ["t/5.1/101/ringing/1"])
    }

    @Test func unbridgedChannelsOfOlderFamiliesNeverShareAnEmptyCallId() {
        var run = Run(family: .v11, open: OpenLifecycles(group: "t"))
        func item(_ name: String, _ uniqueid: String, application: String, exten: String) -> AMIMessage {
            ResyncTests.event(
                "CoreShowChannel",
                [
                    ("ActionID", "r"), ("Channel", name), ("UniqueID", uniqueid), ("Context", "from-internal"),
                    ("Extension", exten), ("ChannelState", "5"), ("ChannelStateDesc", "Ringing"),
                    ("Application", application), ("CallerIDnum", "0312345678"), ("BridgedChannel", ""),
                    ("BridgedUniqueID", ""),
                ])
        }
        run.feed(Self.listStart, 30)
        run.feed(item("SIP/101-1", "7.1", application: "AppDial", exten: "s"), 30)
        run.feed(item("SIP/102-2", "7.2", application: "AppDial", exten: "s"), 30)
        run.feed(Self.listEnd, 30)
        #expect(run.events.map(\.state) == [.ringing, .ringing])
        #expect(Set(run.events.map(\.callId)) == ["7.1", "7.2"])
        #expect(run.tracker.activeCallCount == 2)
    }

    @Test func withoutThePBXWhatIsQuietForCallMaxOpenIsClosedWhenItWasLastKnown() {
        var run = Run(
            open: OpenLifecycles(
                group: "t",
                lifecycles: [.init(event: Self.stored("103", .ringing, callId: "9.1", at: 1), resumeKey: "9.2")]))
        // A ring group call: 101 and 102 ring, 102 answers at 4 s; then the PBX link is lost.
        let call = "2.1"
        run.feed(
            ResyncTests.event(
                "Newchannel", ResyncTests.channel("PJSIP/carrier-1", call, state: 4) + [("Exten", "0501")]), 0)
        for (member, leg) in [("101", "2.2"), ("102", "2.3")] {
            run.feed(
                ResyncTests.event(
                    "DialBegin",
                    ResyncTests.channel("PJSIP/carrier-1", call, state: 4)
                        + [
                            ("DestChannel", "PJSIP/\(member)-\(leg)"), ("DestUniqueid", leg), ("DestLinkedid", call),
                            ("DestChannelState", "5"), ("DialString", member),
                        ]), 0)
        }
        for leg in ["2.1", "2.3"] {
            run.feed(
                ResyncTests.event(
                    "BridgeEnter",
                    ResyncTests.channel(leg == "2.1" ? "PJSIP/carrier-1" : "PJSIP/102-2.3", leg, state: 6)
                        + [("Linkedid", call), ("BridgeUniqueid", "b1")]), 4)
        }
        #expect(run.events.map(\.state) == [.ringing, .ringing, .answered])
        run.events = []
        // Not yet quiet for long enough.
        #expect(run.tracker.closeQuiet(before: Self.at(0)).isEmpty)
        let closings = run.tracker.closeQuiet(before: Self.at(600))
        let byMember = Dictionary(uniqueKeysWithValues: closings.map { ($0.extension, $0) })
        #expect(byMember["102"]?.state == .ended)
        #expect(byMember["102"]?.cause == .unknown)
        #expect(byMember["102"]?.endedAt == Self.at(4))
        #expect(byMember["101"]?.state == .ended)
        #expect(byMember["101"]?.cause == .answeredElsewhere)
        // The stored lifecycle the PBX never confirmed is closed too.
        #expect(byMember["103"]?.state == .missed)
        #expect(run.tracker.activeCallCount == 0)
        #expect(run.tracker.closeQuiet(before: Self.at(900)).isEmpty)
    }

    @Test func aLegStillUpAfterItsLifecycleEndedIsNotANewAttempt() {
        // 101 dialled a busy number: its lifecycle failed, but its phone stays up until it hangs up.
        var run = Run(
            open: OpenLifecycles(
                group: "t",
                attempts: [.init(callId: "5.1", extension: "101", attempt: 1, final: true, resumeKey: "5.1")]))
        run.feed(Self.listStart, 30)
        run.feed(Self.listed("PJSIP/101-1", "5.1", linkedid: "5.1", state: 6), 30)
        run.feed(Self.listEnd, 30)
        run.feed(
            ResyncTests.event("Hangup", ResyncTests.channel("PJSIP/101-1", "5.1", state: 6) + [("Cause", "16")]), 32)
        #expect(run.events.isEmpty, "\(run.events.map(\.id))")
        #expect(run.tracker.activeCallCount == 0)
    }

    @Test func callsAdoptedBeforeALateOpenEmitNothingAndGiveWayToTheStoredLifecycles() {
        var run = Run(open: OpenLifecycles(group: "t"))
        run.tracker = AsteriskCallTracker(directory: MemberDirectory(replayGroup: "t"))
        run.tracker.awaitOpen()
        func list(_ seconds: Int64) {
            run.feed(Self.listStart, seconds)
            run.feed(Self.listed("PJSIP/carrier-1", "1.1", linkedid: "1.1", state: 6, bridge: "b1"), seconds)
            run.feed(Self.listed("PJSIP/101-2", "1.2", linkedid: "1.1", state: 6, bridge: "b1"), seconds)
            run.feed(Self.listEnd, seconds)
        }
        list(20)
        #expect(run.events.isEmpty, "adopted before OPEN: \(run.events.map(\.id))")
        run.tracker.takeOver(
            OpenLifecycles(group: "t", lifecycles: [.init(event: Self.stored("101", .answered), resumeKey: "1.2")]))
        list(25)
        #expect(run.events.isEmpty, "resumed: \(run.events.map(\.id))")
        run.feed(
            ResyncTests.event("Hangup", ResyncTests.channel("PJSIP/101-2", "1.2", state: 6) + [("Cause", "16")]), 64)
        #expect(run.events.map(\.id) == ["t/1.1/101/ended/1"])
        #expect(run.events.first?.answeredAt == Self.at(4))
        #expect(run.events.first?.talkSeconds == 60)
    }
}
