import ZTICore

/// The family-neutral call tracker: a pure state machine from ``TrackerInput`` to ``CallEvent``s.
///
/// It keeps a channel table and a union of channels per user-visible call, and one ``MemberLifecycle`` per
/// member extension and ring attempt, and applies the architecture's call semantics: ringing once per
/// (call, extension, attempt); answered only when bridged; losers of an answered call end as
/// `answeredElsewhere`; missed only when nobody answered; outbound ringing means dialled; plumbing is never a
/// party. The family adapters turn each dialect's events into inputs.
public struct CallTrackerCore: Sendable {
    let directory: MemberDirectory
    var channels: [String: TrackedChannel] = [:]
    var calls: [Int: TrackedCall] = [:]
    var callByLinkedid: [String: Int] = [:]
    var lifecycles: [Int: MemberLifecycle] = [:]
    var lifecyclesByLeg: [String: Set<Int>] = [:]
    var attempts: [String: Int] = [:]
    var bridges: [String: Set<String>] = [:]
    /// Who talked last with whom: a channel's uniqueid → the channels whose `lastPartner` it is.
    var talkedWith: [String: Set<String>] = [:]
    var resyncSeen: [String: Set<String>] = [:]
    var resyncStarted: [String: EventTime] = [:]
    var pendingClickToDial: [String: (id: String, extension: String, prefix: String, exten: String?)] = [:]
    var nextNumber = 0
    var output: [CallEvent] = []
    /// The resume key (member leg) of each event of the last ``handle(_:at:)``, by event id.
    public internal(set) var resumeKeys: [String: String] = [:]
    /// The spool's open lifecycles not yet found at a re-sync, by resume key; closed at the first re-sync's end.
    var resumable: [String: [CallEvent]] = [:]
    var awaitingFirstResync = false
    /// Legs whose lifecycle already ended (from `OPEN`): found up at a re-sync, they are not a new attempt.
    var finishedLegs: Set<String> = []
    /// The spool's open lifecycles are still to come (`OPEN` after the worker started): what re-syncs adopt
    /// meanwhile is provisional.
    public var awaitingOpen = false
    var resumeReport: (resumed: Int, closed: Int)?
    /// Transfers without a transfer event (every 1.4 transfer, and a third party's Redirect in every family) are
    /// inferred: a member's answered leg that ends while its partner stays is held here until the partner either
    /// dials a member (a blind transfer) or ends; a partner that leaves the member's bridge and dials a member while
    /// the member's leg is still up was transferred by that member.
    var deferredEnds: [String: [(id: Int, cause: CallCause, raw: String?, at: EventTime)]] = [:]

    /// A tracker for the members of `directory`.
    public init(directory: MemberDirectory) {
        self.directory = directory
    }

    /// Calls with a live channel.
    public var activeCallCount: Int { calls.count }

    /// Lifecycles not closed yet, as `callId/extension/attempt`, for the end-of-replay report.
    public var openLifecycles: [String] {
        lifecycles.values.sorted { $0.id < $1.id }.map { "\($0.callId)/\($0.extensionNumber)/\($0.attempt)" }
    }

    /// Applies one input and returns the events it decides, in order.
    public mutating func handle(_ input: TrackerInput, at time: EventTime) -> [CallEvent] {
        output.removeAll(keepingCapacity: true)
        resumeKeys.removeAll(keepingCapacity: true)
        switch input {
        case .channel(let snapshot):
            _ = ensureChannel(snapshot, at: time)
        case .dialBegin(let caller, let destination, let dialString):
            dialBegin(caller: caller, destination: destination, dialString: dialString, at: time)
        case .destinationRinging(let snapshot):
            var ringing = snapshot
            ringing.state = .ringing
            _ = ensureChannel(ringing, at: time)
        case .dialEnd(let caller, let destination, let status):
            dialEnd(caller: caller, destination: destination, status: status, at: time)
        case .destinationHungUp(let caller, let destination, let cause):
            destinationHungUp(caller: caller, destination: destination, cause: cause, at: time)
        case .bridgeEnter(let bridge, let snapshot):
            bridgeEnter(bridge, snapshot, at: time)
        case .bridgeLeave(let bridge, let snapshot):
            leaveBridge(bridge, snapshot.uniqueid)
            channels[snapshot.uniqueid]?.bridges.remove(bridge)
        case .sameCall(let first, let second):
            if let one = channels[first]?.call, let two = channels[second]?.call { merge(one, two) }
        case .masquerade(let original, let clone):
            masquerade(original: original, clone: clone)
        case .rename(let uniqueid, let newName):
            channels[uniqueid]?.name = ChannelName(newName)
        case .hangup(let snapshot, let cause):
            hangup(snapshot.uniqueid, cause: cause.map(MemberLifecycle.PendingStatus.hangupCause), at: time)
        case .blindTransfer(let transferer, let target):
            transfer(away: transferer.uniqueid, to: target, at: time)
        case .attendedTransfer(let original, let second, let target):
            attendedTransfer(original: original, second: second, target: target, at: time)
        case .originateAnswered(let uniqueid, let exten):
            // The originated leg's Exten so far is its device's or its Local target: what it dials next is the
            // Originate's Exten, the digits the requester sent.
            if let exten, Self.looksDialled(exten), let channel = channels[uniqueid],
                !channel.isDestination || channel.isOriginateLeg
            {
                channels[uniqueid]?.exten = exten
            }
        case .dialplanStep(let uniqueid, let exten):
            dialReturned(caller: uniqueid, exten: exten)
        case .pickup(let picker, let target):
            pickup(picker: picker, target: target, at: time)
        case .resyncChannel(let key, let snapshot, let bridge, let isCaller):
            resyncChannel(key: key, snapshot, bridge: bridge, isCaller: isCaller, at: time)
        case .resyncBegin(let key):
            resyncStarted[key] = time
        case .resyncEnd(let key):
            let seen = resyncSeen.removeValue(forKey: key) ?? []
            let started = resyncStarted.removeValue(forKey: key)
            for uniqueid in channels.keys.sorted() where !seen.contains(uniqueid) {
                // A channel first or last seen after the list began may simply be newer than the list.
                if let started, let lastSeen = channels[uniqueid]?.lastSeen, lastSeen > started { continue }
                // Nothing left ringing: a vanished leg ends when it was last known present (its last event, or the
                // last re-sync that listed it), not when this list noticed it gone.
                hangup(uniqueid, cause: .vanished, at: channels[uniqueid]?.lastSeen ?? time)
            }
            if awaitingFirstResync { closeUnresumed() }
        case .clickToDialSent(let actionID, let clickToDialId, let prefix, let exten):
            let member = directory.member(ChannelName(prefix + "-0"))?.extensionNumber ?? ""
            pendingClickToDial[actionID] = (clickToDialId, member, prefix, exten)
        case .clickToDialChannel(let actionID, let uniqueid, _):
            if let pending = pendingClickToDial.removeValue(forKey: actionID), let uniqueid,
                channels[uniqueid] != nil
            {
                tagClickToDial(uniqueid, id: pending.id, extension: pending.extension, exten: pending.exten)
            }
        }
        return output
    }

