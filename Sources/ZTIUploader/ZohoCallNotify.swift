import ZTICore

/// One Zoho PhoneBridge v3 `callnotify` request, made from a normalized call event.
///
/// The mapping (kept in step with the README's table):
///
/// | direction | state | cause | Zoho `type`/`state` | extra fields |
/// |---|---|---|---|---|
/// | inbound | ringing | | `received`/`ringing` | `transferredcallid` after a transfer |
/// | inbound | answered | | `received`/`answered` | |
/// | inbound | ended | `answeredElsewhere` | nothing: the member did not take the call | |
/// | inbound | ended | any other | `received`/`ended` | `duration`, `start_time` |
/// | inbound | missed | | `received`/`missed`, once per call (`crm.zoho.missed = percall`) | `start_time` |
/// | outbound | ringing | | `dialed`/`ringing` | |
/// | outbound | answered | | `dialed`/`answered` | |
/// | outbound | ended | | `dialed`/`ended` | `duration`, `start_time` |
/// | outbound | failed | busy, noAnswer, rejected, unavailable, invalid, congestion, failed | `dialed`/`busy`, `noanswer`, `rejected`, `notavailable`, `invalid` | `start_time` |
/// | outbound | failed | cancelled, unknown | `dialed`/`ended` | `duration=0`, `start_time` |
/// | any | transferred | | nothing: the call goes on with the member it went to | |
/// | internal | any | | skipped (`crm.internal = skip`); with `send`, the caller's side as outbound, the callee's as inbound | |
///
/// `missed` and the dialled failure states are what Zoho documents; the live API has been reported to refuse them
/// with a 400, so `crm.zoho.unanswered` chooses between the documented state, `ended` with `duration=0`, or the
/// first with the second as the fallback (``endedInstead()``).
public struct ZohoCallNotify: Sendable, Equatable {
    public var type: String
    public var state: String
    /// `<group>-<callId>`: Linkedids and UCIDs of two PBXs can collide, the group key makes them unique.
    public var id: String
    public var from: String
    public var to: String
    public var zohouser: String?
    /// `yyyy-MM-dd HH:mm:ss` in GMT (ISO 8601 is refused by Zoho).
    public var startTime: String?
    public var duration: Int?
    public var transferredCallId: String?

    /// The dialled failure states Zoho documents.
    public static let dialledFailureStates: Set<String> = [
        "busy", "invalid", "blocked", "notavailable", "noanswer", "rejected",
    ]

    /// What an event becomes.
    public enum Mapping: Sendable, Equatable {
        case notify(ZohoCallNotify)
        case skip(reason: String)
    }

    /// How events map: the policies of `zti.properties`.
    public struct Settings: Sendable {
        public var missed: ZohoMissedPolicy
        public var internalCalls: InternalCallPolicy
        public var unanswered: ZohoUnansweredPolicy

        public init(missed: ZohoMissedPolicy, internalCalls: InternalCallPolicy, unanswered: ZohoUnansweredPolicy) {
            self.missed = missed
            self.internalCalls = internalCalls
            self.unanswered = unanswered
        }
    }

    /// Zoho's call id for an event's call.
    public static func callId(group: String, callId: String) -> String { group + "-" + callId }

    /// The request for `event`, given the events of its call already sent to Zoho (for one `missed` per call).
    public static func mapping(for event: CallEvent, sentBefore: [CallEvent], settings: Settings) -> Mapping {
        var inbound: Bool
        switch event.direction {
        case .inbound: inbound = true
        case .outbound: inbound = false
        case .internal:
            guard settings.internalCalls == .send else {
                return .skip(reason: "internal call (crm.internal = skip)")
            }
            // The member who placed an internal call is its outbound side.
            inbound = event.from != event.extension
        }
        let customer = inbound ? (event.fromE164 ?? event.from) : (event.toE164 ?? event.to ?? event.dialled)
        var notify = ZohoCallNotify(
            type: inbound ? "received" : "dialed", state: "", id: callId(group: event.group, callId: event.callId),
            from: inbound ? (customer ?? "anonymous") : event.extension,
            to: inbound ? event.extension : (customer ?? "unknown"), zohouser: event.user)
        let startTime = ZohoCallNotify.startTime(event.startedAt ?? event.at)
        switch event.state {
        case .ringing:
            notify.state = "ringing"
            notify.transferredCallId = event.transferredCallId.map { callId(group: event.group, callId: $0) }
        case .answered:
            notify.state = "answered"
        case .ended:
            if event.cause == .answeredElsewhere {
                return .skip(reason: "answered by another member")
            }
            notify.state = "ended"
            notify.duration = event.talkSeconds ?? 0
            notify.startTime = startTime
        case .missed:
            if settings.missed == .percall, sentBefore.contains(where: { $0.state == .missed }) {
                return .skip(reason: "the call's missed notification has been sent (crm.zoho.missed = percall)")
            }
            notify.state = "missed"
            notify.startTime = startTime
        case .failed:
            notify.startTime = startTime
            if let failure = event.cause?.zohoFailure {
                notify.state = failure
            } else {
                notify.state = "ended"
                notify.duration = 0
            }
        case .transferred:
            return .skip(reason: "transferred: the call goes on with the member it went to")
        }
        if notify.isUnanswered, settings.unanswered == .ended { notify = notify.endedInstead() }
        return .notify(notify)
    }

    /// Whether this is a state the live API has been reported to refuse (a received `missed`, a dialled failure).
    public var isUnanswered: Bool {
        (type == "received" && state == "missed") || (type == "dialed" && Self.dialledFailureStates.contains(state))
    }

    /// The fallback for a refused unanswered state: `ended` with `duration=0`, the same call and time.
    public func endedInstead() -> ZohoCallNotify {
        var ended = self
        ended.state = "ended"
        ended.duration = 0
        return ended
    }

    /// The form fields, in a fixed order.
    public var fields: [(name: String, value: String)] {
        var fields: [(name: String, value: String)] = [
            ("type", type), ("state", state), ("id", id), ("from", from), ("to", to),
        ]
        if let zohouser { fields.append(("zohouser", zohouser)) }
        if let startTime { fields.append(("start_time", startTime)) }
        if let duration { fields.append(("duration", String(duration))) }
        if let transferredCallId { fields.append(("transferredcallid", transferredCallId)) }
        return fields
    }

    /// `yyyy-MM-dd HH:mm:ss` in UTC, from the canonical `yyyy-MM-ddTHH:mm:ss.SSSZ`.
    static func startTime(_ time: EventTime) -> String {
        let canonical = time.description
        return String(canonical.prefix(10)) + " " + String(canonical.dropFirst(11).prefix(8))
    }
}
