import ZTICore

/// The Avaya call tracker: a pure `(state, CSTA event) → (state, [CallEvent])` over the events of the group's
/// device monitors, following the architecture's call semantics (which win over the reference's §6 mapping).
///
/// Calls are keyed by CM call ID, which is switch-wide (every member's monitor names the same call alike) and
/// reused by CM once a call is gone: a call is forgotten when its last lifecycle closes, and an event whose UCID
/// differs from the one known for its call ID starts a new call.
public struct AvayaCallTracker: Sendable {
    /// The group key events carry.
    public let group: String
    let numbers: NumberPlan
    private let dialCodes: [String]
    let users: [String: String?]
    /// Replay without a group file: every monitored number is a member.
    private let everyMonitorIsMember: Bool
    var monitors: [String: String] = [:]
    var calls: [String: AvayaCall] = [:]
    var clickToDial: [String: (id: String, member: String)] = [:]
    private var handledTransfers: [String: EventTime] = [:]
    /// Calls whose lifecycles all closed, kept for a while: a member who picks up a call another member's
    /// pickup closed, or joins it late, gets the same callId.
    var ended: [String: AvayaCall] = [:]
    private var endedPrunedAt: Int64 = 0
    /// How long an ended call's identity is kept (CM reuses call IDs, but not within minutes).
    static let endedCallMemory: Int64 = 120_000
    var output: [CallEvent] = []
    /// The member leg of each event the last call emitted, by event id (`EVENT`'s `resumeKey`).
    public internal(set) var resumeKeys: [String: String] = [:]
    /// Stored lifecycles that cannot be resumed (no leg, or a `cm-` call too old to trust): closed at the next
    /// re-sync at their last spooled time.
    var unresumable: [CallEvent] = []
    /// Attempts the spool knows per CM call ID (from `OPEN`), for adopted legs.
    var priorAttempts: [String: [OpenLifecycles.Attempt]] = [:]
    /// Waiting for a late `OPEN`: events about calls already up at connection are held back.
    var awaitingOpen = false
    /// While waiting for `OPEN`: the CM calls the first re-sync found; nil before it.
    var heldBack: Set<String>?
    /// Counts for the first re-sync after a resume, and what it did, until the worker logs it.
    var pendingResumeReport: ResumeReport?
    var finishedResumeReport: ResumeReport?

    /// A tracker for a configured group.
    public init(group: GroupConfig) {
        self.group = group.key
        self.numbers = group.numbers
        self.dialCodes = group.dialCodes.map(\.code)
        var users: [String: String?] = [:]
        for user in group.users { users[user.extensionNumber] = user.crmUser }
        self.users = users
        self.everyMonitorIsMember = false
    }

    /// A tracker for `ztisup replay` without a group file: every monitored extension is a member.
    public init(replayGroup: String) {
        self.group = replayGroup
        self.numbers = try! NumberPlan(countryCode: nil)
        self.dialCodes = []
        self.users = [:]
        self.everyMonitorIsMember = true
    }

    /// Lifecycles still open (for status).
    public var openLifecycles: Int { calls.values.map(\.lifecycles.count).reduce(0, +) }

    /// Calls with an open lifecycle.
    public var activeCalls: Int { calls.count }

    /// The extension a monitor watches, once `MonitorStart` answered with its cross-reference ID.
    public mutating func monitored(crossRefID: String, extension member: String) {
        monitors[crossRefID] = member
    }

    /// The extension whose monitor is `crossRefID`.
    public func member(monitor crossRefID: String) -> String? {
        monitors[crossRefID]
    }

    /// A monitor that ended (stopped, or its session lost).
    public mutating func unmonitored(crossRefID: String) {
        monitors[crossRefID] = nil
    }

    /// A `MakeCall` for `member` was answered with `callID`: the member's own phone alerting for it emits nothing,
    /// and its outbound lifecycle carries `clickToDialId`.
    public mutating func clickToDialStarted(callID: String, member: String, clickToDialId: String) {
        clickToDial[callID] = (clickToDialId, member)
    }

