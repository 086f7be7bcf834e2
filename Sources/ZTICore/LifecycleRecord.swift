/// What a tracker knows of one member's lifecycle in one call, whatever the PBX: enough to make any of its
/// events. Both trackers' lifecycles conform, so an event is made by one rule (``event(_:at:group:pbx:numbers:)``).
public protocol LifecycleRecord {
    var callId: String { get }
    var direction: CallDirection { get }
    var extensionNumber: String { get }
    var user: String? { get }
    var attempt: Int { get }
    var from: String? { get }
    var to: String? { get }
    var dialled: String? { get }
    var startedAt: EventTime { get }
    var answeredAt: EventTime? { get }
    /// When the member's leg stopped ringing unanswered, for the ring time of an end.
    var ringEndedAt: EventTime? { get }
    var transferredCallId: String? { get }
    var clickToDialId: String? { get }
}

extension LifecycleRecord {
    /// The lifecycle's event of `state` at `time`: its parties and times (``CallEvent/stampTimes``), and on an
    /// end its cause; `answeredAt` overrides the lifecycle's (the answer being emitted now).
    public func event(
        _ state: CallState, at time: EventTime, group: String, pbx: PBXType, numbers: NumberPlan?,
        answeredAt: EventTime? = nil, cause: CallCause? = nil, raw: String? = nil, transferredTo: String? = nil
    ) -> CallEvent {
        var event = CallEvent(
            group: group, pbx: pbx, callId: callId, direction: direction, state: state, extension: extensionNumber,
            attempt: attempt, at: time, from: from, to: to, dialled: dialled, numbers: numbers, user: user)
        event.stampTimes(startedAt: startedAt, answeredAt: answeredAt ?? self.answeredAt, ringEndedAt: ringEndedAt)
        if state.isTerminal {
            event.cause = cause
            event.rawCause = raw
        }
        event.transferredTo = transferredTo
        event.transferredCallId = transferredCallId
        event.clickToDialId = clickToDialId
        return event
    }
}
