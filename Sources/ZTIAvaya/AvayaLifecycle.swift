import ZTICore

/// One member extension's lifecycle in one Avaya call.
struct AvayaLifecycle: Sendable {
    enum Shape: Sendable {
        /// The member is called: ringing, then answered/ended, missed, or ended as answered elsewhere.
        case inbound
        /// The member dialled: ringing (dialled), then answered/ended, failed, or ended without answer signal.
        case outbound
    }

    enum Phase: Sendable, Equatable {
        case ringing
        case answered
        /// The member's unanswered leg is gone (diverted, cleared, never alerted): whether that is missed or
        /// answered elsewhere waits for the rest of the call.
        case pending
    }

    /// Why an unanswered leg ended, or why an outbound call failed.
    struct Outcome: Sendable, Equatable {
        let cause: CallCause
        let raw: String?
    }

    let extensionNumber: String
    let user: String?
    let callId: String
    let attempt: Int
    let shape: Shape
    var direction: CallDirection
    var phase: Phase
    /// Whether its ringing was emitted (an attempt that never alerted emits only its end, if anything).
    var rang: Bool
    var startedAt: EventTime
    var answeredAt: EventTime?
    var legEndedAt: EventTime?
    var lastEventAt: EventTime
    var from: String?
    var to: String?
    var dialled: String?
    var outcome: Outcome?
    /// The call left CM on a trunk: its answer may never be signalled.
    var trunk = false
    var clickToDialId: String?
    var transferredCallId: String?
    /// False for a lifecycle taken over from the spool until a re-sync finds its leg (or closes it).
    var confirmed = true
    /// The last re-sync that found its leg.
    var lastSeenAt: EventTime?

    /// The last time its leg was known present: its last event, or the last re-sync that found it.
    var lastKnownAt: EventTime { max(lastEventAt, lastSeenAt ?? lastEventAt) }

    /// Still ringing or talking (not waiting for the call to decide its end).
    var isActive: Bool { phase != .pending }
}

extension AvayaLifecycle: LifecycleRecord {
    var ringEndedAt: EventTime? { legEndedAt }
}
