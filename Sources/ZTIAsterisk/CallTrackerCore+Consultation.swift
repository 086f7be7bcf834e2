import ZTICore

/// Attended transfers through the PBX's transfer feature (`*2` on the handset, AMI `Atxfer`): the member's answered
/// leg places a second call through a Local channel to consult someone while the customer waits. That second call is
/// a call of its own (the member is its caller), even where 12+ gives it the customer call's Linkedid; when its Local
/// channel is bridged with the customer's side, the member transferred the customer's call to whoever it reached.
extension CallTrackerCore {
    /// The transfer feature places a Local channel that nothing dialled (no Dial, no Originate led to its `;1`
    /// half) with the caller ID of the consulting leg: a member's answered leg that is up and either in the same
    /// call (12+ gives the consultation the customer call's Linkedid) or out of every bridge while the feature runs
    /// (1.4–11). Exactly one such leg must match; `TRANSFERERNAME` would name it, but `VarSet` is not subscribed.
    mutating func inferConsultation(dialler: String) {
        // The `;2` half runs the Local channel's dialplan; the `;1` half is what the feature placed.
        guard let caller = channels[dialler], caller.name.isLocalDialplanHalf,
            calls[caller.call]?.consultedBy == nil,
            calls[caller.call]?.clickToDialId == nil, let first = localPartner(of: dialler),
            let firstHalf = channels[first], !firstHalf.isDestination, !firstHalf.isOriginateLeg
        else { return }
        let numbers = [caller.callerNumber, firstHalf.callerNumber].compactMap { $0 }.filter { !Self.isUnknown($0) }
        guard !numbers.isEmpty else { return }
        let candidates = channels.values.filter { leg in
            leg.isEndpoint && leg.state == .up && (leg.call == caller.call || !isBridged(leg.uniqueid))
                && leg.callerNumber.map(numbers.contains) == true
                && (lifecyclesByLeg[leg.uniqueid] ?? []).contains { lifecycles[$0]?.phase == .answered }
        }
        guard candidates.count == 1, let consultant = candidates.first else { return }
        beginConsultation(first, by: consultant.uniqueid)
    }

    /// Makes the call of `uniqueid` (and its Local partner) the consultation of the member leg `consultant`.
    mutating func beginConsultation(_ uniqueid: String, by consultant: String) {
        guard let leg = channels[consultant], leg.isEndpoint, directory.member(leg.name, context: leg.context) != nil,
            (lifecyclesByLeg[consultant] ?? []).contains(where: { lifecycles[$0]?.phase == .answered }),
            let current = channels[uniqueid]?.call
        else { return }
        if calls[current]?.consultedBy == consultant { return }
        // A chain of its own must not be anyone's call yet.
        guard calls[current]?.consultedBy == nil, current == leg.call || calls[current]?.lifecycles.isEmpty == true
        else { return }
        var call = current
        if current == leg.call {
            // 12+: the consultation carries the customer call's Linkedid; it is split off into a call of its own.
            let partner = localPartner(of: uniqueid)
            call = newCall(id: uniqueid)
            for channel in [uniqueid, partner].compactMap({ $0 }) { move(channel, to: call) }
        }
        for channel in calls[call]?.channels ?? [] { channels[channel]?.isPinned = true }
        calls[call]?.origin = uniqueid
        calls[call]?.consultedBy = consultant
        // Placed for the member: talking to it means the consultation was answered.
        channels[uniqueid]?.isDestination = true
    }

    /// True when one call is a consultation placed by a leg of the other: they stay apart whatever bridges them.
    func keepsApart(_ first: Int, _ second: Int) -> Bool {
        func consults(_ one: Int, _ other: Int) -> Bool {
            guard let leg = calls[one]?.consultedBy else { return false }
            return channels[leg]?.call == other
        }
        return consults(first, second) || consults(second, first)
    }

    /// A channel of the consultant's call (not the consultant) bridged with a consultation channel: the member
    /// handed its customer to the party it consulted.
    mutating func completeConsultations(inBridgeOf uniqueid: String, at time: EventTime) {
        guard let bridged = channels[uniqueid]?.bridges else { return }
        for bridge in bridged.sorted() {
            let members = (bridges[bridge] ?? []).sorted()
            for member in members {
                guard let call = channels[member]?.call, let tracked = calls[call], !tracked.consultationCompleted,
                    let consultant = tracked.consultedBy, let customerCall = channels[consultant]?.call,
                    members.contains(where: { $0 != consultant && $0 != member && channels[$0]?.call == customerCall })
                else { continue }
                let target = consultedParty(in: call).map { ChannelSnapshot(uniqueid: $0) }
                attendedTransfer(
                    original: ChannelSnapshot(uniqueid: consultant), second: ChannelSnapshot(uniqueid: consultant),
                    target: target, at: time)
                calls[call]?.consultationCompleted = true
            }
        }
    }

    /// The party a consultation reached: its answered destination device (a member first), else one still ringing.
    func consultedParty(in call: Int) -> String? {
        let parties = (calls[call]?.channels ?? []).sorted().compactMap { channels[$0] }.filter {
            $0.isEndpoint && $0.isDestination
        }
        func rank(_ channel: TrackedChannel) -> Int {
            let isMember = directory.member(channel.name, context: channel.context) != nil
            return (channel.state == .up ? 0 : 2) + (isMember ? 0 : 1)
        }
        return parties.min { rank($0) < rank($1) }?.uniqueid
    }

    /// The device behind a Local half: whoever the other half is bridged with (or dialled).
    func deviceBehind(_ uniqueid: String) -> String? {
        guard channels[uniqueid]?.isEndpoint == false, let partner = localPartner(of: uniqueid) else { return nil }
        if let device = bridgePartner(of: partner), channels[device]?.isEndpoint == true { return device }
        return nil
    }
}