    /// The call events `event` causes.
    public mutating func handle(_ event: CSTAEvent, at time: EventTime) -> [CallEvent] {
        output = []
        resumeKeys = [:]
        guard let me = monitors[event.monitorCrossRefID], isMember(me) else { return [] }
        if awaitingOpen {
            // Calls already up belong to the spool's lifecycles, which are not known yet.
            guard let heldBack, let callID = event.callID, !heldBack.contains(callID) else { return [] }
        }
        switch event.kind {
        case .originated:
            if event.parties["callingDevice"]?.isNumber(me) ?? true { startOutbound(event, me, at: time) }
        case .delivered:
            if alertsAt(me, event) {
                startInbound(event, me, at: time)
            } else if event.parties["callingDevice"]?.isNumber(me) == true {
                startOutbound(event, me, at: time)
            }
        case .networkReached:
            update(event.callID, me) { $0.trunk = true }
        case .established:
            established(event, me, at: time)
        case .failed:
            failed(event, me, at: time)
        case .diverted:
            diverted(event, me, at: time)
        case .connectionCleared:
            let mine =
                event.connectionDevice?.isNumber(me)
                ?? (event.parties["releasingDevice"]?.isNumber(me) ?? false)
            if mine { legCleared(event.callID, me, cause: event.cause, at: time) }
        case .callCleared:
            legCleared(event.callID, me, cause: event.cause, at: time)
        case .transfered:
            transferred(event, at: time)
        case .conferenced:
            conferenced(event)
        case .serviceInitiated, .held, .retrieved, .queued:
            break
        }
        if let callID = event.callID {
            update(callID, me) { $0.lastSeenAt = time }
            if let last = calls[callID]?.lastEventAt, last < time { calls[callID]?.lastEventAt = time }
            settle(callID, at: time)
        }
        return output
    }

    // MARK: - Transitions

    func isMember(_ number: String) -> Bool {
        everyMonitorIsMember || users[number] != nil
    }

    /// Internal: a member, or a number matching the group's internal pattern.
    func isInternal(_ number: String?) -> Bool {
        guard let number else { return false }
        return isMember(number) || numbers.isInternal(number)
    }

    /// The event is about the member's phone alerting (not about the far end of its own call alerting).
    private func alertsAt(_ me: String, _ event: CSTAEvent) -> Bool {
        if let alerting = event.parties["alertingDevice"] { return alerting.isNumber(me) }
        if event.localConnectionInfo == "alerting" { return true }
        return event.connectionDevice?.isNumber(me) == true && event.parties["callingDevice"]?.isNumber(me) != true
    }

    /// The call with CM ID `callID`; a new one when none is known or when the UCID shows CM reused the ID.
    mutating func call(_ callID: String, ucid: String?, at time: EventTime) -> AvayaCall {
        if var known = calls[callID] {
            guard let ucid, let old = known.ucid, old != ucid else {
                if known.ucid == nil, let ucid {
                    known.ucid = ucid
                    calls[callID] = known
                }
                return known
            }
            // CM reused the call ID: what is left of the old call ended unseen.
            for index in known.lifecycles.indices.reversed() { closeUnknown(callID, index, at: time) }
            calls[callID] = nil
        }
        if var known = ended.removeValue(forKey: callID),
            time.millisecondsSinceEpoch - known.lastEventAt.millisecondsSinceEpoch < Self.endedCallMemory,
            ucid == nil || known.ucid == nil || known.ucid == ucid
        {
            known.ucid = known.ucid ?? ucid
            known.lastEventAt = time
            calls[callID] = known
            return known
        }
        let created = AvayaCall(
            callId: ucid ?? "cm-\(callID)-\(time.millisecondsSinceEpoch)", ucid: ucid, at: time)
        calls[callID] = created
        return created
    }

