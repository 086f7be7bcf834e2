import Foundation
import Testing
import ZTIAvaya
import ZTICore

/// The tracker as a pure function: CSTA events in, call events out, against the architecture's call semantics.
struct AvayaCallTrackerTests {
    /// The group of `Scenarios/sales.properties` (also what `ztisup replay` is tested with).
    static let group: GroupConfig = try! ConfigurationLoader.loadGroupFile(
        path: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "Scenarios/sales.properties"
        ).path
    ).0

    /// A tracker with monitors 1, 2, 3 on 3201, 3202, 3203, and what it emitted, as `EXT STATE [CAUSE]` lines.
    struct Run {
        var tracker = AvayaCallTracker(group: AvayaCallTrackerTests.group)
        var events: [CallEvent] = []
        var clock: Int64 = 1_732_526_400_000

        init() {
            for (ref, member) in [("1", "3201"), ("2", "3202"), ("3", "3203")] {
                tracker.monitored(crossRefID: ref, extension: member)
            }
        }

        mutating func feed(_ event: CSTAEvent, after seconds: Int64 = 1) {
            clock += seconds * 1000
            events += tracker.handle(event, at: EventTime(millisecondsSinceEpoch: clock))
        }

        var lines: [String] {
            events.map { "\($0.extension) \($0.state.rawValue)" + ($0.cause.map { " \($0.rawValue)" } ?? "") }
        }
    }

    static let customer = "0312345678:CM1::0"

    static func device(_ number: String) -> DMCCParty { .device("\(number):CM1::0") }

    static func delivered(
        _ ref: String, call: String, alerting: String, calling: String = customer, called: String = "0312340600",
        ucid: String? = "00001000211732526400"
    ) -> CSTAEvent {
        CSTAEvent(
            kind: .delivered, monitorCrossRefID: ref, callID: call, connectionDevice: device(alerting),
            parties: [
                "alertingDevice": device(alerting), "callingDevice": .device(calling),
                "calledDevice": device(called),
            ], localConnectionInfo: ref == refOf(alerting) ? "alerting" : "connected", cause: "newCall", ucid: ucid)
    }

    static func refOf(_ member: String) -> String { ["3201": "1", "3202": "2", "3203": "3"][member] ?? "9" }

    static func established(_ ref: String, call: String, answering: String) -> CSTAEvent {
        CSTAEvent(
            kind: .established, monitorCrossRefID: ref, callID: call, connectionDevice: device(answering),
            parties: ["answeringDevice": device(answering)], localConnectionInfo: "connected", cause: "newCall")
    }

    static func cleared(_ ref: String, call: String, dropped: String, cause: String = "normalClearing") -> CSTAEvent {
        CSTAEvent(
            kind: .connectionCleared, monitorCrossRefID: ref, callID: call, connectionDevice: .device(dropped),
            parties: ["releasingDevice": .device(dropped)], localConnectionInfo: "null", cause: cause)
    }

    static func originated(_ ref: String, call: String, from member: String, to number: String, ucid: String? = nil)
        -> CSTAEvent
    {
        CSTAEvent(
            kind: .originated, monitorCrossRefID: ref, callID: call, connectionDevice: device(member),
            parties: ["callingDevice": device(member), "calledDevice": device(number)],
            localConnectionInfo: "connected", cause: "newCall", ucid: ucid)
    }

    @Test func anInboundCallAnsweredAndHungUp() throws {
        var run = Run()
        run.feed(Self.delivered("1", call: "21", alerting: "3201"))
        run.feed(Self.established("1", call: "21", answering: "3201"), after: 4)
        run.feed(Self.cleared("1", call: "21", dropped: Self.customer), after: 60)
        run.feed(Self.cleared("1", call: "21", dropped: "3201:CM1::0"), after: 0)
        #expect(run.lines == ["3201 ringing", "3201 answered", "3201 ended normal"])
        let ringing = try #require(run.events.first)
        #expect(ringing.callId == "00001000211732526400")
        #expect(ringing.id == "sales/00001000211732526400/3201/ringing/1")
        #expect(ringing.pbx == .avaya)
        #expect(ringing.direction == .inbound)
        #expect(ringing.from == "0312345678")
        #expect(ringing.fromE164 == "+81312345678")
        #expect(ringing.to == "0312340600")
        #expect(ringing.user == "4150868000000224005")
        #expect(run.events[2].talkSeconds == 60)
        #expect(run.events[2].ringSeconds == 4)
        #expect(run.tracker.activeCalls == 0)
    }

    @Test func theCallerGivingUpIsMissedAsCancelled() {
        var run = Run()
        run.feed(Self.delivered("1", call: "21", alerting: "3201"))
        run.feed(Self.cleared("1", call: "21", dropped: "3201:CM1::0"), after: 9)
        #expect(run.lines == ["3201 ringing", "3201 missed cancelled"])
        #expect(run.events.last?.ringSeconds == 9)
    }

    @Test func aRingGroupMemberWhoDidNotAnswerEndsAsAnsweredElsewhere() {
        var run = Run()
        run.feed(Self.delivered("1", call: "21", alerting: "3201", called: "3900"))
        run.feed(Self.delivered("2", call: "21", alerting: "3202", called: "3900"), after: 0)
        run.feed(Self.established("1", call: "21", answering: "3202"), after: 3)
        run.feed(Self.established("2", call: "21", answering: "3202"), after: 0)
        run.feed(Self.cleared("1", call: "21", dropped: "3201:CM1::0"), after: 0)
        run.feed(Self.cleared("2", call: "21", dropped: "3202:CM1::0"), after: 30)
        #expect(
            run.lines == [
                "3201 ringing", "3202 ringing", "3201 ended answeredElsewhere", "3202 answered", "3202 ended normal",
            ])
    }

    @Test func nobodyAnsweringARingGroupIsMissedForEveryMemberThatRang() {
        var run = Run()
        run.feed(Self.delivered("1", call: "21", alerting: "3201", called: "3900"))
        run.feed(Self.delivered("2", call: "21", alerting: "3202", called: "3900"), after: 0)
        run.feed(Self.cleared("1", call: "21", dropped: "3201:CM1::0"), after: 8)
        #expect(run.lines == ["3201 ringing", "3202 ringing"])
        run.feed(Self.cleared("2", call: "21", dropped: "3202:CM1::0"), after: 0)
        #expect(run.lines == ["3201 ringing", "3202 ringing", "3202 missed cancelled", "3201 missed cancelled"])
    }

    static func diverted(_ ref: String, call: String, from member: String, to next: String, cause: String)
        -> CSTAEvent
    {
        CSTAEvent(
            kind: .diverted, monitorCrossRefID: ref, callID: call, connectionDevice: device(member),
            parties: ["divertingDevice": device(member), "newDestination": device(next)], cause: cause)
    }

    @Test func divertedToCoverageThatNobodyAnswersIsMissedAsDiverted() {
        var run = Run()
        run.feed(Self.delivered("1", call: "21", alerting: "3201"))
        run.feed(Self.diverted("1", call: "21", from: "3201", to: "3999", cause: "redirected"), after: 15)
        #expect(run.lines == ["3201 ringing", "3201 missed diverted"])
        #expect(run.events.last?.rawCause == "redirected")
    }

    @Test func coverageThatAnotherMemberAnswersIsNotMissed() {
        var run = Run()
        run.feed(Self.delivered("1", call: "21", alerting: "3201"))
        run.feed(Self.diverted("1", call: "21", from: "3201", to: "3202", cause: "redirected"), after: 15)
        #expect(run.lines == ["3201 ringing"])
        run.feed(Self.delivered("2", call: "21", alerting: "3202"), after: 0)
        run.feed(Self.established("2", call: "21", answering: "3202"), after: 2)
        #expect(run.lines == ["3201 ringing", "3202 ringing", "3202 answered", "3201 ended answeredElsewhere"])
    }

    @Test func aPickupClosesTheRungMemberAndGivesThePickerAnsweredThenEnded() {
        var run = Run()
        run.feed(Self.delivered("1", call: "21", alerting: "3201"))
        run.feed(Self.diverted("1", call: "21", from: "3201", to: "3203", cause: "callPickup"), after: 5)
        run.feed(Self.established("3", call: "21", answering: "3203"), after: 0)
        run.feed(Self.cleared("3", call: "21", dropped: "3203:CM1::0"), after: 20)
        #expect(
            run.lines == [
                "3201 ringing", "3201 ended answeredElsewhere", "3203 ringing", "3203 answered", "3203 ended normal",
            ])
        #expect(Set(run.events.map(\.callId)).count == 1)
    }

    @Test func aMemberToMemberCallGivesBothTheirLifecycles() {
        var run = Run()
        run.feed(Self.originated("1", call: "30", from: "3201", to: "3202", ucid: "00001000301732526400"))
        run.feed(
            Self.delivered(
                "2", call: "30", alerting: "3202", calling: "3201:CM1::0", called: "3202", ucid: "00001000301732526400"),
            after: 0)
        run.feed(Self.established("1", call: "30", answering: "3202"), after: 3)
        run.feed(Self.established("2", call: "30", answering: "3202"), after: 0)
        run.feed(Self.cleared("1", call: "30", dropped: "3201:CM1::0"), after: 10)
        run.feed(Self.cleared("2", call: "30", dropped: "3202:CM1::0"), after: 0)
        #expect(
            run.lines == [
                "3201 ringing", "3202 ringing", "3201 answered", "3202 answered", "3201 ended normal",
                "3202 ended normal",
            ])
        #expect(run.events.allSatisfy { $0.direction == .internal })
        #expect(run.events[0].dialled == "3202")
        #expect(run.events[1].from == "3201")
    }

    @Test func anOutboundCallToABusyNumberFailsWithBusyAndTheDialCodeLeavesTo() {
        var run = Run()
        run.feed(Self.originated("1", call: "31", from: "3201", to: "90312345678"))
        run.feed(
            CSTAEvent(
                kind: .failed, monitorCrossRefID: "1", callID: "31", connectionDevice: Self.device("90312345678"),
                parties: ["failingDevice": Self.device("90312345678"), "callingDevice": Self.device("3201")],
                localConnectionInfo: "connected", cause: "busy"), after: 2)
        run.feed(Self.cleared("1", call: "31", dropped: "3201:CM1::0"), after: 3)
        #expect(run.lines == ["3201 ringing", "3201 failed busy"])
        #expect(run.events[0].direction == .outbound)
        #expect(run.events[0].dialled == "90312345678")
        #expect(run.events[0].to == "0312345678")
        #expect(run.events[0].callId.hasPrefix("cm-31-"))
    }

    @Test func aTrunkCallWithoutAnAnswerSignalEndsNormallyWithNoInventedAnswer() {
        var run = Run()
        run.feed(Self.originated("1", call: "32", from: "3201", to: "90312345678"))
        run.feed(
            CSTAEvent(
                kind: .networkReached, monitorCrossRefID: "1", callID: "32", connectionDevice: .device("T5#1"),
                localConnectionInfo: "connected", cause: "normal"), after: 1)
        run.feed(Self.cleared("1", call: "32", dropped: "3201:CM1::0"), after: 40)
        #expect(run.lines == ["3201 ringing", "3201 ended normal"])
        #expect(run.events.last?.answeredAt == nil)
    }

    @Test func aBusyMemberIsMissedWithoutARinging() {
        var run = Run()
        run.feed(
            CSTAEvent(
                kind: .failed, monitorCrossRefID: "2", callID: "33", connectionDevice: Self.device("3202"),
                parties: ["failingDevice": Self.device("3202"), "callingDevice": .device(Self.customer)],
                localConnectionInfo: "fail", cause: "busy", ucid: "00001000331732526400"))
        #expect(run.lines == ["3202 missed busy"])
    }

    @Test func anAttendedTransferFollowsTheArchitecture() throws {
        var run = Run()
        Self.consultation(&run)
        run.feed(Self.established("1", call: "22", answering: "3202"), after: 4)
        run.feed(Self.established("2", call: "22", answering: "3202"), after: 0)
        run.feed(Self.transferOfCall21(to: "3202", monitor: "1", targetState: "connected"), after: 15)
        run.feed(Self.transferOfCall21(to: "3202", monitor: "2", targetState: "connected"), after: 0)
        run.feed(Self.cleared("2", call: "22", dropped: "3202:CM1::0"), after: 40)
        #expect(
            run.lines == [
                "3201 ringing", "3201 answered", "3201 ringing", "3202 ringing", "3201 answered", "3202 answered",
                "3201 transferred", "3202 ended normal", "3201 ended normal", "3202 ringing", "3202 answered",
                "3202 ended normal",
            ])
        let customerCall = "00001000211732526400"
        let consultation = "00001000221732526400"
        #expect(run.events[6].callId == customerCall)
        #expect(run.events[6].transferredTo == "3202")
        #expect(run.events[7].callId == consultation)
        #expect(run.events[9].callId == customerCall)
        #expect(run.events[9].transferredCallId == customerCall)
        #expect(run.events[9].from == "0312345678")
        #expect(run.events[11].callId == customerCall)
        #expect(run.tracker.activeCalls == 0)
    }

    /// 3201 answers the customer's call 21, then dials 3202 (call 22), which rings.
    static func consultation(_ run: inout Run) {
        run.feed(Self.delivered("1", call: "21", alerting: "3201"))
        run.feed(Self.established("1", call: "21", answering: "3201"), after: 3)
        run.feed(Self.originated("1", call: "22", from: "3201", to: "3202", ucid: "00001000221732526400"), after: 20)
        run.feed(
            Self.delivered(
                "2", call: "22", alerting: "3202", calling: "3201:CM1::0", called: "3202", ucid: "00001000221732526400"),
            after: 0)
    }

    /// 3201 transfers call 21 into its consultation 22, as `monitor` reports it (`targetState`: 3202's connection).
    static func transferOfCall21(to target: String, monitor ref: String, targetState: String) -> CSTAEvent {
        CSTAEvent(
            kind: .transfered, monitorCrossRefID: ref,
            parties: ["transferringDevice": Self.device("3201"), "transferredToDevice": Self.device(target)],
            localConnectionInfo: ref == "1" ? "null" : targetState, cause: "transfer", primaryOldCallID: "21",
            secondaryOldCallID: "22",
            connections: [
                .init(newCallID: "22", oldCallID: "21", device: .device(Self.customer)),
                .init(newCallID: "22", oldCallID: "22", device: Self.device(target)),
            ])
    }

    /// 3201 answers call 21, dials 3202 (call 22) and transfers while 3202 still rings.
    static func blindTransfer(_ run: inout Run) {
        Self.consultation(&run)
        run.feed(Self.transferOfCall21(to: "3202", monitor: "1", targetState: "alerting"), after: 2)
        run.feed(Self.transferOfCall21(to: "3202", monitor: "2", targetState: "alerting"), after: 0)
    }

    @Test func aBlindTransferEndsTheConsultationAndTheTargetRingsOnTheCustomersCallUntilItAnswers() {
        var run = Run()
        Self.blindTransfer(&run)
        run.feed(Self.established("2", call: "22", answering: "3202"), after: 4)
        run.feed(Self.cleared("2", call: "22", dropped: "3202:CM1::0"), after: 30)
        #expect(
            run.lines == [
                "3201 ringing", "3201 answered", "3201 ringing", "3202 ringing", "3201 transferred",
                "3202 ended normal", "3201 ended normal", "3202 ringing", "3202 answered", "3202 ended normal",
            ])
        let customerCall = "00001000211732526400"
        #expect(run.events[4].transferredTo == "3202")
        #expect(run.events[7].callId == customerCall)
        #expect(run.events[7].transferredCallId == customerCall)
        #expect(run.events[8].callId == customerCall)
        #expect(run.events[8].ringSeconds == 4)
        #expect(run.tracker.activeCalls == 0)
    }

    @Test func aBlindTransferThatNobodyAnswersIsMissedByItsTarget() {
        var run = Run()
        Self.blindTransfer(&run)
        run.feed(Self.cleared("2", call: "22", dropped: Self.customer), after: 15)
        run.feed(Self.cleared("2", call: "22", dropped: "3202:CM1::0"), after: 0)
        #expect(
            run.lines == [
                "3201 ringing", "3201 answered", "3201 ringing", "3202 ringing", "3201 transferred",
                "3202 ended normal", "3201 ended normal", "3202 ringing", "3202 missed cancelled",
            ])
        #expect(run.tracker.activeCalls == 0)
    }

    @Test func aSingleStepTransferRingsItsTargetOnTheCustomersCall() {
        var run = Run()
        run.feed(Self.delivered("1", call: "21", alerting: "3201"))
        run.feed(Self.established("1", call: "21", answering: "3201"), after: 3)
        run.feed(
            CSTAEvent(
                kind: .transfered, monitorCrossRefID: "1",
                parties: ["transferringDevice": Self.device("3201"), "transferredToDevice": Self.device("3203")],
                localConnectionInfo: "null", cause: "singleStepTransfer", primaryOldCallID: "21",
                connections: [.init(newCallID: "21", oldCallID: "21", device: .device(Self.customer))]), after: 10)
        run.feed(Self.delivered("3", call: "21", alerting: "3203"), after: 0)
        run.feed(Self.established("3", call: "21", answering: "3203"), after: 5)
        run.feed(Self.cleared("3", call: "21", dropped: "3203:CM1::0"), after: 20)
        #expect(
            run.lines == [
                "3201 ringing", "3201 answered", "3201 transferred", "3203 ringing", "3203 answered",
                "3203 ended normal",
            ])
        #expect(run.events[2].transferredTo == "3203")
        #expect(run.events[3].transferredCallId == "00001000211732526400")
        #expect(run.tracker.activeCalls == 0)
    }

    @Test func aReusedCallIDWithANewUCIDIsANewCallAndTheOldOneIsClosed() {
        var run = Run()
        run.feed(Self.delivered("1", call: "5", alerting: "3201", ucid: "00001000051732526400"))
        run.feed(Self.delivered("1", call: "5", alerting: "3201", ucid: "00001000051732529999"), after: 600)
        #expect(run.lines == ["3201 ringing", "3201 missed unknown", "3201 ringing"])
        #expect(run.events[2].callId == "00001000051732529999")
        // The same Delivered again (a re-sent event) is not a second ringing.
        run.feed(Self.delivered("1", call: "5", alerting: "3201", ucid: "00001000051732529999"), after: 0)
        #expect(run.events.count == 3)
    }

    @Test func clickToDialSkipsTheMembersOwnPhoneAndTagsTheOutboundLifecycle() throws {
        var run = Run()
        run.tracker.clickToDialStarted(callID: "40", member: "3201", clickToDialId: "c2d-7")
        run.feed(Self.delivered("1", call: "40", alerting: "3201", calling: "3201:CM1::0", called: "3201"))
        run.feed(Self.established("1", call: "40", answering: "3201"), after: 2)
        run.feed(Self.originated("1", call: "40", from: "3201", to: "90312345678"), after: 0)
        run.feed(Self.established("1", call: "40", answering: "90312345678"), after: 5)
        run.feed(Self.cleared("1", call: "40", dropped: "3201:CM1::0"), after: 30)
        #expect(run.lines == ["3201 ringing", "3201 answered", "3201 ended normal"])
        #expect(run.events.allSatisfy { $0.clickToDialId == "c2d-7" && $0.direction == .outbound })
    }

    @Test func aConferenceEmitsNothingNewAndEachMemberEndsWithItsOwnLeg() {
        var run = Run()
        run.feed(Self.delivered("1", call: "21", alerting: "3201"))
        run.feed(Self.established("1", call: "21", answering: "3201"), after: 2)
        run.feed(Self.originated("1", call: "22", from: "3201", to: "3202", ucid: "00001000221732526400"), after: 5)
        run.feed(
            Self.delivered(
                "2", call: "22", alerting: "3202", calling: "3201:CM1::0", called: "3202", ucid: "00001000221732526400"),
            after: 0)
        run.feed(Self.established("2", call: "22", answering: "3202"), after: 2)
        run.feed(Self.established("1", call: "22", answering: "3202"), after: 0)
        let before = run.events.count
        for ref in ["1", "2"] {
            run.feed(
                CSTAEvent(
                    kind: .conferenced, monitorCrossRefID: ref, parties: ["conferencingDevice": Self.device("3201")],
                    cause: "conference", primaryOldCallID: "21", secondaryOldCallID: "22",
                    connections: [.init(newCallID: "21", oldCallID: "22", device: Self.device("3202"))]), after: 1)
        }
        #expect(run.events.count == before)
        run.feed(Self.cleared("2", call: "21", dropped: "3202:CM1::0"), after: 20)
        #expect(run.lines.suffix(1) == ["3202 ended normal"])
        run.feed(Self.cleared("1", call: "21", dropped: "3201:CM1::0"), after: 5)
        #expect(run.lines.suffix(3) == ["3202 ended normal", "3201 ended normal", "3201 ended normal"])
        #expect(run.tracker.activeCalls == 0)
    }

    /// A snapshot of every member: `legs` maps each to its calls and states; members left out have none.
    static func snapshots(_ legs: [String: [String: String]]) -> [String: [DMCCMessage.SnapshotCall]] {
        var result: [String: [DMCCMessage.SnapshotCall]] = [:]
        for member in ["3201", "3202", "3203"] {
            result[member] = (legs[member] ?? [:]).sorted { $0.key < $1.key }.map {
                .init(callID: $0.key, device: "\(member):CM1::0", localCallState: $0.value)
            }
        }
        return result
    }

    @Test func aResyncClosesWhatThePBXNoLongerHasAtTheLastTimeItWasKnown() {
        var run = Run()
        run.feed(Self.delivered("1", call: "21", alerting: "3201"))
        let lastEvent = run.clock
        run.feed(Self.delivered("1", call: "23", alerting: "3201", ucid: "00001000231732526400"), after: 0)
        run.feed(Self.established("1", call: "23", answering: "3201"), after: 1)
        run.events += run.tracker.resync(
            snapshots: Self.snapshots(["3201": ["23": "connected"]]),
            at: EventTime(millisecondsSinceEpoch: run.clock + 5000))
        #expect(run.lines == ["3201 ringing", "3201 ringing", "3201 answered", "3201 missed unknown"])
        #expect(run.events.last?.endedAt == EventTime(millisecondsSinceEpoch: lastEvent))
        #expect(run.tracker.activeCalls == 1)
        // 23 was found at that re-sync: gone at the next, it ends then, with the talk time up to it.
        run.events += run.tracker.resync(
            snapshots: Self.snapshots([:]), at: EventTime(millisecondsSinceEpoch: run.clock + 9000))
        #expect(run.lines.last == "3201 ended unknown")
        #expect(run.events.last?.talkSeconds == 5)
        #expect(run.tracker.activeCalls == 0)
    }

    @Test func aResyncAdoptsALegThatRingsAtRingingAndOneThatIsUpAtAnsweredWithoutARinging() {
        var run = Run()
        run.feed(Self.delivered("1", call: "21", alerting: "3201"))
        let time = EventTime(millisecondsSinceEpoch: run.clock + 1000)
        // 21 is known already; 24 began while the link was down, and 3202 is talking in 25.
        run.events += run.tracker.resync(
            snapshots: Self.snapshots(["3201": ["21": "alerting", "24": "alerting"], "3202": ["25": "connected"]]),
            at: time)
        #expect(run.lines == ["3201 ringing", "3201 ringing", "3202 answered"])
        #expect(run.events[1].callId.hasPrefix("cm-24-"))
        #expect(run.events[2].answeredAt == time && run.events[2].startedAt == time)
        run.feed(Self.established("1", call: "24", answering: "3201"), after: 2)
        run.feed(Self.cleared("1", call: "24", dropped: "3201:CM1::0"), after: 10)
        #expect(run.lines.suffix(2) == ["3201 answered", "3201 ended normal"])
        // A leg still up after its member's lifecycle ended is not adopted again.
        run.feed(Self.cleared("2", call: "25", dropped: "3202:CM1::0"), after: 1)
        run.events += run.tracker.resync(
            snapshots: Self.snapshots(["3201": ["21": "alerting"], "3202": ["25": "connected"]]),
            at: EventTime(millisecondsSinceEpoch: run.clock + 1000))
        #expect(run.lines.filter { $0.hasPrefix("3202") } == ["3202 answered", "3202 ended normal"])
    }

    @Test func eventsFromAnUnknownMonitorOrAboutNonMembersEmitNothing() {
        var run = Run()
        run.feed(Self.delivered("9", call: "21", alerting: "3201"))
        run.tracker.monitored(crossRefID: "7", extension: "4444")
        run.feed(Self.delivered("7", call: "22", alerting: "4444"))
        #expect(run.events.isEmpty)
    }
}