    // MARK: - Channels and calls

    /// Creates or updates a channel from a snapshot and returns its Uniqueid.
    @discardableResult
    mutating func ensureChannel(_ snapshot: ChannelSnapshot, at time: EventTime) -> String {
        var snapshot = snapshot
        // An empty Linkedid (a list item of a channel that has none) names no call: never a callId.
        if snapshot.linkedid?.isEmpty == true { snapshot.linkedid = nil }
        let uniqueid = snapshot.uniqueid
        // One lookup for a known channel (most events): its index is valid until a channel is added or removed.
        let known = channels.index(forKey: uniqueid)
        if known == nil {
            let linkedid = snapshot.linkedid ?? uniqueid
            let call = callByLinkedid[linkedid] ?? newCall(id: linkedid)
            name(call, linkedid: linkedid)
            channels[uniqueid] = TrackedChannel(
                uniqueid: uniqueid, name: ChannelName(snapshot.name ?? ""), call: call)
            calls[call]?.channels.insert(uniqueid)
            if calls[call]?.origin == nil { calls[call]?.origin = uniqueid }
            claimClickToDial(uniqueid)
        } else if let linkedid = snapshot.linkedid, let known, case let current = channels.values[known].call,
            !channels.values[known].isPinned
        {
            if let other = callByLinkedid[linkedid], other != current {
                move(uniqueid, to: other)
            } else if callByLinkedid[linkedid] == nil {
                name(current, linkedid: linkedid)
            }
        }
        guard let index = known ?? channels.index(forKey: uniqueid) else { return uniqueid }
        let (previousState, state) = Self.update(&channels.values[index], from: snapshot, at: time)
        if state != previousState {
            if state == .ringing {
                channels.values[index].wasAlerted = true
                ring(leg: uniqueid, at: time)
            }
            if state == .up { checkAnswered(uniqueid, at: time) }
        }
        return uniqueid
    }

    /// Applies a snapshot's fields to a channel in place; the states before and after.
    private static func update(_ channel: inout TrackedChannel, from snapshot: ChannelSnapshot, at time: EventTime)
        -> (AMIChannelState, AMIChannelState)
    {
        channel.lastSeen = max(channel.lastSeen, time)
        let previousState = channel.state
        if let name = snapshot.name, !name.isEmpty, name != channel.name.name { channel.name = ChannelName(name) }
        if let state = snapshot.state { channel.state = state }
        if let number = snapshot.callerNumber, number != channel.callerNumber { channel.callerNumber = number }
        if let name = snapshot.callerName, name != channel.callerName { channel.callerName = name }
        if let number = snapshot.connectedNumber, !isUnknown(number) { channel.connectedNumber = number }
        if channel.exten == nil, let exten = snapshot.exten, looksDialled(exten) { channel.exten = exten }
        if let context = snapshot.context, !context.isEmpty { channel.context = context }
        return (previousState, channel.state)
    }

    mutating func newCall(id: String) -> Int {
        nextNumber += 1
        calls[nextNumber] = TrackedCall(number: nextNumber, callId: Self.callIdentifier(id))
        return nextNumber
    }

