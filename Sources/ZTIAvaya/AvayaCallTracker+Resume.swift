import ZTICore

/// Call state across restarts and link losses: the spool's open lifecycles taken over (`OPEN`), re-syncs from
/// `SnapshotDevice` that confirm, close and adopt legs ("Nothing left ringing"), and the closing of what stays quiet
/// while AES cannot be reached.
extension AvayaCallTracker {
    /// What the first re-sync after ``resume(_:window:now:)`` did with the stored lifecycles (for the log).
    public struct ResumeReport: Sendable, Equatable {
        public var resumed = 0
        public var closed = 0

        public init(resumed: Int = 0, closed: Int = 0) {
            self.resumed = resumed
            self.closed = closed
        }
    }

    /// Why a lifecycle was closed without its end: the event's `rawCause`.
    static let absentReason = "its leg was gone at a re-sync: its end was not seen"

    /// Takes over the spool's open lifecycles of the group. Each goes on under its stored `callId`, `attempt` and
    /// times in the CM call its resume key names, at once (so the events that follow act on it), but unconfirmed:
    /// the next re-sync that snapshots its member keeps it if the leg is there, or closes it at its last spooled
    /// time. A lifecycle without an Avaya leg, or of a `cm-` call older than `window` (CM reuses call IDs), is
    /// closed at that re-sync. The attempts in `OPEN` keep adopted legs from reusing an attempt.
    public mutating func resume(_ open: OpenLifecycles, window: Duration, now: EventTime) {
        let oldest = now.adding(.zero - window)
        func trusted(_ leg: AvayaLeg, callId: String, startedAt: EventTime) -> Bool {
            guard leg.ucid == nil, callId.hasPrefix("cm-") else { return true }
            let firstSeen = callId.split(separator: "-").last.flatMap { Int64($0) }
            return (firstSeen.map(EventTime.init(millisecondsSinceEpoch:)) ?? startedAt) >= oldest
        }
        for attempt in open.attempts {
            guard let key = attempt.resumeKey, let leg = AvayaLeg(resumeKey: key),
                trusted(leg, callId: attempt.callId, startedAt: now)
            else { continue }
            priorAttempts[leg.callID, default: []].append(attempt)
        }
        for stored in open.lifecycles.sorted(by: { $0.event.at < $1.event.at }) {
            let event = stored.event
            guard let key = stored.resumeKey, let leg = AvayaLeg(resumeKey: key), leg.extension == event.extension,
                event.state == .ringing || event.state == .answered, isMember(event.extension),
                trusted(leg, callId: event.callId, startedAt: event.startedAt ?? event.at)
            else {
                unresumable.append(event)
                continue
            }
            var call =
                calls[leg.callID]
                ?? AvayaCall(
                    callId: event.callId, ucid: leg.ucid ?? (event.callId.hasPrefix("cm-") ? nil : event.callId),
                    at: event.at)
            guard call.indices(of: event.extension).isEmpty else {
                unresumable.append(event)
                continue
            }
            if call.from == nil, call.to == nil {
                call.from = event.from
                call.to = event.to
            }
            let known = priorAttempts[leg.callID]?.filter { $0.extension == event.extension }.map(\.attempt) ?? []
            call.attempts[event.extension] = ([event.attempt, call.attempts[event.extension] ?? 0] + known).max()
            let answered = event.state == .answered
            call.answered = call.answered || answered
            var lifecycle = AvayaLifecycle(
                extensionNumber: event.extension, user: event.user, callId: event.callId, attempt: event.attempt,
                shape: event.memberDialled ? .outbound : .inbound, direction: event.direction,
                phase: answered ? .answered : .ringing, rang: true, startedAt: event.startedAt ?? event.at,
                answeredAt: answered ? event.answeredAt ?? event.at : nil, lastEventAt: event.at, from: event.from,
                to: event.to, dialled: event.dialled, clickToDialId: event.clickToDialId,
                transferredCallId: event.transferredCallId)
            lifecycle.confirmed = false
            call.lifecycles.append(lifecycle)
            calls[leg.callID] = call
            if let clickToDialId = event.clickToDialId, lifecycle.shape == .outbound {
                clickToDial[leg.callID] = (clickToDialId, event.extension)
            }
        }
        pendingResumeReport = pendingResumeReport ?? ResumeReport()
    }

