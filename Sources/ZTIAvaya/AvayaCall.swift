import ZTICore

/// A call on CM as the group's monitors see it: its identity and the lifecycles of the members in it.
struct AvayaCall: Sendable {
    /// The UCID, or `cm-<callID>-<first seen ms>` until one arrives; fixed when the call is first seen.
    let callId: String
    var ucid: String?
    /// Someone answered (a member, or the far end of a member's outbound call).
    var answered = false
    /// The call was transferred: members who receive it from now on carry `transferredCallId`.
    var transferred = false
    /// The calling and called numbers of the call, for members who join it later (after a transfer).
    var from: String?
    var to: String?
    var lifecycles: [AvayaLifecycle] = []
    /// Ring attempts per member so far (a member alerted again is a new attempt).
    var attempts: [String: Int] = [:]
    /// Monitored members the call was diverted to and that have not alerted yet: a diverted member's missed
    /// waits for them (coverage that another member answers is not missed).
    var expecting: Set<String> = []
    var lastEventAt: EventTime

    init(callId: String, ucid: String?, at time: EventTime) {
        self.callId = callId
        self.ucid = ucid
        self.lastEventAt = time
    }

    /// The indices of `member`'s open lifecycles.
    func indices(of member: String) -> [Int] {
        lifecycles.indices.filter { lifecycles[$0].extensionNumber == member }
    }
}