    /// Moves a channel into another call (a Linkedid change, a transfer); its open lifecycles stay where they are.
    mutating func move(_ uniqueid: String, to call: Int) {
        guard let from = channels[uniqueid]?.call, from != call, calls[call] != nil else { return }
        calls[from]?.channels.remove(uniqueid)
        calls[call]?.channels.insert(uniqueid)
        channels[uniqueid]?.call = call
        if calls[from]?.channels.isEmpty == true, calls[from]?.lifecycles.isEmpty == true {
            removeCall(from)
        }
    }

    /// Two calls are one (a dial leg, Local halves, a bridge on ≤ 11): the older absorbs the newer, whose channels
    /// and lifecycles move over; open lifecycles keep the call id they were emitted with.
    mutating func merge(_ first: Int, _ second: Int) {
        guard first != second, let a = calls[first], let b = calls[second], !keepsApart(first, second) else { return }
        let (keep, gone) = first < second ? (a, b) : (b, a)
        for uniqueid in gone.channels { channels[uniqueid]?.call = keep.number }
        for id in gone.lifecycles { lifecycles[id]?.call = keep.number }
        var merged = keep
        merged.channels.formUnion(gone.channels)
        merged.lifecycles.formUnion(gone.lifecycles)
        merged.linkedids.formUnion(gone.linkedids)
        merged.answered = keep.answered || gone.answered
        merged.transferred = keep.transferred || gone.transferred
        merged.clickToDialId = keep.clickToDialId ?? gone.clickToDialId
        merged.clickToDialExtension = keep.clickToDialExtension ?? gone.clickToDialExtension
        merged.originateLeg = keep.originateLeg ?? gone.originateLeg
        merged.consultedBy = keep.consultedBy ?? gone.consultedBy
        if merged.consultedBy != nil {
            for uniqueid in merged.channels { channels[uniqueid]?.isPinned = true }
        }
        calls[keep.number] = merged
        calls.removeValue(forKey: gone.number)
        for linkedid in gone.linkedids { callByLinkedid[linkedid] = keep.number }
    }

    /// `linkedid` names `call` from now on.
    mutating func name(_ call: Int, linkedid: String) {
        callByLinkedid[linkedid] = call
        calls[call]?.linkedids.insert(linkedid)
    }

    mutating func removeCall(_ number: Int) {
        guard let call = calls.removeValue(forKey: number) else { return }
        for linkedid in call.linkedids where callByLinkedid[linkedid] == number { callByLinkedid[linkedid] = nil }
    }

    // MARK: - Dialling

    mutating func dialBegin(
        caller: ChannelSnapshot?, destination: ChannelSnapshot, dialString: String?, at time: EventTime
    ) {
        let callerId = caller.map { ensureChannel($0, at: time) }
        if let callerId {
            channels[callerId]?.isCaller = true
            inferConsultation(dialler: callerId)
        }
        let destinationId = ensureChannel(destination, at: time)
        if let callerId, let call = channels[callerId]?.call, let other = channels[destinationId]?.call {
            if channels[callerId]?.isPinned == true, call != other {
                // A consultation's leg carries the customer call's Linkedid: it belongs to the consultation.
                move(destinationId, to: call)
                channels[destinationId]?.isPinned = true
            } else {
                merge(call, other)
            }
        }
        channels[destinationId]?.isDestination = true
        guard let call = channels[destinationId]?.call else { return }

        if callerId == nil {
            channels[destinationId]?.isOriginateLeg = true
            if calls[call]?.clickToDialId != nil, calls[call]?.originateLeg == nil {
                calls[call]?.originateLeg = destinationId
            }
            return
        }
        let destinationChannel = channels[destinationId]!
        let destinationMember = directory.member(destinationChannel.name, context: destinationChannel.context)
        if let callerId, let member = destinationMember, deferredEnds[callerId] != nil {
            // The partner of a member who just left dials a member: that member transferred the call.
            markTransferred(call)
            resolveDeferredEnds(partner: callerId, transferredTo: member.extensionNumber)
        } else if let callerId, let member = destinationMember {
            // The party of a member's answered leg left their bridge and dials a member while that leg is still
            // up (a third party's Redirect): the member transferred the call; its leg hangs up after.
            for leg in transferredAway(from: callerId) {
                markTransferred(call)
                for id in (lifecyclesByLeg[leg] ?? []).sorted() where lifecycles[id]?.phase == .answered {
                    close(id, .transferred, at: time, transferredTo: member.extensionNumber)
                }
            }
        }
        if let member = destinationMember {
            let ownClickToDial = calls[call]?.clickToDialExtension.map { $0 == member.extensionNumber }
            // Another AMI client's click-to-dial (an Originate to a Local channel): the first member phone that
            // the originated Local pair dials is the caller's own phone.
            let originatedLocal =
                calls[call]?.clickToDialExtension == nil
                && callerId.map { originatedLocalDials(member, from: $0) } == true
            if ownClickToDial ?? originatedLocal, calls[call]?.originateLeg == nil, !hasOutboundLifecycle(call: call) {
                // A click-to-dial first leg reached through a Local channel: the member's own phone rings first.
                channels[destinationId]?.isOriginateLeg = true
                calls[call]?.originateLeg = destinationId
            } else {
                startInbound(leg: destinationId, member: member, caller: callerId, at: time)
            }
        }
        // The originating member's own phone being dialled is not that member dialling.
        if let callerId, let originator = outboundOriginator(callerId, call: call), originator != destinationId {
            // A Local caller's first Exten is its own target, never what was dialled: the digits are where its
            // dialplan is when it dials.
            let localExten =
                channels[callerId]?.isEndpoint == false
                ? caller?.exten.flatMap {
                    Self.looksDialled($0) ? $0 : nil
                } : nil
            startOutbound(
                leg: originator, destination: destinationId, dialString: dialString, caller: callerId, at: time,
                dialled: localExten, in: call)
        }
    }

