import ZTICore

/// The PBX side of a worker (Asterisk or Avaya), as the link's frame loop drives it. What every PBX does alike
/// (the tick, the heartbeat, the checks of a DIAL) is written once, in the extension; each worker says only what
/// its PBX knows.
protocol LinkedWorker: Actor {
    var settings: WorkerSettings { get }
    var outbox: WorkerOutbox { get }
    /// The PBX link's state.
    var link: LinkState { get }
    /// Closes the lifecycles quiet since before `cutoff` (the PBX cannot be reached): their closings and the
    /// resume keys.
    func closeQuiet(before cutoff: EventTime) -> (closings: [CallEvent], resumeKeys: [String: String])
    /// Settles a click-to-dial request that got no outcome in time.
    func expireDial(_ clickToDialId: String) -> DialResult?
    /// The heartbeat as the PBX side sees it; the outbox adds its own counters.
    func report() -> Heartbeat
    /// A chunk of `OPEN` that came after the worker started.
    func openArrived(_ chunk: OpenLifecycles) async
}

extension LinkedWorker {
    func openArrived(_ chunk: OpenLifecycles) async {}

    /// Sends again what is unacked for too long, closes what is quiet while the PBX cannot be reached, settles
    /// click-to-dial requests without an outcome, and reports when a heartbeat is due.
    func tick() async {
        if link != .connected {
            // Nothing left ringing while the PBX cannot be reached: what is quiet for call.max.open is closed.
            let (closings, resumeKeys) = closeQuiet(before: await outbox.quietCutoff)
            await outbox.emitQuietClosings(closings, resumeKeys: resumeKeys)
        }
        let (overdue, heartbeatDue) = await outbox.tick()
        for id in overdue {
            if let result = expireDial(id) { await outbox.dialFinished(result) }
        }
        if heartbeatDue { await heartbeat() }
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
