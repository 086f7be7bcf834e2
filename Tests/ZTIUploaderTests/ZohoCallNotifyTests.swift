import Testing
import ZTICore

@testable import ZTIUploader

/// The mapping from normalized events to Zoho `callnotify`, row by row of the table in `ZohoCallNotify`.
@Suite struct ZohoCallNotifyTests {
    static let defaults = ZohoCallNotify.Settings(missed: .percall, internalCalls: .skip, unanswered: .auto)
    static let started = EventTime(millisecondsSinceEpoch: 1_764_079_391_250)  // 2025-11-25 14:03:11.250 UTC

    static func event(
        _ direction: CallDirection, _ state: CallState, extension member: String = "101", cause: CallCause? = nil,
        talk: Int? = nil, transferredCallId: String? = nil, from: String? = nil, to: String? = nil
    ) -> CallEvent {
        let numbers = try? NumberPlan(countryCode: "81")
        var event = CallEvent(
            group: "sales", pbx: .asterisk, callId: "1764079391.42", direction: direction, state: state,
            extension: member, attempt: 1, at: EventTime(millisecondsSinceEpoch: 1_764_079_500_000),
            from: from ?? (direction == .inbound ? "0312345678" : member),
            to: to ?? (direction == .inbound ? member : "0398765432"), numbers: numbers, user: "u" + member)
        event.startedAt = started
        event.cause = cause
        event.talkSeconds = talk
        event.transferredCallId = transferredCallId
        return event
    }

    static func notify(_ event: CallEvent, sentBefore: [CallEvent] = [], settings: ZohoCallNotify.Settings = defaults)
        -> ZohoCallNotify?
    {
        guard case .notify(let notify) = ZohoCallNotify.mapping(for: event, sentBefore: sentBefore, settings: settings)
        else { return nil }
        return notify
    }

    static func fields(_ notify: ZohoCallNotify?) -> [String: String] {
        Dictionary(uniqueKeysWithValues: (notify?.fields ?? []).map { ($0.name, $0.value) })
    }

    @Test func inboundRingingAnsweredEnded() {
        #expect(
            Self.fields(Self.notify(Self.event(.inbound, .ringing))) == [
                "type": "received", "state": "ringing", "id": "sales-1764079391.42", "from": "+81312345678",
                "to": "101", "zohouser": "u101",
            ])
        #expect(Self.notify(Self.event(.inbound, .answered))?.state == "answered")
        #expect(
            Self.fields(Self.notify(Self.event(.inbound, .ended, cause: .normal, talk: 87))) == [
                "type": "received", "state": "ended", "id": "sales-1764079391.42", "from": "+81312345678",
                "to": "101", "zohouser": "u101", "start_time": "2025-11-25 14:03:11", "duration": "87",
            ])
    }

    @Test func aMemberWhoseLegAnotherMemberAnsweredGetsNothing() {
        let mapping = ZohoCallNotify.mapping(
            for: Self.event(.inbound, .ended, extension: "102", cause: .answeredElsewhere), sentBefore: [],
            settings: Self.defaults)
        #expect(mapping == .skip(reason: "answered by another member"))
    }

    @Test func oneMissedPerCallOrPerMember() {
        let first = Self.event(.inbound, .missed, extension: "101", cause: .cancelled)
        let second = Self.event(.inbound, .missed, extension: "102", cause: .cancelled)
        #expect(
            Self.fields(Self.notify(first)) == [
                "type": "received", "state": "missed", "id": "sales-1764079391.42", "from": "+81312345678",
                "to": "101", "zohouser": "u101", "start_time": "2025-11-25 14:03:11",
            ])
        #expect(Self.notify(second, sentBefore: [first]) == nil)
        var perMember = Self.defaults
        perMember.missed = .permember
        #expect(Self.notify(second, sentBefore: [first], settings: perMember)?.zohouser == "u102")
    }

    @Test func outboundAndItsFailureStates() {
        #expect(
            Self.fields(Self.notify(Self.event(.outbound, .ringing))) == [
                "type": "dialed", "state": "ringing", "id": "sales-1764079391.42", "from": "101",
                "to": "+81398765432", "zohouser": "u101",
            ])
        #expect(Self.notify(Self.event(.outbound, .ended, cause: .normal, talk: 12))?.duration == 12)
        let expected: [(CallCause, String)] = [
            (.busy, "busy"), (.noAnswer, "noanswer"), (.rejected, "rejected"), (.unavailable, "notavailable"),
            (.invalid, "invalid"), (.congestion, "notavailable"), (.failed, "notavailable"),
        ]
        for (cause, state) in expected {
            let notify = Self.notify(Self.event(.outbound, .failed, cause: cause))
            #expect(notify?.state == state, "\(cause)")
            #expect(notify?.startTime == "2025-11-25 14:03:11")
            #expect(notify?.duration == nil)
            #expect(notify?.isUnanswered == true)
        }
        let cancelled = Self.notify(Self.event(.outbound, .failed, cause: .cancelled))
        #expect(cancelled?.state == "ended")
        #expect(cancelled?.duration == 0)
    }

    @Test func unansweredStatesFollowThePolicy() {
        var endedOnly = Self.defaults
        endedOnly.unanswered = .ended
        let missed = Self.notify(Self.event(.inbound, .missed), settings: endedOnly)
        #expect(missed?.state == "ended")
        #expect(missed?.duration == 0)
        #expect(missed?.startTime == "2025-11-25 14:03:11")
        #expect(Self.notify(Self.event(.outbound, .failed, cause: .busy), settings: endedOnly)?.state == "ended")
        var documented = Self.defaults
        documented.unanswered = .documented
        #expect(Self.notify(Self.event(.inbound, .missed), settings: documented)?.state == "missed")
    }

    @Test func aTransferredCallGoesOnWithTheMemberItWentTo() {
        #expect(
            ZohoCallNotify.mapping(
                for: Self.event(.inbound, .transferred), sentBefore: [], settings: Self.defaults)
                == .skip(reason: "transferred: the call goes on with the member it went to"))
        let ringing = Self.notify(Self.event(.inbound, .ringing, extension: "102", transferredCallId: "1764079391.42"))
        #expect(ringing?.transferredCallId == "sales-1764079391.42")
        #expect(ringing?.zohouser == "u102")
    }

    @Test func internalCallsAreSkippedOrSentFromBothSides() {
        let caller = Self.event(.internal, .ringing, extension: "101", from: "101", to: "102")
        let callee = Self.event(.internal, .ringing, extension: "102", from: "101", to: "102")
        #expect(
            ZohoCallNotify.mapping(for: caller, sentBefore: [], settings: Self.defaults)
                == .skip(reason: "internal call (crm.internal = skip)"))
        var send = Self.defaults
        send.internalCalls = .send
        #expect(Self.notify(caller, settings: send).map { [$0.type, $0.from, $0.to] } == ["dialed", "101", "102"])
        #expect(Self.notify(callee, settings: send).map { [$0.type, $0.from, $0.to] } == ["received", "101", "102"])
    }

    @Test func aWithheldCallerIsAnonymousAndPlusIsEncoded() {
        var withheld = Self.event(.inbound, .ringing)
        withheld.from = "anonymous"
        withheld.fromE164 = nil
        #expect(Self.notify(withheld)?.from == "anonymous")
        let form = FormEncoding.encode(Self.notify(Self.event(.inbound, .ringing))?.fields ?? [])
        #expect(form.contains("from=%2B81312345678&"))
    }
}
