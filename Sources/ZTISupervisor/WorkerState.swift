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
        // The banner tells the family; without one (a proxy), CoreSettings or the first call events do.
        tracker = AsteriskCallTracker.detecting(directory: MemberDirectory(group: settings.group))
        // The spool's open lifecycles go on, with their ids and times, when the first re-sync finds their legs.
        if let open { tracker.resume(open) }
        if open == nil, settings.openLater { tracker.awaitOpen() }
        outcomes = ClickToDialOutcomes(group: settings.group.key)
    }

    func handle(_ event: AMIClientEvent, droppedByClient: Int) async {
        clientDropped = droppedByClient
        switch event {
        case .connected(let detected, let version, let source):
            link = "connected"
            pbxVersion = version
            lastError = nil
            if let detected { await emitTracked(tracker.decide(detected, source: source ?? .banner)) }
            logger.info(
                "PBX link of group \(settings.group.key) up: Asterisk \(familyText)\(version.map { ", version \($0)" } ?? "")"
            )
            await heartbeat()
        case .familyDecided(let detected, let source):
            if tracker.isUndecided {
                await emitTracked(tracker.decide(detected, source: source))
                logger.info("group \(settings.group.key): Asterisk \(familyText)")
                await heartbeat()
            }
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
            let undecided = tracker.isUndecided
            await emitTracked(tracker.handle(message, receivedAt: time))
            if undecided, !tracker.isUndecided {
                logger.info("group \(settings.group.key): Asterisk \(familyText)")
                await heartbeat()
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

    /// Sends what the tracker made (with its resume keys), and settles click-to-dial requests by it.
    private func emitTracked(_ callEvents: [CallEvent]) async {
        let resumeKeys = tracker.resumeKeys
        for callEvent in callEvents {
            await outbox.emit([callEvent], resumeKeys: resumeKeys)
            if let result = outcomes.observe(callEvent) { await outbox.dialFinished(result) }
        }
    }

    /// "family 1.4 (inferred from events)", for the log.
    private var familyText: String {
        guard !tracker.isUndecided else {
            return "family not known yet (no banner): inferred from the first call events"
        }
        let how: String
        switch tracker.familySource {
        case .banner: how = ""
        case .coreSettings: how = " (from CoreSettings)"
        case .events: how = " (inferred from events)"
        case .given: how = " (given)"
        case .assumed: how = " (assumed: nothing told it)"
        }
        return "family \(tracker.family.rawValue)\(how)"
    }

    private func heartbeat() async {
        let decided = !tracker.isUndecided
        let (link, family, source) = (
            link, decided ? tracker.family.rawValue : nil, decided ? tracker.familySource.rawValue : nil
        )
        let (pbxVersion, calls, eventsIn, dropped, lastError) = (
            pbxVersion, tracker.activeCallCount, eventsIn, clientDropped, lastError
        )
        await outbox.heartbeat { eventsOut, unacked, unackedDropped in
            var report = Heartbeat(
                link: link, family: family, pbxVersion: pbxVersion, activeCalls: calls, eventsIn: eventsIn,
                eventsOut: eventsOut, unacked: unacked, dropped: unackedDropped + dropped, lastError: lastError)
            report.familySource = source
            return report
        }
    }

    /// On the way out: a last report, so the supervisor knows what stayed unacked.
    func flush() async {
        await heartbeat()
    }
}
