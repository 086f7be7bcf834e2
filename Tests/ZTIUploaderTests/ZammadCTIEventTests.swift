import Testing
import ZTICore

@testable import ZTIUploader

/// Zammad's generic CTI events from normalized ones: one newCall, answers, one hangup per call.
@Suite struct ZammadCTIEventTests {
    static func event(
        _ direction: CallDirection, _ state: CallState, _ member: String, cause: CallCause? = nil
    ) -> CallEvent {
        var event = CallEvent(
            group: "sales", pbx: .asterisk, callId: "1764079391.42", direction: direction, state: state,
            extension: member, attempt: 1, at: EventTime(millisecondsSinceEpoch: 0),
            from: direction == .inbound ? "0312345678" : member, to: direction == .inbound ? member : "0398765432",
            numbers: try? NumberPlan(countryCode: "81"), user: "Agent " + member)
        event.cause = cause
        return event
    }

    /// Maps `events` in order, each knowing what was sent before it, as the delivery engine does.
    static func run(_ events: [CallEvent], internalCalls: InternalCallPolicy = .skip) -> [JSONValue] {
        var sent: [CallEvent] = []
        var bodies: [JSONValue] = []
        for event in events {
            if case .send(let body) = ZammadCTIEvent.mapping(for: event, sentBefore: sent, internalCalls: internalCalls)
            {
                bodies.append(body)
                sent.append(event)
            }
        }
        return bodies
    }

    static func field(_ body: JSONValue, _ name: String) -> String? {
        guard case .object(let object) = body, case .string(let value)? = object[name] else { return nil }
        return value
    }

    @Test func aRingGroupCallIsOneNewCallOneAnswerOneHangup() {
        let bodies = Self.run([
            Self.event(.inbound, .ringing, "101"), Self.event(.inbound, .ringing, "102"),
            Self.event(.inbound, .answered, "102"), Self.event(.inbound, .ended, "101", cause: .answeredElsewhere),
            Self.event(.inbound, .ended, "102", cause: .normal),
        ])
        #expect(
            bodies == [
                .object([
                    "event": .string("newCall"), "from": .string("+81312345678"), "to": .string("101"),
                    "direction": .string("in"), "callId": .string("sales-1764079391.42"),
                    "user": .array([.string("Agent 101")]),
                ]),
                .object([
                    "event": .string("answer"), "from": .string("+81312345678"), "to": .string("102"),
                    "direction": .string("in"), "callId": .string("sales-1764079391.42"),
                    "user": .array([.string("Agent 102")]), "answeringNumber": .string("102"),
                ]),
                .object([
                    "event": .string("hangup"), "from": .string("+81312345678"), "to": .string("102"),
                    "direction": .string("in"), "callId": .string("sales-1764079391.42"),
                    "user": .array([.string("Agent 102")]), "answeringNumber": .string("102"),
                    "cause": .string("normalClearing"),
                ]),
            ])
    }

    @Test func aCallNobodyAnsweredHangsUpOnceWithItsCause() {
        let bodies = Self.run([
            Self.event(.inbound, .ringing, "101"), Self.event(.inbound, .ringing, "102"),
            Self.event(.inbound, .missed, "101", cause: .cancelled),
            Self.event(.inbound, .missed, "102", cause: .cancelled),
        ])
        #expect(bodies.map { Self.field($0, "event") } == ["newCall", "hangup"])
        #expect(Self.field(bodies[1], "cause") == "cancel")
    }

    @Test func outboundFailuresMapToZammadsCauses() {
        let expected: [(CallCause, String)] = [
            (.busy, "busy"), (.noAnswer, "noAnswer"), (.rejected, "noAnswer"), (.unavailable, "notFound"),
            (.invalid, "notFound"), (.congestion, "congestion"), (.failed, "congestion"), (.cancelled, "cancel"),
        ]
        for (cause, zammad) in expected {
            let bodies = Self.run([
                Self.event(.outbound, .ringing, "101"), Self.event(.outbound, .failed, "101", cause: cause),
            ])
            #expect(bodies.map { Self.field($0, "direction") } == ["out", "out"])
            #expect(Self.field(bodies[1], "cause") == zammad, "\(cause)")
            #expect(Self.field(bodies[1], "to") == "+81398765432")
        }
    }

    @Test func aTransferAnswersAgainAndOnlyTheLastMemberHangsUp() {
        let bodies = Self.run([
            Self.event(.inbound, .ringing, "101"), Self.event(.inbound, .answered, "101"),
            Self.event(.inbound, .transferred, "101"), Self.event(.inbound, .ringing, "102"),
            Self.event(.inbound, .answered, "102"), Self.event(.inbound, .ended, "102", cause: .normal),
        ])
        #expect(bodies.map { Self.field($0, "event") } == ["newCall", "answer", "answer", "hangup"])
        #expect(bodies.map { Self.field($0, "answeringNumber") } == [nil, "101", "102", "102"])
    }

    @Test func internalCallsFollowThePolicy() {
        let call = [Self.event(.internal, .ringing, "101")]
        #expect(Self.run(call).isEmpty)
        #expect(Self.run(call, internalCalls: .send).count == 1)
    }
}