    private mutating func startInbound(_ event: CSTAEvent, _ me: String, at time: EventTime) {
        guard let callID = event.callID else { return }
        // The member's own phone alerting for its click-to-dial call emits nothing.
        if clickToDial[callID]?.member == me { return }
        var current = call(callID, ucid: event.ucid, at: time)
        if !current.indices(of: me).isEmpty {
            calls[callID] = current
            return
        }
        let caller = event.parties["callingDevice"]?.number
        let called = event.parties["calledDevice"]?.number ?? me
        if current.from == nil, current.to == nil {
            current.from = caller
            current.to = called
        }
        current.expecting.remove(me)
        let attempt = current.attempts[me, default: 0] + 1
        current.attempts[me] = attempt
        let lifecycle = AvayaLifecycle(
            extensionNumber: me, user: users[me] ?? nil, callId: current.callId, attempt: attempt, shape: .inbound,
            direction: isInternal(caller) ? .internal : .inbound, phase: .ringing, rang: true, startedAt: time,
            lastEventAt: time, from: caller, to: called,
            transferredCallId: current.transferred ? current.callId : nil)
        current.lifecycles.append(lifecycle)
        current.lastEventAt = time
        calls[callID] = current
        emit(lifecycle, .ringing, in: callID, at: time)
    }

    private mutating func startOutbound(_ event: CSTAEvent, _ me: String, at time: EventTime) {
        guard let callID = event.callID else { return }
        var current = call(callID, ucid: event.ucid, at: time)
        if !current.indices(of: me).isEmpty {
            calls[callID] = current
            return
        }
        let dialled = event.parties["calledDevice"]?.number
        if current.from == nil, current.to == nil {
            current.from = me
            current.to = dialled
        }
        let attempt = current.attempts[me, default: 0] + 1
        current.attempts[me] = attempt
        let clickToDialId = clickToDial[callID].flatMap { $0.member == me ? $0.id : nil }
        let lifecycle = AvayaLifecycle(
            extensionNumber: me, user: users[me] ?? nil, callId: current.callId, attempt: attempt, shape: .outbound,
            direction: isInternal(dialled) ? .internal : .outbound, phase: .ringing, rang: true, startedAt: time,
            lastEventAt: time, from: me, to: dialled.map { DialPlan.withoutDialCode($0, codes: dialCodes) },
            dialled: dialled, clickToDialId: clickToDialId,
            transferredCallId: current.transferred ? current.callId : nil)
        current.lifecycles.append(lifecycle)
        current.lastEventAt = time
        calls[callID] = current
        emit(lifecycle, .ringing, in: callID, at: time)
    }

    private mutating func established(_ event: CSTAEvent, _ me: String, at time: EventTime) {
        guard let callID = event.callID, let answerer = event.parties["answeringDevice"] else { return }
        if answerer.isNumber(me) {
            if calls[callID]?.indices(of: me).isEmpty ?? true {
                // A pickup, or a leg tied to the call only now: ringing and answered, in that order.
                guard clickToDial[callID]?.member != me else { return }
                startInbound(event, me, at: time)
            }
            guard var current = calls[callID] else { return }
            current.answered = true
            calls[callID] = current
            for index in current.indices(of: me) where current.lifecycles[index].shape == .inbound {
                answer(callID, index, at: time)
            }
            return
        }
        guard var current = calls[callID] else { return }
        current.answered = true
        calls[callID] = current
        for index in current.indices(of: me).reversed() {
            let lifecycle = current.lifecycles[index]
            switch (lifecycle.shape, lifecycle.phase) {
            case (.outbound, .ringing): answer(callID, index, at: time)
            case (.inbound, .ringing):
                close(callID, index, .ended, at: time, cause: .answeredElsewhere, raw: event.cause)
            default: break
            }
        }
    }

