import Logging
import ZTICore

/// The PBX side of a worker (Asterisk or Avaya), as the link's frame loop drives it. What every PBX does alike
/// (the tick, the heartbeat, the link going down, the checks of a DIAL) is written once, in the extension; each
/// worker says only what its PBX knows.
protocol LinkedWorker: Actor {
    associatedtype Tracker: WorkerTracking
    associatedtype Outcomes: DialOutcomeTracking
    /// The link to the supervisor, which also holds the worker's settings and logger.
    var outbox: WorkerOutbox { get }
    var tracker: Tracker { get set }
    var outcomes: Outcomes { get set }
    /// The PBX link's state, and its last problem.
    var link: LinkState { get set }
    var lastError: String? { get set }
    /// The heartbeat as the PBX side sees it; the outbox adds its own counters.
    func report() -> Heartbeat
    /// A chunk of `OPEN` that came after the worker started.
    func openArrived(_ chunk: OpenLifecycles) async
}

extension LinkedWorker {
    var settings: WorkerSettings { outbox.settings }
    var logger: Logger { outbox.logger }

    func openArrived(_ chunk: OpenLifecycles) async {}

    /// Sends again what is unacked for too long, closes what is quiet while the PBX cannot be reached, settles
    /// click-to-dial requests without an outcome, and reports when a heartbeat is due.
    func tick() async {
        if link != .connected {
            // Nothing left ringing while the PBX cannot be reached: what is quiet for call.max.open is closed.
            let closings = tracker.closeQuiet(before: await outbox.quietCutoff)
            await outbox.emitQuietClosings(closings, resumeKeys: tracker.resumeKeys)
        }
        let (overdue, heartbeatDue) = await outbox.tick()
        for id in overdue {
            if let result = outcomes.expire(id) { await outbox.dialFinished(result) }
        }
        if heartbeatDue { await heartbeat() }
    }

    /// The PBX link went down (or a connection attempt failed): reported once it had been up, and in the
    /// heartbeat at once.
    func linkDown(_ reason: String) async {
        let wasUp = link == .connected
        link = .connecting
        lastError = reason
        if wasUp {
            logger.warning("PBX link of group \(settings.group.key) down: \(reason)")
            await outbox.linkLost()
        }
        await heartbeat()
    }

    func heartbeat() async {
        await outbox.heartbeat(report())
    }

    /// On the way out: a last report, so the supervisor knows what stayed unacked.
    func flush() async {
        await heartbeat()
    }

    /// The checks every `DIAL` passes before the PBX is asked: its characters, and its group.
    func check(_ request: DialRequest) throws(ZTICoreError) {
        try request.validate()
        guard request.group == settings.group.key else {
            throw ZTICoreError(
                .eventInvalid, "DIAL for group \(request.group) reached the worker of \(settings.group.key)")
        }
    }
}
