import ZTICore

/// Taking a group over from a previous worker: the spool's open lifecycles go on where their legs are still up,
/// and are closed where they are gone; legs that nothing matches are adopted without invented phases.
extension CallTrackerCore {
    /// Loads the spool's open lifecycles (`OPEN`): each is matched by its resume key (the member's device channel
    /// Uniqueid) at the first re-sync, and every attempt already used in a recent call is not used again.
    public mutating func resume(_ open: OpenLifecycles) {
        for lifecycle in open.lifecycles {
            // A lifecycle spooled without a resume key (by a previous release) cannot be matched: its key is one no
            // channel has, so the first re-sync closes it.
            let key = lifecycle.resumeKey ?? "\u{0}unmatched/" + lifecycle.event.id
            resumable[key, default: []].append(lifecycle.event)
        }
        for entry in open.attempts {
            let key = "\(entry.callId)/\(entry.extension)"
            attempts[key] = max(attempts[key] ?? 0, entry.attempt)
            if entry.final, let leg = entry.resumeKey { finishedLegs.insert(leg) }
        }
        awaitingFirstResync = true
        resumeReport = nil
    }

    /// `OPEN` came after the worker started: the calls adopted meanwhile (which emitted nothing) are forgotten, so
    /// that the next re-sync matches them with the stored lifecycles, whose callId, attempt and times win.
    public mutating func takeOver(_ open: OpenLifecycles) {
        awaitingOpen = false
        for (id, lifecycle) in lifecycles where lifecycle.provisional {
            discard(id)
            for leg in lifecycle.legs { forget(leg) }
        }
        resume(open)
    }

    /// How the first re-sync after ``resume(_:)`` went, once: lifecycles resumed and closed.
    public mutating func takeResumeReport() -> (resumed: Int, closed: Int)? {
        defer { resumeReport = nil }
        return resumeReport
    }

    mutating func takeResumable(_ uniqueid: String) -> [CallEvent]? {
        guard awaitingFirstResync, let stored = resumable.removeValue(forKey: uniqueid) else { return nil }
        return stored
    }

    /// A stored lifecycle whose leg the re-sync found: it goes on with its callId, attempt, phase and times, and
    /// emits nothing now (an answer found up at this re-sync follows from the channel's state, dated now).
    mutating func resumeLifecycle(leg: String, stored: CallEvent, isOriginator: Bool) {
        guard let channel = channels[leg] else { return }
        let call = channel.call
        // The call keeps the id the CRM knows it by, for the lifecycles it starts from now on.
        if calls[call]?.lifecycles.isEmpty == true { calls[call]?.callId = stored.callId }
        nextNumber += 1
        let shape: MemberLifecycle.Shape = stored.memberDialled || isOriginator ? .outbound : .inbound
        var lifecycle = MemberLifecycle(
            id: nextNumber, call: call, callId: stored.callId, extensionNumber: stored.extension, user: stored.user,
            attempt: stored.attempt, shape: shape, direction: stored.direction, legs: [leg], liveLegs: [leg],
            startedAt: stored.startedAt ?? stored.at)
        lifecycle.phase = stored.state == .answered ? .answered : .ringing
        lifecycle.answeredAt = stored.answeredAt
        lifecycle.resumeLeg = leg
        lifecycle.from = stored.from
        lifecycle.to = stored.to
        lifecycle.dialled = stored.dialled
        lifecycle.transferredCallId = stored.transferredCallId
        lifecycle.clickToDialId = stored.clickToDialId
        lifecycles[nextNumber] = lifecycle
        lifecyclesByLeg[leg, default: []].insert(nextNumber)
        calls[call]?.lifecycles.insert(nextNumber)
        if stored.state == .answered { calls[call]?.answered = true }
        let attemptKey = "\(stored.callId)/\(stored.extension)"
        attempts[attemptKey] = max(attempts[attemptKey] ?? 0, stored.attempt)
        resumeReport = ((resumeReport?.resumed ?? 0) + 1, resumeReport?.closed ?? 0)
    }

