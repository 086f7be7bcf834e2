import Logging
import NIOCore
import ZTIAsterisk
import ZTICore

/// What an Asterisk worker knows: the call tracker, the click-to-dial outcomes and the PBX link's state for the
/// heartbeat. The link to the supervisor is its ``WorkerOutbox``.
actor WorkerState: LinkedWorker {
    let settings: WorkerSettings
    let outbox: WorkerOutbox
    private let logger: Logger
    private var tracker: AsteriskCallTracker
    private var outcomes: ClickToDialOutcomes
    private var link = "connecting"
    private var family: String?
    private var pbxVersion: String?
    private var lastError: String?
    private var eventsIn = 0
    private var clientDropped = 0
    init(
        settings: WorkerSettings, open: OpenLifecycles?, writer: NIOAsyncChannelOutboundWriter<ByteBuffer>,
        logger: Logger
    ) {
        self.settings = settings
        self.logger = logger
        outbox = WorkerOutbox(settings: settings, writer: writer, logger: logger)
        tracker = AsteriskCallTracker(directory: MemberDirectory(group: settings.group))
        // The spool's open lifecycles go on, with their ids and times, when the first re-sync finds their legs.
        if let open { tracker.resume(open) }
        if open == nil, settings.openLater { tracker.awaitOpen() }
        outcomes = ClickToDialOutcomes(group: settings.group.key)
    }

    func handle(_ event: AMIClientEvent, droppedByClient: Int) async {
        clientDropped = droppedByClient
        switch event {
        case .connected(let detected, let version):
            link = "connected"
            family = detected.rawValue
            pbxVersion = version
            lastError = nil
            logger.info(
                "PBX link of group \(settings.group.key) up: Asterisk family \(detected.rawValue)\(version.map { ", version \($0)" } ?? "")"
            )
            await heartbeat()
        case .disconnected(let reason):
            let wasUp = link == "connected"
            link = "connecting"
            lastError = reason
            if wasUp { logger.warning("PBX link of group \(settings.group.key) down: \(reason)") }
            await heartbeat()
        case .warning(let text):
            lastError = text
        case .resynced:
            if let report = tracker.takeResumeReport() {
                logger.info(
                    "first re-sync of group \(settings.group.key): \(report.resumed) open lifecycles resumed, \(report.closed) closed (their legs are gone)"
                )
            }
        case .message(let message, let time):
            eventsIn += 1
            if let result = outcomes.observe(message) { await outbox.dialFinished(result) }
            let callEvents = tracker.handle(message, receivedAt: time)
            let resumeKeys = tracker.resumeKeys
            for callEvent in callEvents {
                await outbox.emit([callEvent], resumeKeys: resumeKeys)
                if let result = outcomes.observe(callEvent) { await outbox.dialFinished(result) }
            }
        }
    }

    /// `OPEN` after the start: once whole, the calls adopted meanwhile give way to the stored lifecycles at a
    /// re-sync asked for now.
    func openArrived(_ chunk: OpenLifecycles) async {
        guard let open = await outbox.assembleLateOpen(chunk) else { return }
        tracker.takeOver(open)
        await outbox.resyncAfterTakeOver(open)
    }

    /// Sends again what is unacked for too long, reports, and settles click-to-dial requests without an outcome.
    func tick() async {
        if link != "connected" {
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

    func dial(_ request: DialRequest, client: AMIClient) async {
        let result: DialResult
        do {
            try request.validate()
            guard request.group == settings.group.key else {
                throw ZTICoreError(
                    .eventInvalid, "DIAL for group \(request.group) reached the worker of \(settings.group.key)")
            }
            guard let originate = settings.group.pbx.originate else {
                throw ZTICoreError(.eventInvalid, "group \(settings.group.key) has no Originate settings")
            }
            result = await client.originate(request, settings: originate)
        } catch {
            result = DialResult(
                clickToDialId: request.clickToDialId, group: settings.group.key, status: .refused,
                reason: (error as? ZTICoreError)?.message ?? "\(error)")
        }
        await outbox.dialAnswered(request, result)
    }

    private func heartbeat() async {
        let (link, family, pbxVersion, calls, eventsIn, dropped, lastError) = (
            link, family, pbxVersion, tracker.activeCallCount, eventsIn, clientDropped, lastError
        )
        await outbox.heartbeat { eventsOut, unacked, unackedDropped in
            Heartbeat(
                link: link, family: family, pbxVersion: pbxVersion, activeCalls: calls, eventsIn: eventsIn,
                eventsOut: eventsOut, unacked: unacked, dropped: unackedDropped + dropped, lastError: lastError)
        }
    }

    /// On the way out: a last report, so the supervisor knows what stayed unacked.
    func flush() async {
        await heartbeat()
    }
}