    /// Member legs that were talking with `partner` (their last two-party bridge) and are no longer bridged with it.
    func transferredAway(from partner: String) -> [String] {
        let partnerBridges = channels[partner]?.bridges ?? []
        return (talkedWith[partner] ?? []).filter { uniqueid in
            guard let channel = channels[uniqueid] else { return false }
            return uniqueid != partner && channel.isEndpoint && channel.bridges.isDisjoint(with: partnerBridges)
                && (lifecyclesByLeg[uniqueid] ?? []).contains { lifecycles[$0]?.phase == .answered }
        }.sorted()
    }

    /// True when the Local half `dialler` dials the member's own phone for an Originate: its `;1` half was
    /// originated (12+ says so with a DialBegin without caller), or (≤ 11, where an originated channel shows no
    /// dial at all) nothing dialled that half and the call comes from the member's own number.
    func originatedLocalDials(_ member: MemberDirectory.Member, from dialler: String) -> Bool {
        guard let first = localPartner(of: dialler), let firstHalf = channels[first] else { return false }
        if firstHalf.isOriginateLeg { return true }
        guard let caller = channels[dialler], caller.name.isLocalDialplanHalf,
            !firstHalf.isDestination, calls[firstHalf.call]?.consultedBy == nil
        else { return false }
        return [caller.callerNumber, firstHalf.callerNumber].contains(member.extensionNumber)
    }

    /// The other half of a Local channel pair (`;1` ↔ `;2`, `,1` ↔ `,2` on 1.4) in the same call.
    func localPartner(of uniqueid: String) -> String? {
        guard let channel = channels[uniqueid], let call = calls[channel.call] else { return nil }
        let name = channel.name.name
        guard name.lowercased().hasPrefix("local/"), name.count > 2 else { return nil }
        let base = name.dropLast(2)
        let other: String
        switch name.suffix(2) {
        case ";1": other = ";2"
        case ";2": other = ";1"
        case ",1": other = ",2"
        case ",2": other = ",1"
        default: return nil
        }
        return call.channels.sorted().first { candidate in
            guard candidate != uniqueid, let partner = channels[candidate]?.name.name else { return false }
            return partner.dropLast(2) == base && partner.hasSuffix(other)
        }
    }

    /// The member channel that dials when `callerId` starts a leg: the caller itself when it is a member's phone
    /// that called in (or a click-to-dial first leg), or a click-to-dial first leg behind a Local caller.
    func outboundOriginator(_ callerId: String, call: Int) -> String? {
        guard let caller = channels[callerId] else { return nil }
        if caller.isEndpoint, directory.member(caller.name, context: caller.context) != nil,
            !caller.isDestination || caller.isOriginateLeg
        {
            return callerId
        }
        if !caller.isEndpoint, let leg = calls[call]?.originateLeg ?? calls[call]?.consultedBy, channels[leg] != nil {
            return leg
        }
        return nil
    }

    func hasOutboundLifecycle(call: Int) -> Bool {
        (calls[call]?.lifecycles ?? []).contains { lifecycles[$0]?.shape == .outbound }
    }

    mutating func dialEnd(
        caller: ChannelSnapshot?, destination: ChannelSnapshot?, status: AMIDialStatus, at time: EventTime
    ) {
        // The dial status decides the cause over the hangup cause, even when the leg hung up first.
        if status != .answer, let destination {
            for id in lifecyclesByLeg[destination.uniqueid] ?? [] where lifecycles[id]?.shape == .inbound {
                lifecycles[id]?.pendingStatus = .dialStatus(status)
            }
        } else if status != .answer, let caller {
            // 1.6–11: Dial End names only the caller; it applies to every unanswered leg it dialled.
            for (id, lifecycle) in lifecycles
            where lifecycle.shape == .inbound && lifecycle.phase != .answered
                && lifecycle.callers.contains(caller.uniqueid)
            {
                lifecycles[id]?.pendingStatus = .dialStatus(status)
            }
        }
        if let destination, channels[destination.uniqueid] != nil {
            let destinationId = ensureChannel(destination, at: time)
            if status == .answer {
                channels[destinationId]?.destinationAnswered = true
                if channels[destinationId]?.isEndpoint == true, let call = channels[destinationId]?.call {
                    markAnswered(call, at: time)
                }
            }
        }
        guard let caller, let callerChannel = channels[caller.uniqueid] else { return }
        let originator = outboundOriginator(caller.uniqueid, call: callerChannel.call) ?? caller.uniqueid
        for id in (lifecyclesByLeg[originator] ?? []).sorted() {
            guard var lifecycle = lifecycles[id], lifecycle.shape == .outbound, lifecycle.phase == .ringing else {
                continue
            }
            if let destination {
                lifecycle.pendingDestinations.remove(destination.uniqueid)
            } else {
                lifecycle.pendingDestinations.removeAll()
            }
            if status == .answer { lifecycle.destinationAnswered = true }
            lifecycles[id] = lifecycle
            // A member phone already bridged to the Local pair that dialled for it (a click-to-dial through a Local
            // channel) talks as soon as the far end answers.
            if status == .answer, originator != caller.uniqueid, isBridged(originator) {
                answer(id, at: time)
                continue
            }
            if status.isFailure && lifecycle.pendingDestinations.isEmpty && !lifecycle.destinationAnswered {
                close(id, .failed, at: time, cause: status.cause ?? .failed, raw: status.text)
            }
        }
    }

