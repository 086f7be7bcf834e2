import ZTICore

/// Lifecycle rules: when a member's lifecycle starts, rings, is answered and ends, and what it emits.
extension CallTrackerCore {
    /// Starts (or joins) the inbound lifecycle of `member` for a new leg; returns its id.
    @discardableResult
    mutating func startInbound(leg: String, member: MemberDirectory.Member, caller: String?, at time: EventTime) -> Int?
    {
        guard let channel = channels[leg], let call = calls[channel.call] else { return nil }
        // Several devices (or Local legs) of one member ringing at once are one attempt.
        for id in call.lifecycles.sorted() {
            guard var lifecycle = lifecycles[id], lifecycle.shape == .inbound,
                lifecycle.extensionNumber == member.extensionNumber, !lifecycle.liveLegs.isEmpty
            else { continue }
            lifecycle.legs.insert(leg)
            lifecycle.liveLegs.insert(leg)
            if let caller { lifecycle.callers.insert(caller) }
            lifecycles[id] = lifecycle
            lifecyclesByLeg[leg, default: []].insert(id)
            return id
        }
        let origin = call.origin.flatMap { channels[$0] }
        let callerChannel = caller.flatMap { channels[$0] }
        let fromNumber =
            channel.connectedNumber ?? callerChannel?.callerNumber ?? origin?.callerNumber
        var to = member.extensionNumber
        if let exten = origin?.exten, origin?.uniqueid != leg { to = exten }
        var direction = CallDirection.inbound
        if let origin, origin.uniqueid != leg, directory.isInternal(origin.name, context: origin.context) {
            direction = .internal
        }
        // A consultation's caller is the member who consults, whatever number its Local channel shows.
        var consultant: MemberDirectory.Member?
        if let leg = call.consultedBy, let channel = channels[leg] {
            consultant = directory.member(channel.name, context: channel.context)
            if consultant != nil { direction = .internal }
        }
        let id = newLifecycle(
            call: channel.call, member: member, shape: .inbound, direction: direction, leg: leg, at: time)
        lifecycles[id]?.from = consultant?.extensionNumber ?? Self.callerNumber(fromNumber)
        lifecycles[id]?.to = to
        if let caller { lifecycles[id]?.callers.insert(caller) }
        if call.transferred { lifecycles[id]?.transferredCallId = call.callId }
        if channel.state == .ringing { ring(id, at: time) }
        return id
    }

    /// Starts the outbound lifecycle of the member whose channel `leg` dials, in `callNumber` (the leg's call unless
    /// it consults from another), and emits its ringing (dialled) unless `ring` is false (a call adopted already
    /// answered).
    @discardableResult
    mutating func startOutbound(
        leg: String, destination: String?, dialString: String?, caller: String, at time: EventTime, ring: Bool = true,
        dialled given: String? = nil, in callNumber: Int? = nil
    ) -> Int? {
        guard let channel = channels[leg], let call = calls[callNumber ?? channel.call],
            let member = directory.member(channel.name, context: channel.context)
        else { return nil }
        for id in call.lifecycles.sorted() {
            guard var lifecycle = lifecycles[id], lifecycle.shape == .outbound, lifecycle.legs.contains(leg)
            else { continue }
            if let destination { lifecycle.pendingDestinations.insert(destination) }
            lifecycles[id] = lifecycle
            return id
        }
        let callerChannel = channels[caller]
        let dialled =
            given ?? callerChannel?.exten ?? channel.exten ?? dialString.flatMap(Self.numberInDialString)
        var direction = CallDirection.outbound
        if let destination, let target = channels[destination], target.isEndpoint {
            if directory.isInternal(target.name, context: target.context) { direction = .internal }
        } else if let dialled, directory.numbers.isInternal(dialled) {
            direction = .internal
        }
        let id = newLifecycle(
            call: call.number, member: member, shape: .outbound, direction: direction, leg: leg, at: time)
        // A leg that was called shows the number it was called on: the member dialling from it is its extension.
        let wasCalled = channel.isDestination && !channel.isOriginateLeg
        lifecycles[id]?.from =
            (wasCalled ? nil : channel.callerNumber.flatMap { Self.looksDialled($0) ? $0 : nil })
            ?? member.extensionNumber
        lifecycles[id]?.dialled = dialled
        lifecycles[id]?.to = dialled.map(directory.withoutDialCode)
        lifecycles[id]?.clickToDialId = channel.clickToDialId ?? call.clickToDialId
        if call.transferred { lifecycles[id]?.transferredCallId = call.callId }
        if let destination { lifecycles[id]?.pendingDestinations.insert(destination) }
        if ring { self.ring(id, at: time) }
        return id
    }