    /// A member leg found at a re-sync that no stored lifecycle matches: up, it starts at `answered` (an inbound
    /// leg, or an outbound one already bridged); ringing, it rings; an outbound leg still dialling is `ringing`
    /// (dialled). No phase that passed unseen is invented.
    mutating func adopt(
        leg: String, member: MemberDirectory.Member, isOriginator: Bool, up: Bool, bridged: Bool, at time: EventTime
    ) {
        if isOriginator {
            let answered = up && bridged
            guard
                let id = startOutbound(
                    leg: leg, destination: nil, dialString: nil, caller: leg, at: time,
                    ring: !answered && !awaitingOpen)
            else { return }
            lifecycles[id]?.adopted = true
            lifecycles[id]?.provisional = awaitingOpen
            if answered {
                lifecycles[id]?.destinationAnswered = true
                answer(id, at: time)
            }
        } else {
            guard let id = startInbound(leg: leg, member: member, caller: nil, at: time) else { return }
            lifecycles[id]?.adopted = true
            lifecycles[id]?.provisional = awaitingOpen
            if up {
                answer(id, at: time)
                if let call = lifecycles[id]?.call { markAnswered(call, at: time) }
            }
        }
    }

    /// The end of the first re-sync after ``resume(_:)``: every stored lifecycle whose leg it did not find is
    /// closed as "Nothing left ringing" says, ending when it was last known present (its last spooled event).
    mutating func closeUnresumed() {
        awaitingFirstResync = false
        let gone = resumable.values.flatMap { $0 }.sorted { ($0.at, $0.id) < ($1.at, $1.id) }
        resumable = [:]
        for event in gone {
            // Another member answered a call that is still up: this member's pop-up closes as answered elsewhere.
            let elsewhere = calls.values.contains { $0.callId == event.callId && $0.answered }
            let closing = event.closedAbsent(
                at: event.at, answeredElsewhere: elsewhere,
                reason: "closed at a worker's first re-sync: the PBX no longer has the member's leg")
            output.append(closing)
        }
        resumeReport = (resumeReport?.resumed ?? 0, (resumeReport?.closed ?? 0) + gone.count)
    }
}

extension CallTrackerCore {
    /// While the PBX cannot be reached: every lifecycle quiet since before `cutoff` (its legs last seen then) is
    /// closed as "Nothing left ringing" says, ending when it was last known present; so are stored lifecycles
    /// still waiting for a first re-sync. Channels quiet as long are forgotten.
    public mutating func closeQuiet(before cutoff: EventTime) -> [CallEvent] {
        output.removeAll(keepingCapacity: true)
        resumeKeys.removeAll(keepingCapacity: true)
        for (key, stored) in resumable {
            let quiet = stored.filter { $0.at < cutoff }
            guard !quiet.isEmpty else { continue }
            for event in quiet.sorted(by: { ($0.at, $0.id) < ($1.at, $1.id) }) {
                output.append(
                    event.closedAbsent(
                        at: event.at, reason: "closed after call.max.open without the PBX: its end was not seen"))
            }
            let left = stored.filter { $0.at >= cutoff }
            resumable[key] = left.isEmpty ? nil : left
        }
        for id in lifecycles.keys.sorted() {
            guard let lifecycle = lifecycles[id] else { continue }
            let seen =
                lifecycle.legs.compactMap { channels[$0]?.lastSeen }.max() ?? lifecycle.legsEndedAt
                ?? lifecycle.startedAt
            guard seen < cutoff else { continue }
            let elsewhere = lifecycle.phase != .answered && calls[lifecycle.call]?.answered == true
            let state: CallState
            if lifecycle.phase == .answered || elsewhere {
                state = .ended
            } else {
                state = lifecycle.shape == .outbound ? .failed : .missed
            }
            if lifecycle.phase == .attempted {
                discard(id)
            } else {
                close(
                    id, state, at: max(seen, lifecycle.answeredAt ?? seen),
                    cause: elsewhere ? .answeredElsewhere : .unknown,
                    raw: "closed after call.max.open without the PBX: its end was not seen")
            }
        }
        // Channels as quiet go too (a customer's trunk leg): the next re-sync adopts whatever is still up.
        for (uniqueid, channel) in channels where channel.lastSeen < cutoff { forget(uniqueid) }
        return output
    }

    /// Drops a channel without deciding anything for it.
    mutating func forget(_ uniqueid: String) {
        guard let channel = channels.removeValue(forKey: uniqueid) else { return }
        lifecyclesByLeg[uniqueid] = nil
        detach(uniqueid, channel)
        if calls[channel.call]?.channels.isEmpty == true, calls[channel.call]?.lifecycles.isEmpty == true {
            removeCall(channel.call)
        }
    }
}