    /// An outbound lifecycle whose last dialled leg hung up unanswered with a failure cause has failed.
    mutating func destinationHungUp(caller: String, destination: String, cause: Int, at time: EventTime) {
        guard let call = channels[caller]?.call else { return }
        let originator = outboundOriginator(caller, call: call) ?? caller
        for id in (lifecyclesByLeg[originator] ?? []).sorted() {
            guard var lifecycle = lifecycles[id], lifecycle.shape == .outbound, lifecycle.phase == .ringing,
                lifecycle.pendingDestinations.remove(destination) != nil
            else { continue }
            lifecycles[id] = lifecycle
            let failure = CallCause(q850: cause)
            if lifecycle.pendingDestinations.isEmpty && !lifecycle.destinationAnswered
                && ![.normal, .answeredElsewhere].contains(failure) && cause != 0
            {
                close(id, .failed, at: time, cause: failure, raw: String(cause))
            }
        }
    }

    // MARK: - Bridges

    mutating func bridgeEnter(_ bridge: String, _ snapshot: ChannelSnapshot, at time: EventTime) {
        let uniqueid = ensureChannel(snapshot, at: time)
        bridges[bridge, default: []].insert(uniqueid)
        channels[uniqueid]?.bridges.insert(bridge)
        guard let members = bridges[bridge], members.count >= 2 else { return }
        if members.count == 2 {
            let pair = members.sorted()
            setLastPartner(of: pair[0], to: pair[1])
            setLastPartner(of: pair[1], to: pair[0])
            for member in pair { resolveDeferredEnds(partner: member, transferredTo: nil) }
        }
        completeConsultations(inBridgeOf: uniqueid, at: time)
        for member in members.sorted() { checkAnswered(member, at: time) }
    }

    /// `partner` is the last channel `uniqueid` talked with in a two-party bridge.
    mutating func setLastPartner(of uniqueid: String, to partner: String) {
        guard let channel = channels[uniqueid], channel.lastPartner != partner else { return }
        if let previous = channel.lastPartner { forgetPartner(of: uniqueid, previous) }
        channels[uniqueid]?.lastPartner = partner
        talkedWith[partner, default: []].insert(uniqueid)
    }

    /// `uniqueid` no longer counts `partner` as its last partner (it talked with another, or it is gone).
    mutating func forgetPartner(of uniqueid: String, _ partner: String) {
        talkedWith[partner]?.remove(uniqueid)
        if talkedWith[partner]?.isEmpty == true { talkedWith[partner] = nil }
    }

    /// Takes a channel that is gone (already out of `channels`) out of its bridges, the partner index and its call.
    mutating func detach(_ uniqueid: String, _ channel: TrackedChannel) {
        for bridge in channel.bridges { leaveBridge(bridge, uniqueid) }
        if let partner = channel.lastPartner { forgetPartner(of: uniqueid, partner) }
        calls[channel.call]?.channels.remove(uniqueid)
    }

    /// Takes a channel out of a bridge; a bridge left empty is forgotten, since a PBX makes one per call and names
    /// each afresh.
    mutating func leaveBridge(_ bridge: String, _ uniqueid: String) {
        bridges[bridge]?.remove(uniqueid)
        if bridges[bridge]?.isEmpty == true { bridges[bridge] = nil }
    }

    /// True when the channel shares a bridge with another channel.
    func isBridged(_ uniqueid: String) -> Bool {
        (channels[uniqueid]?.bridges ?? []).contains { (bridges[$0]?.count ?? 0) >= 2 }
    }

    /// Answers what a bridged channel settles: its member's inbound lifecycle when its leg answered, the
    /// call's "someone answered", and an outbound lifecycle whose destination answered.
    mutating func checkAnswered(_ uniqueid: String, at time: EventTime) {
        guard isBridged(uniqueid) else { return }
        lateBind(uniqueid, at: time)
        guard let channel = channels[uniqueid] else { return }
        let legAnswered = channel.destinationAnswered || channel.state == .up
        if channel.isDestination && channel.isEndpoint && legAnswered && !channel.isOriginateLeg {
            markAnswered(channel.call, at: time)
            answerDialling(towards: uniqueid, at: time)
        }
        for id in (lifecyclesByLeg[uniqueid] ?? []).sorted() {
            guard let lifecycle = lifecycles[id], lifecycle.phase != .answered else { continue }
            switch lifecycle.shape {
            case .inbound where legAnswered:
                answer(id, at: time)
            case .outbound where lifecycle.destinationAnswered || bridgedWithAnsweredParty(uniqueid):
                answer(id, at: time)
            default:
                break
            }
        }
    }