    private mutating func failed(_ event: CSTAEvent, _ me: String, at time: EventTime) {
        guard let callID = event.callID else { return }
        let cause = event.cause.flatMap { CallCause(cstaCause: $0) } ?? .failed
        let outcome = AvayaLifecycle.Outcome(cause: cause == .normal ? .failed : cause, raw: event.cause)
        if event.parties["failingDevice"]?.isNumber(me) == true, event.parties["callingDevice"]?.isNumber(me) != true {
            // The member's phone could not be alerted (busy, do not disturb): missed without a ringing, unless
            // someone else answers the call.
            var current = call(callID, ucid: event.ucid, at: time)
            current.expecting.remove(me)
            if current.indices(of: me).isEmpty {
                let attempt = current.attempts[me, default: 0] + 1
                current.attempts[me] = attempt
                let caller = event.parties["callingDevice"]?.number
                current.lifecycles.append(
                    AvayaLifecycle(
                        extensionNumber: me, user: users[me] ?? nil, callId: current.callId, attempt: attempt,
                        shape: .inbound, direction: isInternal(caller) ? .internal : .inbound, phase: .pending,
                        rang: false, startedAt: time, legEndedAt: time, lastEventAt: time, from: caller,
                        to: event.parties["calledDevice"]?.number ?? me, outcome: outcome))
                calls[callID] = current
            } else {
                calls[callID] = current
                update(callID, me) { lifecycle in
                    guard lifecycle.phase == .ringing, lifecycle.shape == .inbound else { return }
                    lifecycle.phase = .pending
                    lifecycle.outcome = outcome
                    lifecycle.legEndedAt = time
                }
            }
            return
        }
        update(callID, me) { lifecycle in
            if lifecycle.shape == .outbound, lifecycle.phase == .ringing { lifecycle.outcome = outcome }
        }
    }

    private mutating func diverted(_ event: CSTAEvent, _ me: String, at time: EventTime) {
        guard let callID = event.callID, var current = calls[callID] else { return }
        let diverting = event.parties["divertingDevice"] ?? event.connectionDevice
        guard diverting?.isNumber(me) == true else { return }
        for index in current.indices(of: me).reversed() {
            guard current.lifecycles[index].shape == .inbound, current.lifecycles[index].phase == .ringing else {
                continue
            }
            if event.cause == "callPickup" {
                current.answered = true
                calls[callID] = current
                close(callID, index, .ended, at: time, cause: .answeredElsewhere, raw: event.cause)
                current = calls[callID] ?? current
                continue
            }
            current.lifecycles[index].phase = .pending
            current.lifecycles[index].outcome = .init(cause: .diverted, raw: event.cause)
            current.lifecycles[index].legEndedAt = time
            if let next = event.parties["newDestination"]?.number, next != me, monitors.values.contains(next) {
                current.expecting.insert(next)
            }
            calls[callID] = current
        }
    }

    private mutating func legCleared(_ callID: String?, _ me: String, cause raw: String?, at time: EventTime) {
        guard let callID, let current = calls[callID] else { return }
        let cause = raw.flatMap { CallCause(cstaCause: $0) }
        for index in current.indices(of: me).reversed() {
            let lifecycle = current.lifecycles[index]
            switch (lifecycle.shape, lifecycle.phase) {
            case (_, .answered):
                close(callID, index, .ended, at: time, cause: .normal, raw: raw)
            case (.inbound, .ringing):
                // The caller gave up, unless the clearing says otherwise (no answer, busy, …).
                let unanswered = cause == nil || cause == .normal || cause == .failed ? CallCause.cancelled : cause!
                calls[callID]?.lifecycles[index].phase = .pending
                calls[callID]?.lifecycles[index].outcome = .init(cause: unanswered, raw: raw)
                calls[callID]?.lifecycles[index].legEndedAt = time
            case (.outbound, .ringing):
                if let outcome = lifecycle.outcome {
                    close(callID, index, .failed, at: time, cause: outcome.cause, raw: outcome.raw)
                } else if lifecycle.trunk || lifecycle.direction == .outbound {
                    // No answer signal from the network: ended, never an invented answer.
                    close(callID, index, .ended, at: time, cause: .normal, raw: raw)
                } else {
                    let given = cause == nil || cause == .normal || cause == .failed ? CallCause.cancelled : cause!
                    close(callID, index, .failed, at: time, cause: given, raw: raw)
                }
            case (_, .pending):
                break
            }
        }
    }

