// The one rule for a lifecycle event's times and durations (the architecture's call semantics), which both
// trackers and the closing of an absent leg apply.

extension CallEvent {
    /// Gives this event its lifecycle's times: when it started and was answered; on `answered` the ring time so
    /// far; on an end (`at`) the end, the ring time (until the answer, else until the member's leg stopped
    /// ringing, else the end) and the talk time (from the answer).
    public mutating func stampTimes(startedAt: EventTime, answeredAt: EventTime?, ringEndedAt: EventTime? = nil) {
        self.startedAt = startedAt
        self.answeredAt = answeredAt
        if state == .answered { ringSeconds = startedAt.wholeSeconds(until: at) }
        if state.isTerminal {
            endedAt = at
            ringSeconds = startedAt.wholeSeconds(until: answeredAt ?? ringEndedAt ?? at)
            if let answeredAt { talkSeconds = answeredAt.wholeSeconds(until: at) }
        }
    }
}