    /// The leg `uniqueid` a member dialled through a Local pair (a click-to-dial's customer, a consultation's party)
    /// answered and talks: the member, talking to that pair, is answered (≤ 11 tell no dial end until the end).
    mutating func answerDialling(towards uniqueid: String, at time: EventTime) {
        guard let call = channels[uniqueid]?.call else { return }
        for id in (calls[call]?.lifecycles ?? []).sorted() {
            guard let lifecycle = lifecycles[id], lifecycle.shape == .outbound, lifecycle.phase == .ringing,
                lifecycle.pendingDestinations.contains(uniqueid),
                lifecycle.liveLegs.contains(where: { isBridged($0) })
            else { continue }
            lifecycles[id]?.destinationAnswered = true
            answer(id, at: time)
        }
    }

    /// A member's alerted channel that no dial tied to a call (a 1.4/11 queue without agent events) is tied at
    /// its bridge: it joins its partner's call and its ringing and answered are emitted then.
    mutating func lateBind(_ uniqueid: String, at time: EventTime) {
        guard let channel = channels[uniqueid], channel.wasAlerted, !channel.isDestination, !channel.isCaller,
            channel.isEndpoint, (lifecyclesByLeg[uniqueid] ?? []).isEmpty,
            let member = directory.member(channel.name, context: channel.context),
            let partner = bridgePartner(of: uniqueid), let partnerCall = channels[partner]?.call
        else { return }
        move(uniqueid, to: partnerCall)
        channels[uniqueid]?.isDestination = true
        startInbound(leg: uniqueid, member: member, caller: partner, at: time)
    }

    /// Ends (or, with a target, transfers) the lifecycles held for `partner`, at the time their legs ended.
    mutating func resolveDeferredEnds(partner: String, transferredTo target: String?) {
        guard let held = deferredEnds.removeValue(forKey: partner) else { return }
        for entry in held {
            if let target {
                close(entry.id, .transferred, at: entry.at, transferredTo: target)
            } else {
                close(entry.id, .ended, at: entry.at, cause: entry.cause, raw: entry.raw)
            }
        }
    }

    /// The other channel in a two-party bridge with `uniqueid`.
    func bridgePartner(of uniqueid: String) -> String? {
        for bridge in (channels[uniqueid]?.bridges ?? []).sorted() {
            if let other = (bridges[bridge] ?? []).sorted().first(where: { $0 != uniqueid }) { return other }
        }
        return nil
    }

    func bridgedWithAnsweredParty(_ uniqueid: String) -> Bool {
        guard let mine = channels[uniqueid]?.bridges else { return false }
        return mine.contains { bridge in
            (bridges[bridge] ?? []).contains { other in
                other != uniqueid && channels[other].map { $0.isDestination && $0.state == .up } == true
            }
        }
    }

    // MARK: - Hangups and transfers

    mutating func hangup(_ uniqueid: String, cause: MemberLifecycle.PendingStatus?, at time: EventTime) {
        guard let channel = channels[uniqueid] else { return }
        resolveDeferredEnds(partner: uniqueid, transferredTo: nil)
        for id in (lifecyclesByLeg[uniqueid] ?? []).sorted() {
            legEnded(id, leg: uniqueid, status: cause, at: time)
        }
        channels.removeValue(forKey: uniqueid)
        detach(uniqueid, channel)
        if calls[channel.call]?.channels.isEmpty == true { callEnded(channel.call, at: time) }
    }

    /// The call was handed to another party: members who receive it carry `transferredCallId`, and it counts as
    /// answered again only once a receiver answers (one who never does missed it).
    mutating func markTransferred(_ call: Int) {
        calls[call]?.transferred = true
        calls[call]?.answered = false
    }

    /// The original channel goes on as the clone's party: one call, and the clone's lifecycles now live on the
    /// original (a Local channel optimised away leaves the member talking on the Local half's Uniqueid; a transfer
    /// moves the transferred party onto a new channel), so the clone's zombie hanging up ends nothing.
    mutating func masquerade(original: String, clone: String) {
        guard let cloneChannel = channels[clone], channels[original] != nil else { return }
        merge(cloneChannel.call, channels[original]!.call)
        let moved = lifecyclesByLeg.removeValue(forKey: clone) ?? []
        for id in moved.sorted() {
            lifecycles[id]?.legs.insert(original)
            if lifecycles[id]?.liveLegs.remove(clone) != nil { lifecycles[id]?.liveLegs.insert(original) }
            if lifecycles[id]?.callers.remove(clone) != nil { lifecycles[id]?.callers.insert(original) }
            lifecyclesByLeg[original, default: []].insert(id)
        }
        guard !moved.isEmpty else { return }
        channels[original]?.state = cloneChannel.state
        channels[original]?.isDestination = cloneChannel.isDestination
        channels[original]?.destinationAnswered = cloneChannel.destinationAnswered
        channels[original]?.wasAlerted = cloneChannel.wasAlerted
        channels[original]?.isOriginateLeg = cloneChannel.isOriginateLeg
        channels[original]?.isCaller = cloneChannel.isCaller
    }

