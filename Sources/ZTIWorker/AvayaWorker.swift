import Logging
import NIOCore
import ZTIAvaya
import ZTICore

/// What an Avaya worker knows: the Avaya call tracker, the MakeCall outcomes, the monitors and the session for
/// the heartbeat. The link to the supervisor is its ``WorkerOutbox``.
actor AvayaWorker: LinkedWorker {
    let outbox: WorkerOutbox
    var tracker: AvayaCallTracker
    var outcomes: AvayaDialOutcomes
    var link = LinkState.connecting
    private var protocolVersion: String?
    private var session: String?
    private var monitored: [String: String] = [:]
    private var failedExtensions: [String: String] = [:]
    var lastError: String?
    private var eventsIn = 0

    init(
        settings: WorkerSettings, open: OpenLifecycles?, writer: NIOAsyncChannelOutboundWriter<ByteBuffer>,
        logger: Logger
    ) {
        outbox = WorkerOutbox(settings: settings, writer: writer, logger: logger)
        tracker = AvayaCallTracker(group: settings.group)
        outcomes = AvayaDialOutcomes(group: settings.group.key)
        // The spool's open lifecycles go on at once; the first re-sync keeps those whose legs are there.
        if let open { tracker.resume(open, window: settings.group.pbx.callMaxOpen, now: .now()) }
        if open == nil, settings.openLater { tracker.awaitOpen() }
    }

    /// `OPEN` after the start: once whole, the held-back calls give way to the stored lifecycles at a re-sync
    /// asked for now.
    func openArrived(_ chunk: OpenLifecycles) async {
        guard let open = await outbox.assembleLateOpen(chunk) else { return }
        tracker.takeOver(open, window: settings.group.pbx.callMaxOpen, now: .now())
        await outbox.resyncAfterTakeOver(open)
    }

    func handle(_ report: AESClientEvent) async {
        switch report {
        case .sessionStarted(let id, let version, let recovered):
            link = .connected
            session = id
            protocolVersion = version.split(separator: "/").last.map(String.init) ?? version
            lastError = nil
            logger.info(
                "PBX link of group \(settings.group.key) up: AES session \(recovered ? "recovered" : "started"), protocol \(protocolVersion ?? version)"
            )
            if !recovered {
                monitored = [:]
                failedExtensions = [:]
            }
            await heartbeat()
        case .monitored(let member, let crossRef):
            tracker.monitored(crossRefID: crossRef, extension: member)
            monitored[member] = crossRef
            failedExtensions[member] = nil
        case .monitorFailed(let member, let reason):
            if let crossRef = monitored.removeValue(forKey: member) { tracker.unmonitored(crossRefID: crossRef) }
            failedExtensions[member] = reason
            logger.warning("group \(settings.group.key): extension \(member) is not monitored: \(reason)")
            await heartbeat()
        case .event(let event, let time):
            eventsIn += 1
            if let member = tracker.member(monitor: event.monitorCrossRefID),
                let result = outcomes.observe(event, member: member)
            {
                await outbox.dialFinished(result)
            }
            let callEvents = tracker.handle(event, at: time)
            await outbox.emit(callEvents, resumeKeys: tracker.resumeKeys)
        case .resynced(let snapshots, let askedAt):
            let callEvents = tracker.resync(snapshots: snapshots, at: .now(), askedAt: askedAt)
            await outbox.emit(callEvents, resumeKeys: tracker.resumeKeys)
            if let report = tracker.takeResumeReport() {
                logger.info(
                    "first re-sync of group \(settings.group.key): \(report.resumed) open lifecycles resumed, \(report.closed) closed (their legs are gone)"
                )
            }
        case .disconnected(let reason):
            await linkDown(reason)
        }
    }

    /// `MakeCall` from the request's extension to its number, dialled exactly as received.
    func dial(_ request: DialRequest, client: AESClient) async {
        var result: DialResult
        do {
            try check(request)
            switch await client.makeCall(request) {
            case .success(let call):
                tracker.clickToDialStarted(
                    callID: call.callID, member: request.extension, clickToDialId: request.clickToDialId)
                outcomes.started(callID: call.callID, member: request.extension, clickToDialId: request.clickToDialId)
                result = DialResult(clickToDialId: request.clickToDialId, group: settings.group.key, status: .accepted)
            case .failure(let error):
                result = request.refused(error.message)
            }
        } catch {
            result = request.refused(error.message)
        }
        await outbox.dialAnswered(request, result)
    }

    func report() -> Heartbeat {
        var report = Heartbeat(
            link: link, family: "aes", pbxVersion: protocolVersion, activeCalls: tracker.activeCalls,
            eventsIn: eventsIn, lastError: lastError)
        report.session = session
        report.monitored = monitored.keys.sorted()
        report.failedExtensions = failedExtensions.isEmpty ? nil : failedExtensions
        return report
    }
}
