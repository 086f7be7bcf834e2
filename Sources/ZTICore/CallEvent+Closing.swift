extension CallEvent {
    /// True when the member was the calling party (outbound-shaped: `ringing` meant dialled): an outbound
    /// lifecycle, or an internal one whose member dialled (it carries the digits, or calls from its own number).
    public var memberDialled: Bool {
        direction == .outbound || dialled != nil || (direction == .internal && from == `extension`)
    }

    /// The end of this event's lifecycle when its leg is gone and its end was never seen ("Nothing left ringing"):
    /// cause `unknown`; `ended` if the member answered; `ended` with `answeredElsewhere` when the call is still up
    /// and another member answered it; otherwise `missed` for a member who was called, `failed` for one who was
    /// calling. It ends at `endedAt`, the last time the leg was known present; `reason` becomes `rawCause`.
    public func closedAbsent(at endedAt: EventTime, answeredElsewhere: Bool = false, reason: String) -> CallEvent {
        let state: CallState
        if self.state == .answered || answeredElsewhere {
            state = .ended
        } else {
            state = memberDialled ? .failed : .missed
        }
        let endedAt = max(endedAt, at)
        var closing = CallEvent(
            group: group, pbx: pbx, callId: callId, direction: direction, state: state, extension: `extension`,
            attempt: attempt, at: endedAt, from: from, to: to, dialled: dialled, user: user)
        closing.fromE164 = fromE164
        closing.toE164 = toE164
        closing.stampTimes(startedAt: startedAt ?? at, answeredAt: answeredAt)
        closing.cause = self.state != .answered && answeredElsewhere ? .answeredElsewhere : .unknown
        closing.rawCause = reason
        closing.transferredCallId = transferredCallId
        closing.clickToDialId = clickToDialId
        return closing
    }
}