    mutating func newLifecycle(
        call: Int, member: MemberDirectory.Member, shape: MemberLifecycle.Shape, direction: CallDirection,
        leg: String, at time: EventTime
    ) -> Int {
        nextNumber += 1
        let callId = calls[call]!.callId
        let attemptKey = "\(callId)/\(member.extensionNumber)"
        attempts[attemptKey, default: 0] += 1
        lifecycles[nextNumber] = MemberLifecycle(
            id: nextNumber, call: call, callId: callId, extensionNumber: member.extensionNumber, user: member.user,
            attempt: attempts[attemptKey]!, shape: shape, direction: direction, legs: [leg], liveLegs: [leg],
            startedAt: time)
        lifecycles[nextNumber]?.resumeLeg = leg
        lifecyclesByLeg[leg, default: []].insert(nextNumber)
        calls[call]?.lifecycles.insert(nextNumber)
        return nextNumber
    }

    /// The destination `leg` is alerting: its inbound lifecycles ring.
    mutating func ring(leg: String, at time: EventTime) {
        for id in (lifecyclesByLeg[leg] ?? []).sorted() where lifecycles[id]?.shape == .inbound {
            ring(id, at: time)
        }
    }

    mutating func ring(_ id: Int, at time: EventTime) {
        guard var lifecycle = lifecycles[id], lifecycle.phase == .attempted else { return }
        lifecycle.phase = .ringing
        lifecycle.startedAt = time
        lifecycles[id] = lifecycle
        emit(lifecycle, .ringing, at: time)
    }

    mutating func answer(_ id: Int, at time: EventTime) {
        if lifecycles[id]?.phase == .attempted {
            if lifecycles[id]?.adopted == true {
                // Found up at a re-sync: it starts at answered; no ringing is invented for it.
                lifecycles[id]?.phase = .ringing
                lifecycles[id]?.startedAt = time
            } else {
                ring(id, at: time)
            }
        }
        guard var lifecycle = lifecycles[id], lifecycle.phase == .ringing else { return }
        lifecycle.phase = .answered
        lifecycle.answeredAt = time
        lifecycles[id] = lifecycle
        emit(lifecycle, .answered, at: time)
    }

    /// Someone answered the call: members whose legs already ended unanswered end as answered elsewhere.
    mutating func markAnswered(_ call: Int, at time: EventTime) {
        guard let tracked = calls[call], !tracked.answered else { return }
        calls[call]?.answered = true
        for id in tracked.lifecycles.sorted() {
            guard let lifecycle = lifecycles[id], lifecycle.shape == .inbound, lifecycle.phase != .answered,
                lifecycle.liveLegs.isEmpty
            else { continue }
            closeUnanswered(id, at: time)
        }
    }

    /// One of the lifecycle's legs hung up (or vanished).
    mutating func legEnded(_ id: Int, leg: String, status: MemberLifecycle.PendingStatus?, at time: EventTime) {
        guard var lifecycle = lifecycles[id] else { return }
        lifecycle.liveLegs.remove(leg)
        if lifecycle.pendingStatus == nil || status == .vanished { lifecycle.pendingStatus = status }
        if lifecycle.liveLegs.isEmpty { lifecycle.legsEndedAt = time }
        lifecycles[id] = lifecycle
        guard lifecycle.liveLegs.isEmpty else { return }
        switch (lifecycle.shape, lifecycle.phase) {
        case (_, .answered):
            let (cause, raw) = Self.endCause(status)
            if status != .vanished, let partner = channels[leg]?.lastPartner,
                channels[partner]?.isEndpoint == true
            {
                deferredEnds[partner, default: []].append((id, cause, raw, time))
                return
            }
            close(id, .ended, at: time, cause: cause, raw: raw)
        case (.outbound, _):
            if status == .vanished {
                close(id, .failed, at: time, cause: .unknown, raw: "vanished")
            } else {
                // No answer signal: the member's leg cleared while dialling.
                close(id, .ended, at: time, cause: .normal, raw: Self.endCause(status).1)
            }
        case (.inbound, _):
            if calls[lifecycle.call]?.answered == true { closeUnanswered(id, at: time) }
        }
    }

    /// The call's last channel hung up: every lifecycle still open is decided now.
    mutating func callEnded(_ call: Int, at time: EventTime) {
        guard let tracked = calls[call] else { return }
        for (partner, held) in deferredEnds where held.contains(where: { lifecycles[$0.id]?.call == call }) {
            resolveDeferredEnds(partner: partner, transferredTo: nil)
        }
        for id in tracked.lifecycles.sorted() where lifecycles[id] != nil {
            let lifecycle = lifecycles[id]!
            if lifecycle.phase == .answered {
                close(id, .ended, at: time, cause: .normal, raw: nil)
            } else if lifecycle.shape == .outbound {
                close(id, .ended, at: time, cause: .normal, raw: nil)
            } else {
                closeUnanswered(id, at: time)
            }
        }
        removeCall(call)
    }