    /// The worker started while the uploader was away: calls already up at the first re-sync are held back (their
    /// events emit nothing) until ``takeOver(_:window:now:)``.
    public mutating func awaitOpen() {
        awaitingOpen = true
        heldBack = nil
    }

    /// A late `OPEN` is complete: the held-back calls are released and the stored lifecycles taken over; the next
    /// re-sync (asked for now) resumes, closes and adopts.
    public mutating func takeOver(_ open: OpenLifecycles, window: Duration, now: EventTime) {
        awaitingOpen = false
        heldBack = nil
        resume(open, window: window, now: now)
    }

    /// What the first re-sync after a resume did, once; nil otherwise.
    public mutating func takeResumeReport() -> ResumeReport? {
        guard let report = finishedResumeReport else { return nil }
        finishedResumeReport = nil
        return report
    }

    /// A re-sync: the calls at each monitored member now (`SnapshotDevice`). A member's open lifecycle whose call
    /// is there goes on (and a ringing member found talking is answered now); one whose call is gone is closed at
    /// the last time its leg was known ("Nothing left ringing"). A leg nothing matches is adopted: at `ringing` if
    /// it alerts, at `answered` if it is up (no ringing invented). Members missing from `snapshots` (their snapshot
    /// failed) are left as they are, except stored lifecycles of members that are not monitored at all.
    ///
    /// The snapshots were asked for at `askedAt` (default: `time`); events handled since then are newer than they
    /// are, so a lifecycle or a call with an event since then is neither closed, answered nor adopted by them.
    public mutating func resync(
        snapshots: [String: [DMCCMessage.SnapshotCall]], at time: EventTime, askedAt: EventTime? = nil
    ) -> [CallEvent] {
        let askedAt = askedAt ?? time
        output = []
        resumeKeys = [:]
        var legs: [String: [String: String]] = [:]
        for (member, list) in snapshots {
            legs[member] = [:]
            for call in list { legs[member, default: [:]][call.callID] = call.localCallState ?? "" }
        }
        let callsUp = Set(legs.values.flatMap(\.keys))
        // Calls a member is talking in: someone answered them.
        let callsAnswered = Set(
            legs.values.flatMap { $0.filter { $0.value == "connected" || $0.value == "held" }.keys })
        if awaitingOpen {
            heldBack = (heldBack ?? []).union(callsUp)
            return []
        }
        let monitoredMembers = Set(monitors.values)
        var report = pendingResumeReport
        for callID in calls.keys.sorted() {
            for index in (calls[callID]?.lifecycles.indices ?? 0..<0).reversed() {
                guard let lifecycle = calls[callID]?.lifecycles[index], lifecycle.isActive else { continue }
                // Its events since the snapshots were asked for say more than they do.
                if lifecycle.lastEventAt >= askedAt {
                    calls[callID]?.lifecycles[index].confirmed = true
                    continue
                }
                let member = lifecycle.extensionNumber
                if let here = legs[member] {
                    if let state = here[callID] {
                        if !lifecycle.confirmed { report?.resumed += 1 }
                        calls[callID]?.lifecycles[index].confirmed = true
                        calls[callID]?.lifecycles[index].lastSeenAt = time
                        if lifecycle.shape == .inbound, state == "connected" || state == "held" {
                            // Answered while nobody watched: dated now, so its talk time is a lower bound.
                            answer(callID, index, at: time)
                        }
                    } else {
                        if !lifecycle.confirmed { report?.closed += 1 }
                        closeAbsent(
                            callID, index, callUp: callsUp.contains(callID), answered: callsAnswered.contains(callID))
                    }
                } else if !lifecycle.confirmed, !monitoredMembers.contains(member) {
                    report?.closed += 1
                    closeAbsent(
                        callID, index, callUp: callsUp.contains(callID), answered: callsAnswered.contains(callID))
                }
            }
            settle(callID, at: time)
        }
        for member in legs.keys.sorted() where isMember(member) {
            for (callID, state) in (legs[member] ?? [:]).sorted(by: { $0.key < $1.key })
            where calls[callID]?.indices(of: member).isEmpty ?? true {
                // A call with events since the snapshots were asked for is known better from them.
                if let recent = calls[callID] ?? ended[callID], recent.lastEventAt >= askedAt { continue }
                adopt(callID, member, state: state, at: time)
            }
        }
        report?.closed += unresumable.count
        closeUnresumable()
        if let report {
            pendingResumeReport = nil
            finishedResumeReport = report
        }
        return output
    }

