import Testing
import ZTICore

@testable import ZTIWorker

/// The worker's side of the delivery guarantee, as a pure value.
@Suite struct UnackedEventsTests {
    static func event(_ call: Int, _ state: CallState) -> CallEvent {
        CallEvent(
            group: "sales", pbx: .asterisk, callId: "c\(call)", direction: .inbound, state: state, extension: "101",
            attempt: 1, at: EventTime(millisecondsSinceEpoch: Int64(call)))
    }

    @Test func unackedEventsAreDueAfterTheTimeoutOldestFirst() {
        var buffer = UnackedEvents(capacity: 10)
        let start = ContinuousClock.now
        buffer.add(Self.event(1, .ringing), sentAt: start)
        buffer.add(Self.event(2, .ringing), sentAt: start + .seconds(1))
        buffer.add(Self.event(3, .ringing), sentAt: start + .seconds(2))
        buffer.acknowledge([Self.event(2, .ringing).id])
        #expect(buffer.due(now: start + .seconds(4), timeout: .seconds(5)).isEmpty)
        #expect(buffer.due(now: start + .seconds(7), timeout: .seconds(5)).map(\.callId) == ["c1", "c3"])
        // Sent again at 7 s: due again only 5 s later.
        #expect(buffer.due(now: start + .seconds(8), timeout: .seconds(5)).isEmpty)
        #expect(buffer.due(now: start + .seconds(12), timeout: .seconds(5)).map(\.callId) == ["c1", "c3"])
        #expect(buffer.count == 2)
    }

    @Test func whenFullNonTerminalEventsGoFirstAndTerminalOnesStay() {
        var buffer = UnackedEvents(capacity: 3)
        let now = ContinuousClock.now
        buffer.add(Self.event(1, .ended), sentAt: now)
        buffer.add(Self.event(2, .ringing), sentAt: now)
        buffer.add(Self.event(3, .missed), sentAt: now)
        // Room for a terminal event: the ringing goes.
        #expect(buffer.add(Self.event(4, .failed), sentAt: now)?.callId == "c2")
        // Full of terminal events: a new ringing is the one not kept.
        #expect(buffer.add(Self.event(5, .ringing), sentAt: now)?.callId == "c5")
        #expect(buffer.all.map(\.callId) == ["c1", "c3", "c4"])
        #expect(buffer.dropped == 2)
        // Full of terminal events and another terminal one: the oldest gives way (it is never silent: counted).
        #expect(buffer.add(Self.event(6, .ended), sentAt: now)?.callId == "c1")
        #expect(buffer.dropped == 3)
    }

    @Test func resendingTheSameEventKeepsItsPlace() {
        var buffer = UnackedEvents(capacity: 2)
        let now = ContinuousClock.now
        buffer.add(Self.event(1, .ringing), sentAt: now)
        buffer.add(Self.event(2, .ringing), sentAt: now)
        #expect(buffer.add(Self.event(1, .ringing), sentAt: now + .seconds(1)) == nil)
        #expect(buffer.all.map(\.callId) == ["c1", "c2"])
    }
}
