import Logging
import NIOCore
import ZTIAsterisk
import ZTICore

/// What an Asterisk worker knows: the call tracker, the click-to-dial outcomes and the PBX link's state for the
/// heartbeat. The link to the supervisor is its ``WorkerOutbox``.
actor AsteriskWorker: LinkedWorker {
    let outbox: WorkerOutbox
    var tracker: AsteriskCallTracker
    var outcomes: ClickToDialOutcomes
    var link = LinkState.connecting
    private var pbxVersion: String?
    var lastError: String?
    private var eventsIn = 0
    private var clientDropped = 0
    init(
        settings: WorkerSettings, open: OpenLifecycles?, writer: NIOAsyncChannelOutboundWriter<ByteBuffer>,
        logger: Logger
    ) {
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
            link = .connected
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
            await linkDown(reason)
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

    func dial(_ request: DialRequest, client: AMIClient) async {
        let result: DialResult
        do {
            try check(request)
            guard let originate = settings.group.pbx.originate else {
                throw ZTICoreError(.eventInvalid, "group \(settings.group.key) has no Originate settings")
            }
            let action = try client.originateAction(for: request, settings: originate)
            // The tracker and the outcomes learn of the request before the PBX can answer it.
            if let sent = ClickToDialCorrelation.sent(action),
                case .clickToDialSent(let actionID, let clickToDialId, _, _) = sent
            {
                outcomes.sent(actionID: actionID, clickToDialId: clickToDialId)
                await emitTracked(tracker.handle(sent, at: .now()))
            }
            result = await client.originate(action, for: request, timeout: originate.timeout)
        } catch {
            result = request.refused((error as? ZTICoreError)?.message ?? "\(error)")
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

    func report() -> Heartbeat {
        let decided = !tracker.isUndecided
        var report = Heartbeat(
            link: link, family: decided ? tracker.family.rawValue : nil, pbxVersion: pbxVersion,
            activeCalls: tracker.activeCallCount, eventsIn: eventsIn, dropped: clientDropped, lastError: lastError)
        report.familySource = decided ? tracker.familySource.rawValue : nil
        return report
    }
}