    /// While AES cannot be reached or re-synced: every lifecycle quiet since before `cutoff` (`call.max.open` ago)
    /// is closed at the last time its leg was known.
    public mutating func closeQuiet(before cutoff: EventTime) -> [CallEvent] {
        output = []
        resumeKeys = [:]
        for callID in calls.keys.sorted() {
            guard let call = calls[callID], let last = call.lifecycles.map(\.lastKnownAt).max(), last < cutoff
            else { continue }
            for index in call.lifecycles.indices.reversed() where call.lifecycles[index].isActive {
                closeAbsent(callID, index, callUp: false)
            }
            // What is left waits for the rest of the call, which is gone too.
            calls[callID]?.expecting = []
            settle(callID, at: last)
        }
        closeUnresumable()
        return output
    }

    /// Closes a lifecycle whose leg is gone without an end seen, at the last time it was known: `ended` if
    /// answered; `ended` answered elsewhere if the call is up and someone answered it; else `missed` for a member
    /// who was called, `failed` for one who was calling; cause `unknown`.
    mutating func closeAbsent(_ callID: String, _ index: Int, callUp: Bool, answered: Bool = false) {
        guard let call = calls[callID] else { return }
        let lifecycle = call.lifecycles[index]
        let at = lifecycle.lastKnownAt
        switch lifecycle.phase {
        case .answered:
            close(callID, index, .ended, at: at, cause: .unknown, raw: Self.absentReason)
        case .ringing where lifecycle.shape == .inbound && (call.answered || answered) && callUp:
            close(callID, index, .ended, at: at, cause: .answeredElsewhere, raw: Self.absentReason)
        case .ringing:
            close(
                callID, index, lifecycle.shape == .inbound ? .missed : .failed, at: at, cause: .unknown,
                raw: Self.absentReason)
        case .pending:
            break
        }
    }

    /// A leg no lifecycle matches. A leg up after its member's lifecycle in the call ended (the busy tone, a
    /// caller who stays on the line) is not a new attempt; the member's own phone alerting for its click-to-dial
    /// call emits nothing.
    mutating func adopt(_ callID: String, _ member: String, state: String, at time: EventTime) {
        let alerting = state == "alerting"
        guard alerting || state == "connected" || state == "held" else { return }
        guard clickToDial[callID]?.member != member else { return }
        let prior = priorAttempts[callID] ?? []
        let recent = calls[callID] ?? ended[callID]
        let hadOne = (recent?.attempts[member] ?? 0) > 0 || prior.contains { $0.extension == member }
        if !alerting, hadOne { return }
        if calls[callID] == nil, let known = prior.first {
            // A call the spool knows (another member's lifecycle in it was resumed or closed): same callId.
            var call = AvayaCall(
                callId: known.callId, ucid: known.callId.hasPrefix("cm-") ? nil : known.callId, at: time)
            for attempt in prior {
                call.attempts[attempt.extension] = max(call.attempts[attempt.extension] ?? 0, attempt.attempt)
            }
            calls[callID] = call
        }
        var current = call(callID, ucid: nil, at: time)
        let attempt = current.attempts[member, default: 0] + 1
        current.attempts[member] = attempt
        let lifecycle = AvayaLifecycle(
            extensionNumber: member, user: users[member] ?? nil, callId: current.callId, attempt: attempt,
            shape: .inbound, direction: isInternal(current.from) ? .internal : .inbound,
            phase: alerting ? .ringing : .answered, rang: true, startedAt: time, answeredAt: alerting ? nil : time,
            lastEventAt: time, from: current.from, to: current.to ?? member)
        if !alerting { current.answered = true }
        current.lifecycles.append(lifecycle)
        calls[callID] = current
        emit(lifecycle, alerting ? .ringing : .answered, in: callID, at: time)
    }

    /// Stored lifecycles that could not be resumed end at their last spooled time.
    private mutating func closeUnresumable() {
        guard !unresumable.isEmpty else { return }
        let gone = unresumable.sorted { $0.at < $1.at }
        unresumable = []
        for event in gone {
            output.append(event.closedAbsent(at: event.at, reason: Self.absentReason))
        }
    }
}
