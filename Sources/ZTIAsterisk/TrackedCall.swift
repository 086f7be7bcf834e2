/// One user-visible call: a union of channels with a stable id.
struct TrackedCall: Sendable {
    let number: Int
    /// The first Linkedid (12+) or first Uniqueid (≤ 11) seen; it never changes once a lifecycle was emitted
    /// with it, but a call adopted at a re-sync takes the callId the spool has for it (see `resume`).
    var callId: String
    var channels: Set<String> = []
    /// The Linkedids that name this call (`callByLinkedid`'s keys for it), so that ending it is not a walk of them all.
    var linkedids: Set<String> = []
    /// The channel that started the call (the caller).
    var origin: String?
    /// Some destination leg answered and was bridged (a member, or an outside follow-me number).
    var answered = false
    /// A transfer happened: members who receive the call from now on carry `transferredCallId`.
    var transferred = false
    var clickToDialId: String?
    var clickToDialExtension: String?
    /// The member channel rung first by a click-to-dial request, whose outbound lifecycle starts at the
    /// customer's leg.
    var originateLeg: String?
    var lifecycles: Set<Int> = []
    /// The member leg that placed this call to consult someone while its own call waits (the second call of an
    /// attended transfer): that member is its caller.
    var consultedBy: String?
    /// The consultation was turned into a transfer (its target joined the consultant's call).
    var consultationCompleted = false
}
