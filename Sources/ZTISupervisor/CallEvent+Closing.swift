import ZTICore

extension CallEvent {
    /// `callId/extension/attempt`, as the tracker names its open lifecycles.
    var lifecycleKey: String { "\(callId)/\(`extension`)/\(attempt)" }

    /// The end of the lifecycle this event belongs to, when the PBX no longer has its call: as the sweeper
    /// closes one (cause `unknown`): `ended` if it was answered, `missed` if inbound, `failed` if outbound.
    func closed(at time: EventTime) -> CallEvent {
        let state: CallState =
            self.state == .answered ? .ended : (direction == .outbound ? .failed : .missed)
        var closing = CallEvent(
            group: group, pbx: pbx, callId: callId, direction: direction, state: state, extension: `extension`,
            attempt: attempt, at: time, from: from, to: to, dialled: dialled, user: user)
        closing.fromE164 = fromE164
        closing.toE164 = toE164
        closing.startedAt = startedAt
        closing.answeredAt = answeredAt
        closing.endedAt = time
        closing.ringSeconds = ringSeconds
        if let answeredAt { closing.talkSeconds = answeredAt.wholeSeconds(until: time) }
        closing.cause = .unknown
        closing.rawCause = "closed after a worker restart: the PBX no longer has the call"
        closing.transferredCallId = transferredCallId
        closing.clickToDialId = clickToDialId
        return closing
    }
}