    /// A blind transfer (or the first half of an attended one): the transferer's lifecycles end `transferred`, but
    /// for those of its consultation, which is simply over.
    mutating func transfer(away uniqueid: String, to target: String, at time: EventTime) {
        guard let call = channels[uniqueid]?.call else { return }
        markTransferred(call)
        for id in (lifecyclesByLeg[uniqueid] ?? []).sorted() {
            if let consultation = lifecycles[id]?.call, calls[consultation]?.consultedBy == uniqueid {
                close(id, .ended, at: time, cause: .normal, raw: "transfer")
            } else {
                close(id, .transferred, at: time, transferredTo: target)
            }
        }
        lifecyclesByLeg.removeValue(forKey: uniqueid)
    }

    mutating func attendedTransfer(
        original: ChannelSnapshot, second: ChannelSnapshot, target: ChannelSnapshot?, at time: EventTime
    ) {
        // Only a party's device transfers (a 1.4 masquerade of a Local channel optimised away is no transfer).
        guard let customerCall = channels[original.uniqueid]?.call, channels[original.uniqueid]?.isEndpoint == true
        else { return }
        // Already settled when the consultation's Local channel joined the customer (12+ says so after).
        if let target, let call = channels[target.uniqueid]?.call, calls[call]?.consultationCompleted == true {
            return
        }
        // 1.6–11 name only the transferer's second channel: the target is whoever it talks to; a Local target
        // stands for the device behind it.
        var target = target ?? bridgePartner(of: second.uniqueid).map { ChannelSnapshot(uniqueid: $0) }
        if let local = target?.uniqueid, let device = deviceBehind(local) { target = ChannelSnapshot(uniqueid: device) }
        var targetName = target.flatMap { channels[$0.uniqueid]?.name.endpoint } ?? "unknown"
        if let target, let targetChannel = channels[target.uniqueid],
            let member = directory.member(targetChannel.name, context: targetChannel.context)
        {
            targetName = member.extensionNumber
        }
        transfer(away: original.uniqueid, to: targetName, at: time)
        // The transferer's consultation leg is done too.
        for id in (lifecyclesByLeg[second.uniqueid] ?? []).sorted() {
            close(id, .ended, at: time, cause: .normal, raw: "transfer")
        }
        guard let target, let targetChannel = channels[target.uniqueid] else { return }
        // The target leaves its consultation call, which ends for it, and joins the customer's call.
        for id in (lifecyclesByLeg[target.uniqueid] ?? []).sorted() {
            close(id, .ended, at: time, cause: .normal, raw: "transfer")
        }
        lifecyclesByLeg.removeValue(forKey: target.uniqueid)
        move(target.uniqueid, to: customerCall)
        channels[target.uniqueid]?.isDestination = true
        if let member = directory.member(targetChannel.name, context: targetChannel.context) {
            let id = startInbound(leg: target.uniqueid, member: member, caller: nil, at: time)
            if let id {
                let customer = calls[customerCall]?.origin.flatMap { channels[$0] }
                lifecycles[id]?.from = Self.callerNumber(customer?.callerNumber)
                ring(id, at: time)
                if channels[target.uniqueid]?.state == .up {
                    answer(id, at: time)
                    calls[customerCall]?.answered = true
                }
            }
        }
    }

    /// 1.4 has no dial end: a caller that goes on in its dialplan after a member's leg hung up unanswered (not to
    /// its `h` extension, which runs when the caller hung up) got its Dial back by a timeout: that member's ring
    /// ended with no answer, not because the caller gave up.
    mutating func dialReturned(caller uniqueid: String, exten: String?) {
        guard exten != "h" else { return }
        for id in lifecycles.keys.sorted() {
            guard let lifecycle = lifecycles[id], lifecycle.shape == .inbound, lifecycle.phase != .answered,
                lifecycle.liveLegs.isEmpty, lifecycle.callers.contains(uniqueid)
            else { continue }
            switch lifecycle.pendingStatus {
            case .hangupCause(let code) where [0, 16, 19].contains(code):
                lifecycles[id]?.pendingStatus = .timedOut(hangupCause: code)
            case nil:
                lifecycles[id]?.pendingStatus = .timedOut(hangupCause: nil)
            default:
                break
            }
        }
    }

