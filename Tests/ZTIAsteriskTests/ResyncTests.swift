import Testing
import ZTICore

@testable import ZTIAsterisk

/// Re-sync lists sweep channels that vanished, never channels born while the list was being written.
@Suite struct ResyncTests {
    static func event(_ name: String, _ fields: [(String, String)]) -> AMIMessage {
        AMIMessage(kind: .event, headers: [AMIHeader("Event", name)] + fields.map { AMIHeader($0.0, $0.1) })
    }

    static func channel(_ name: String, _ uniqueid: String, state: Int) -> [(String, String)] {
        [("Channel", name), ("ChannelState", String(state)), ("Uniqueid", uniqueid), ("Linkedid", uniqueid)]
    }

    @Test func aChannelBornDuringTheListSurvivesTheSweep() {
        var tracker = AsteriskCallTracker(directory: MemberDirectory(replayGroup: "t"))
        var events: [CallEvent] = []
        func feed(_ message: AMIMessage, _ ms: Int64) {
            events += tracker.handle(message, receivedAt: EventTime(millisecondsSinceEpoch: ms))
        }
        // An internal call 201 → 202 that is ringing, then the link comes back and lists nothing.
        feed(Self.event("Newchannel", Self.channel("PJSIP/201-1", "1.1", state: 4) + [("Exten", "202")]), 1)
        feed(
            Self.event(
                "DialBegin",
                Self.channel("PJSIP/201-1", "1.1", state: 4)
                    + [
                        ("DestChannel", "PJSIP/202-2"), ("DestUniqueid", "1.2"), ("DestLinkedid", "1.1"),
                        ("DialString", "202"),
                    ]),
            2)
        feed(
            AMIMessage(
                kind: .response,
                headers: [
                    AMIHeader("Response", "Success"), AMIHeader("ActionID", "r"), AMIHeader("EventList", "start"),
                ]), 10)
        // A new call starts after the list began; it is not in the list.
        feed(Self.event("Newchannel", Self.channel("PJSIP/203-3", "1.3", state: 4) + [("Exten", "204")]), 11)
        feed(
            Self.event(
                "DialBegin",
                Self.channel("PJSIP/203-3", "1.3", state: 4)
                    + [
                        ("DestChannel", "PJSIP/204-4"), ("DestUniqueid", "1.4"), ("DestLinkedid", "1.3"),
                        ("DialString", "204"),
                    ]),
            11)
        feed(
            Self.event("CoreShowChannelsComplete", [("ActionID", "r"), ("EventList", "Complete"), ("ListItems", "0")]),
            12)
        // The vanished call closes: the caller's dialling fails, the callee (never alerted) is missed.
        #expect(
            events.filter { $0.callId == "1.1" }.map(\.id) == [
                "t/1.1/201/ringing/1", "t/1.1/201/failed/1", "t/1.1/202/missed/1",
            ])
        #expect(events.filter { $0.callId == "1.1" }.allSatisfy { $0.state == .ringing || $0.cause == .unknown })
        #expect(events.filter { $0.callId == "1.3" }.map(\.state) == [.ringing])
        #expect(tracker.activeCallCount == 1)
    }
}
