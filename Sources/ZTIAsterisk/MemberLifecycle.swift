import ZTICore

/// One member extension's lifecycle in one call: what has been emitted, and what decides its end.
struct MemberLifecycle: Sendable {
    enum Shape: Sendable {
        /// The member is called: ringing, then answered/ended, missed, or ended as answered elsewhere.
        case inbound
        /// The member dialled: ringing (dialled), then answered/ended, failed, or ended without answer signal.
        case outbound
    }

    enum Phase: Sendable {
        /// Dialled to but not alerting yet (nothing emitted).
        case attempted
        case ringing
        case answered
    }

    let id: Int
    var call: Int
    let callId: String
    let extensionNumber: String
    let user: String?
    let attempt: Int
    let shape: Shape
    var direction: CallDirection
    var phase = Phase.attempted
    /// The member's leg named in its events' resume key (the device channel it started on).
    var resumeLeg: String?
    /// Adopted at a re-sync: an answer found then is not preceded by an invented ringing.
    var adopted = false
    /// Adopted while the spool's open lifecycles are not known yet: it emits nothing, and gives way to them.
    var provisional = false
    /// The member's channels in this lifecycle, and those still up.
    var legs: Set<String>
    var liveLegs: Set<String>
    /// The channels that dialled the legs, so that a dial end naming only the caller (1.6–11) reaches them.
    var callers: Set<String> = []
    var startedAt: EventTime
    var answeredAt: EventTime?
    /// When the last leg ended, for the ring time of a lifecycle decided later (missed, answered elsewhere).
    var legsEndedAt: EventTime?
    var from: String?
    var to: String?
    var dialled: String?
    /// The leg's own outcome (a dial status or hangup cause), kept until the call decides missed or not.
    var pendingStatus: PendingStatus?
    /// Outbound: destination legs still dialling, and whether one answered.
    var pendingDestinations: Set<String> = []
    var destinationAnswered = false
    var transferredCallId: String?
    var clickToDialId: String?

    /// A leg's own outcome.
    enum PendingStatus: Sendable, Equatable {
        case dialStatus(AMIDialStatus)
        case hangupCause(Int)
        case vanished
        /// 1.4 (no dial status): the leg hung up with this cause and the caller went on in its dialplan, so the
        /// Dial timed out.
        case timedOut(hangupCause: Int?)
    }
}

extension MemberLifecycle: LifecycleRecord {
    var ringEndedAt: EventTime? { legsEndedAt }
}