    /// A pickup: the rung member's lifecycle ends answered elsewhere, and the member who picked up is answered in
    /// the call it took over (a pickup has no ringing of its own).
    mutating func pickup(picker: ChannelSnapshot, target: String, at time: EventTime) {
        guard let targetChannel = channels[target], calls[targetChannel.call] != nil,
            (lifecyclesByLeg[target] ?? []).contains(where: {
                lifecycles[$0]?.shape == .inbound && lifecycles[$0]?.phase != .answered
            })
        else { return }
        let call = targetChannel.call
        calls[call]?.answered = true
        for id in (lifecyclesByLeg[target] ?? []).sorted() {
            guard let lifecycle = lifecycles[id], lifecycle.shape == .inbound, lifecycle.phase != .answered else {
                continue
            }
            if lifecycle.phase == .ringing {
                close(id, .ended, at: time, cause: .answeredElsewhere, raw: "pickup")
            } else {
                discard(id)
            }
        }
        markAnswered(call, at: time)
        let pickerId = ensureChannel(picker, at: time)
        move(pickerId, to: call)
        channels[pickerId]?.isDestination = true
        channels[pickerId]?.destinationAnswered = true
        // The picker is talking (on 1.4 the ringing leg itself becomes the picker's channel): no ringing for it.
        channels[pickerId]?.state = .up
        guard let pickerChannel = channels[pickerId],
            let member = directory.member(pickerChannel.name, context: pickerChannel.context),
            let id = startInbound(leg: pickerId, member: member, caller: calls[call]?.origin, at: time)
        else { return }
        if lifecycles[id]?.phase == .attempted {
            lifecycles[id]?.phase = .ringing
            lifecycles[id]?.startedAt = time
        }
        answer(id, at: time)
    }

    // MARK: - Re-sync

    mutating func resyncChannel(
        key: String, _ snapshot: ChannelSnapshot, bridge: String?, isCaller isOriginator: Bool, at time: EventTime
    ) {
        resyncSeen[key, default: []].insert(snapshot.uniqueid)
        let isKnown = channels[snapshot.uniqueid] != nil
        var adopted = snapshot
        adopted.state = nil
        let uniqueid = ensureChannel(adopted, at: time)
        if !isKnown { channels[uniqueid]?.isDestination = !isOriginator }
        if let bridge {
            bridges[bridge, default: []].insert(uniqueid)
            channels[uniqueid]?.bridges.insert(bridge)
        }
        let channel = channels[uniqueid]!
        if !isKnown, let member = directory.member(channel.name, context: channel.context) {
            if let stored = takeResumable(uniqueid) {
                for event in stored { resumeLifecycle(leg: uniqueid, stored: event, isOriginator: isOriginator) }
            } else if finishedLegs.remove(uniqueid) != nil {
                // The tail of a lifecycle that already has its final: tracked, not adopted again.
            } else {
                adopt(
                    leg: uniqueid, member: member, isOriginator: isOriginator, up: snapshot.state == .up,
                    bridged: bridge != nil, at: time)
            }
        }
        ensureChannel(snapshot, at: time)
        for member in (bridge.flatMap { bridges[$0] } ?? []).sorted() { checkAnswered(member, at: time) }
    }

    // MARK: - Click-to-dial

    mutating func claimClickToDial(_ uniqueid: String) {
        guard let name = channels[uniqueid]?.name.name else { return }
        for (actionID, pending) in pendingClickToDial.sorted(by: { $0.key < $1.key })
        where name.hasPrefix(pending.prefix + "-") {
            tagClickToDial(uniqueid, id: pending.id, extension: pending.extension, exten: pending.exten)
            pendingClickToDial.removeValue(forKey: actionID)
            return
        }
    }

    mutating func tagClickToDial(_ uniqueid: String, id: String, extension member: String, exten: String?) {
        guard let call = channels[uniqueid]?.call else { return }
        channels[uniqueid]?.clickToDialId = id
        // The digits the request dials are what this leg will dial once answered.
        if let exten, Self.looksDialled(exten) { channels[uniqueid]?.exten = exten }
        calls[call]?.clickToDialId = id
        calls[call]?.clickToDialExtension = member
        if channels[uniqueid]?.isEndpoint == true {
            channels[uniqueid]?.isOriginateLeg = true
            calls[call]?.originateLeg = uniqueid
        }
    }

    // MARK: - Helpers

    /// A Uniqueid or Linkedid made safe as the `callId` of event ids: `%`, `/` and control characters are
    /// percent-encoded (a `systemname` or an Originate `ChannelId` may hold anything), so distinct ids stay
    /// distinct.
    static func callIdentifier(_ raw: String) -> String {
        guard raw.unicodeScalars.contains(where: { $0 == "/" || $0 == "%" || $0.value < 0x20 || $0.value == 0x7F })
        else { return raw.isEmpty ? "%00" : raw }
        var out = ""
        for scalar in raw.unicodeScalars {
            if scalar == "/" || scalar == "%" || scalar.value < 0x20 || scalar.value == 0x7F {
                out += "%" + String(scalar.value, radix: 16, uppercase: true).leftPadded(to: 2)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static func isUnknown(_ number: String) -> Bool {
        number.isEmpty || number == "<unknown>" || number.lowercased() == "unknown"
    }

    /// True for an `Exten` that is a number someone dialled (not `s`, `h` or a pattern).
    static func looksDialled(_ exten: String) -> Bool {
        let body = exten.hasPrefix("+") ? exten.dropFirst() : Substring(exten)
        return !body.isEmpty && body.allSatisfy { $0.isNumber || $0 == "*" || $0 == "#" }
    }

    /// The number to show for a caller: `anonymous` when withheld or unknown.
    static func callerNumber(_ number: String?) -> String {
        guard let number, !isUnknown(number) else { return "anonymous" }
        let lowered = number.lowercased()
        return ["anonymous", "restricted", "private", "withheld"].contains(lowered) ? "anonymous" : number
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