    /// An inbound lifecycle that its member did not answer: answered elsewhere (nothing when it never rang) if
    /// anyone answered the call, otherwise missed with the leg's own cause.
    mutating func closeUnanswered(_ id: Int, at time: EventTime) {
        guard let lifecycle = lifecycles[id] else { return }
        let raw = Self.raw(lifecycle.pendingStatus)
        if calls[lifecycle.call]?.answered == true {
            if lifecycle.phase == .ringing {
                close(id, .ended, at: time, cause: .answeredElsewhere, raw: raw)
            } else {
                discard(id)
            }
            return
        }
        var cause = Self.missedCause(lifecycle.pendingStatus)
        // Without a dial status (1.4), a leg that cleared normally while the caller stayed on for a while more
        // timed out; one that cleared as the caller left was given up by the caller.
        if case .hangupCause(let code)? = lifecycle.pendingStatus, code == 16 || code == 0,
            let ended = lifecycle.legsEndedAt, time.millisecondsSinceEpoch - ended.millisecondsSinceEpoch >= 1000
        {
            cause = .noAnswer
        }
        close(id, .missed, at: time, cause: cause, raw: raw)
    }

    static func missedCause(_ status: MemberLifecycle.PendingStatus?) -> CallCause {
        switch status {
        case .dialStatus(let status):
            let cause = status.cause ?? .failed
            return cause == .normal ? .cancelled : cause
        case .hangupCause(let code):
            let cause = CallCause(q850: code)
            return cause == .normal || cause == .answeredElsewhere || code == 0 ? .cancelled : cause
        case .vanished:
            return .unknown
        case .timedOut:
            return .noAnswer
        case nil:
            return .cancelled
        }
    }

    static func endCause(_ status: MemberLifecycle.PendingStatus?) -> (CallCause, String?) {
        switch status {
        case .hangupCause(let code):
            let cause = CallCause(q850: code)
            return (cause == .answeredElsewhere ? .normal : cause, String(code))
        case .vanished: return (.unknown, "vanished")
        case .timedOut(let code): return (.normal, code.map(String.init))
        case .dialStatus(let status): return (.normal, status.text)
        case nil: return (.normal, nil)
        }
    }

    static func raw(_ status: MemberLifecycle.PendingStatus?) -> String? {
        switch status {
        case .dialStatus(let status): status.text
        case .hangupCause(let code): String(code)
        case .vanished: "vanished"
        case .timedOut(let code): code.map(String.init)
        case nil: nil
        }
    }

    /// Emits the terminal state and forgets the lifecycle.
    mutating func close(
        _ id: Int, _ state: CallState, at time: EventTime, cause: CallCause? = nil, raw: String? = nil,
        transferredTo: String? = nil
    ) {
        guard let lifecycle = lifecycles[id] else { return }
        emit(lifecycle, state, at: time, cause: cause, raw: raw, transferredTo: transferredTo)
        discard(id)
    }

    mutating func discard(_ id: Int) {
        guard let lifecycle = lifecycles.removeValue(forKey: id) else { return }
        for leg in lifecycle.legs { lifecyclesByLeg[leg]?.remove(id) }
        calls[lifecycle.call]?.lifecycles.remove(id)
    }

    mutating func emit(
        _ lifecycle: MemberLifecycle, _ state: CallState, at time: EventTime, cause: CallCause? = nil,
        raw: String? = nil, transferredTo: String? = nil
    ) {
        // A call adopted before the spool said what it knows of it: nothing goes out until then.
        guard !lifecycle.provisional else { return }
        let event = lifecycle.event(
            state, at: time, group: directory.group, pbx: directory.pbx, numbers: directory.numbers, cause: cause,
            raw: raw, transferredTo: transferredTo)
        if let leg = lifecycle.resumeLeg { resumeKeys[event.id] = leg }
        output.append(event)
    }

    /// The number in a dial string: `PJSIP/0312345678@carrier` → `0312345678`, `SIP/trunk/0312345678` →
    /// `0312345678`, `101` → `101`.
    static func numberInDialString(_ dialString: String) -> String? {
        let firstTarget = dialString.split(separator: "&").first.map(String.init) ?? dialString
        var candidate = Substring(firstTarget)
        if let at = candidate.firstIndex(of: "@") { candidate = candidate[..<at] }
        if let slash = candidate.lastIndex(of: "/") { candidate = candidate[candidate.index(after: slash)...] }
        let text = String(candidate)
        return looksDialled(text) ? text : nil
    }
}