    private mutating func transferred(_ event: CSTAEvent, at time: EventTime) {
        guard let primary = event.primaryOldCallID else { return }
        let secondary = event.secondaryOldCallID
        let key = primary + ">" + (secondary ?? "")
        handledTransfers = handledTransfers.filter {
            time.millisecondsSinceEpoch - $0.value.millisecondsSinceEpoch < 60_000
        }
        let resulting = event.connections.compactMap(\.newCallID).first ?? secondary ?? primary
        guard handledTransfers[key] == nil else { return }
        handledTransfers[key] = time
        let transferrer = event.parties["transferringDevice"]?.number
        let target = event.parties["transferredToDevice"]?.number
        // The transferrer's lifecycle on the customer's call ends as transferred.
        if let transferrer, let current = calls[primary] {
            for index in current.indices(of: transferrer).reversed() {
                close(primary, index, .transferred, at: time, raw: event.cause, transferredTo: target)
            }
        }
        // The consultation call is over for everyone in it, answered or not (a blind transfer hands it over while
        // its target still rings): it ends, never missed or failed. Members other than the transferrer receive the
        // call, talking if they were talking in the consultation, ringing otherwise.
        var receivers: [(member: String, talking: Bool)] = []
        if let secondary, secondary != primary, let consultation = calls[secondary] {
            for index in consultation.lifecycles.indices.reversed() {
                let lifecycle = consultation.lifecycles[index]
                let member = lifecycle.extensionNumber
                if member != transferrer, !receivers.contains(where: { $0.member == member }) {
                    receivers.append((member, lifecycle.phase == .answered))
                }
                if lifecycle.phase == .pending && !lifecycle.rang {
                    calls[secondary]?.lifecycles.remove(at: index)
                } else {
                    close(secondary, index, .ended, at: time, cause: .normal, raw: event.cause)
                }
            }
            if calls[secondary]?.lifecycles.isEmpty == true { calls[secondary] = nil }
        }
        // A single-step transfer has no consultation: its target is alerted on the customer's call.
        if let target, isMember(target), target != transferrer, !receivers.contains(where: { $0.member == target }) {
            receivers.append((target, false))
        }
        guard var customer = calls[primary] else { return }
        customer.transferred = true
        // From now on the call is answered when a receiver is talking: one that does not answer missed it.
        if !receivers.isEmpty { customer.answered = receivers.contains { $0.talking } }
        calls[primary] = nil
        calls[resulting] = customer
        for receiver in receivers.reversed() where customer.indices(of: receiver.member).isEmpty {
            let member = receiver.member
            let attempt = customer.attempts[member, default: 0] + 1
            customer.attempts[member] = attempt
            let lifecycle = AvayaLifecycle(
                extensionNumber: member, user: users[member] ?? nil, callId: customer.callId, attempt: attempt,
                shape: .inbound, direction: isInternal(customer.from) ? .internal : .inbound,
                phase: receiver.talking ? .answered : .ringing, rang: true, startedAt: time,
                answeredAt: receiver.talking ? time : nil, lastEventAt: time, from: customer.from, to: customer.to,
                transferredCallId: customer.callId)
            customer.lifecycles.append(lifecycle)
            emit(lifecycle, .ringing, in: resulting, at: time)
            if receiver.talking { emit(lifecycle, .answered, in: resulting, at: time) }
        }
        calls[resulting] = customer
    }

    /// A conference merges two calls into one; every lifecycle goes on unchanged until its own leg clears.
    private mutating func conferenced(_ event: CSTAEvent) {
        guard let primary = event.primaryOldCallID, let secondary = event.secondaryOldCallID, primary != secondary
        else { return }
        let resulting = event.connections.compactMap(\.newCallID).first ?? primary
        // Every monitor in the conference reports it: after the first, only the merged call is left.
        let parts = [primary, secondary].compactMap { calls.removeValue(forKey: $0) }
        guard var merged = parts.first else { return }
        for part in parts.dropFirst() where part.callId != merged.callId {
            merged.lifecycles += part.lifecycles
            merged.answered = merged.answered || part.answered
        }
        calls[resulting] = merged
    }

    // MARK: - Emission

