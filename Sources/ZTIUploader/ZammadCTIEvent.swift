import ZTICore

/// One request of Zammad's generic CTI API (`crm.sink = zammad`), made from a normalized call event. Zammad knows
/// calls, not members, so a call gets one `newCall`, an `answer` per member who answers (after a transfer, the new
/// one), and one `hangup`:
///
/// | normalized event | Zammad |
/// |---|---|
/// | the call's first `ringing` | `newCall` (`direction` in/out, `user` the member's CRM user) |
/// | later `ringing` (other members, transfers) | nothing |
/// | `answered` | `answer` with `answeringNumber` = the extension |
/// | `ended` of the member who answered last | `hangup` cause `normalClearing` |
/// | `ended` with `answeredElsewhere`, `transferred`, `ended` of an earlier answerer | nothing |
/// | the call's first `missed` (nobody answered) | `hangup` with the cause below |
/// | outbound `failed` | `hangup` with the cause below |
/// | internal calls | skipped (`crm.internal = skip`); with `send`, like the others |
///
/// Causes: busy → `busy`; noAnswer, rejected → `noAnswer`; unavailable, invalid → `notFound`; congestion,
/// failed → `congestion`; diverted → `forwarded`; cancelled, unknown → `cancel`.
public enum ZammadCTIEvent {
    public enum Mapping: Sendable, Equatable {
        case send(JSONValue)
        case skip(reason: String)
    }

    public static func mapping(for event: CallEvent, sentBefore: [CallEvent], internalCalls: InternalCallPolicy)
        -> Mapping
    {
        var inbound: Bool
        switch event.direction {
        case .inbound: inbound = true
        case .outbound: inbound = false
        case .internal:
            guard internalCalls == .send else { return .skip(reason: "internal call (crm.internal = skip)") }
            inbound = event.from != event.extension
        }
        // Terminal events are sent only as the hangup, so one among those sent means the call is over for Zammad.
        if sentBefore.contains(where: { $0.state.isTerminal }) {
            return .skip(reason: "the call's hangup has been sent")
        }
        var body: [String: JSONValue] = [
            "from": .string(event.fromE164 ?? event.from ?? "anonymous"),
            "to": .string(event.toE164 ?? event.to ?? event.dialled ?? ""),
            "direction": .string(inbound ? "in" : "out"),
            "callId": .string(event.group + "-" + event.callId),
        ]
        if let user = event.user { body["user"] = .array([.string(user)]) }
        switch event.state {
        case .ringing:
            guard !sentBefore.contains(where: { $0.state == .ringing }) else {
                return .skip(reason: "the call's newCall has been sent")
            }
            body["event"] = .string("newCall")
        case .answered:
            body["event"] = .string("answer")
            body["answeringNumber"] = .string(event.extension)
        case .ended, .missed, .failed, .transferred:
            guard hangsUp(event, after: sentBefore) else {
                return .skip(reason: "the call goes on with another member")
            }
            body["event"] = .string("hangup")
            body["cause"] = .string(event.state == .ended ? "normalClearing" : cause(event.cause))
            if event.state == .ended { body["answeringNumber"] = .string(event.extension) }
        }
        return .send(.object(body))
    }

    /// Whether this terminal event ends the call for Zammad: the end of the member who answered last, or, when
    /// nobody answered, the first miss or failure.
    static func hangsUp(_ event: CallEvent, after earlier: [CallEvent]) -> Bool {
        switch event.state {
        case .ended:
            guard event.cause != .answeredElsewhere else { return false }
            let lastAnswerer = earlier.last { $0.state == .answered }?.extension
            // Without an answer on record the end still closes the call: Zammad must never keep it ringing.
            return lastAnswerer == nil || lastAnswerer == event.extension
        case .missed, .failed:
            return !earlier.contains { $0.state == .answered }
        case .ringing, .answered, .transferred:
            return false
        }
    }

    static func cause(_ cause: CallCause?) -> String {
        switch cause {
        case .busy: "busy"
        case .noAnswer, .rejected: "noAnswer"
        case .unavailable, .invalid: "notFound"
        case .congestion, .failed: "congestion"
        case .diverted: "forwarded"
        case .normal: "normalClearing"
        case .cancelled, .unknown, .answeredElsewhere, nil: "cancel"
        }
    }
}