    mutating func update(_ callID: String?, _ me: String, _ change: (inout AvayaLifecycle) -> Void) {
        guard let callID, var current = calls[callID] else { return }
        for index in current.indices(of: me) { change(&current.lifecycles[index]) }
        calls[callID] = current
    }

    mutating func answer(_ callID: String, _ index: Int, at time: EventTime) {
        guard var current = calls[callID], current.lifecycles[index].phase == .ringing else { return }
        current.lifecycles[index].phase = .answered
        current.lifecycles[index].answeredAt = time
        current.lifecycles[index].lastEventAt = time
        current.answered = true
        calls[callID] = current
        emit(current.lifecycles[index], .answered, in: callID, at: time)
    }

    /// Decides the pending lifecycles of a call: answered elsewhere when someone answered, missed once nobody in
    /// it is ringing or talking any more; forgets the call when nothing is left of it.
    mutating func settle(_ callID: String, at time: EventTime) {
        guard let current = calls[callID] else { return }
        let active = current.lifecycles.contains(where: \.isActive) || !current.expecting.isEmpty
        for index in current.lifecycles.indices.reversed() where current.lifecycles[index].phase == .pending {
            let lifecycle = current.lifecycles[index]
            if current.answered {
                if lifecycle.rang {
                    close(callID, index, .ended, at: time, cause: .answeredElsewhere, raw: lifecycle.outcome?.raw)
                } else {
                    calls[callID]?.lifecycles.remove(at: index)
                }
            } else if !active {
                close(
                    callID, index, .missed, at: time, cause: lifecycle.outcome?.cause ?? .cancelled,
                    raw: lifecycle.outcome?.raw)
            }
        }
        if var finished = calls[callID], finished.lifecycles.isEmpty {
            calls[callID] = nil
            clickToDial[callID] = nil
            finished.lastEventAt = time
            // Pruned now and then, not at every call's end: a stale entry is also refused when it is looked up.
            if time.millisecondsSinceEpoch - endedPrunedAt >= Self.endedCallMemory / 4 {
                endedPrunedAt = time.millisecondsSinceEpoch
                ended = ended.filter {
                    time.millisecondsSinceEpoch - $0.value.lastEventAt.millisecondsSinceEpoch < Self.endedCallMemory
                }
            }
            ended[callID] = finished
        }
    }

    /// Closes a lifecycle whose end was never seen: ended if answered, missed if inbound, failed if outbound.
    mutating func closeUnknown(_ callID: String, _ index: Int, at time: EventTime) {
        guard let lifecycle = calls[callID]?.lifecycles[index] else { return }
        if lifecycle.phase == .answered {
            close(callID, index, .ended, at: time, cause: .unknown)
        } else if lifecycle.phase == .pending && !lifecycle.rang {
            calls[callID]?.lifecycles.remove(at: index)
        } else {
            close(callID, index, lifecycle.shape == .inbound ? .missed : .failed, at: time, cause: .unknown)
        }
    }

    mutating func close(
        _ callID: String, _ index: Int, _ state: CallState, at time: EventTime, cause: CallCause? = nil,
        raw: String? = nil, transferredTo: String? = nil
    ) {
        guard let lifecycle = calls[callID]?.lifecycles[index] else { return }
        emit(lifecycle, state, in: callID, at: time, cause: cause, raw: raw, transferredTo: transferredTo)
        calls[callID]?.lifecycles.remove(at: index)
    }

    /// Emits one event of `lifecycle`, a leg of CM call `callID`, with its resume key.
    mutating func emit(
        _ lifecycle: AvayaLifecycle, _ state: CallState, in callID: String, at time: EventTime,
        cause: CallCause? = nil, raw: String? = nil, transferredTo: String? = nil
    ) {
        let event = lifecycle.event(
            state, at: time, group: group, pbx: .avaya, numbers: numbers,
            answeredAt: state == .answered ? time : nil, cause: cause, raw: raw, transferredTo: transferredTo)
        output.append(event)
        resumeKeys[event.id] =
            AvayaLeg(
                callID: callID, extension: lifecycle.extensionNumber, ucid: calls[callID]?.ucid ?? ended[callID]?.ucid
            )
            .resumeKey
    }
}
