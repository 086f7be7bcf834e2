import Logging
import NIOCore
import ZTIAvaya
import ZTICore

/// What an Avaya worker knows: the Avaya call tracker, the MakeCall outcomes, the monitors and the session for
/// the heartbeat. The link to the supervisor is its ``WorkerOutbox``.
actor AvayaWorkerState: LinkedWorker {
    let settings: WorkerSettings
    let outbox: WorkerOutbox
    private let logger: Logger
    private var tracker: AvayaCallTracker
    private var outcomes: AvayaDialOutcomes
    private var link = "connecting"
    private var protocolVersion: String?
    private var session: String?
    private var monitored: [String: String] = [:]
    private var failedExtensions: [String: String] = [:]
    private var lastError: String?
    private var eventsIn = 0
    private var inherited: [CallEvent]

    init(
        settings: WorkerSettings, open: OpenLifecycles?, writer: NIOAsyncChannelOutboundWriter<ByteBuffer>,
        logger: Logger
    ) {
        self.settings = settings
        self.logger = logger
        outbox = WorkerOutbox(settings: settings, writer: writer, logger: logger)
        tracker = AvayaCallTracker(group: settings.group)
        outcomes = AvayaDialOutcomes(group: settings.group.key)
        inherited = open?.lifecycles.map(\.event) ?? []
    }

    func handle(_ report: AESClientEvent) async {
        switch report {
        case .sessionStarted(let id, let version, let recovered):
            link = "connected"
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
            // A new session knows nothing of the calls a previous worker followed: their ends are unknown.
            await closeInherited()
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
            await outbox.emit(tracker.handle(event, at: time))
        case .snapshot(let member, let calls):
            await outbox.emit(tracker.reconcile(member: member, present: Set(calls.map(\.callID)), at: .now()))
            let alerting = calls.filter { $0.localCallState == "alerting" }.map(\.callID)
            await outbox.emit(tracker.adoptAlerting(member: member, callIDs: alerting, at: .now()))
        case .disconnected(let reason):
            let wasUp = link == "connected"
            link = "connecting"
            lastError = reason
            if wasUp { logger.warning("PBX link of group \(settings.group.key) down: \(reason)") }
            await heartbeat()
        }
    }

    private func closeInherited() async {
        guard !inherited.isEmpty else { return }
        let gone = inherited
        inherited = []
        logger.info("closing \(gone.count) lifecycles the previous worker left open; their ends were not seen")
        await outbox.emit(
            gone.sorted(by: { $0.at < $1.at }).map {
                $0.closedAbsent(at: $0.at, reason: "closed after a worker restart: its end was not seen")
            })
    }

    func tick() async {
        let (overdue, heartbeatDue) = await outbox.tick()
        for id in overdue {
            if let result = outcomes.expire(id) { await outbox.dialFinished(result) }
        }
        if heartbeatDue { await heartbeat() }
    }

    /// `MakeCall` from the request's extension to its number, dialled exactly as received.
    func dial(_ request: DialRequest, client: AESClient) async {
        var result: DialResult
        do {
            try request.validate()
            guard request.group == settings.group.key else {
                throw ZTICoreError(
                    .eventInvalid, "DIAL for group \(request.group) reached the worker of \(settings.group.key)")
            }
            switch await client.makeCall(request) {
            case .success(let call):
                tracker.clickToDialStarted(
                    callID: call.callID, member: request.extension, clickToDialId: request.clickToDialId)
                outcomes.started(callID: call.callID, member: request.extension, clickToDialId: request.clickToDialId)
                result = DialResult(clickToDialId: request.clickToDialId, group: settings.group.key, status: .accepted)
            case .failure(let error):
                result = DialResult(
                    clickToDialId: request.clickToDialId, group: settings.group.key, status: .refused,
                    reason: error.message)
            }
        } catch {
            result = DialResult(
                clickToDialId: request.clickToDialId, group: settings.group.key, status: .refused,
                reason: (error as? ZTICoreError)?.message ?? "\(error)")
        }
        await outbox.dialAnswered(request, result)
    }

    private func heartbeat() async {
        let (link, version, calls, eventsIn, lastError) = (
            link, protocolVersion, tracker.activeCalls, eventsIn, lastError
        )
        let (session, monitored, failed) = (session, monitored.keys.sorted(), failedExtensions)
        await outbox.heartbeat { eventsOut, unacked, dropped in
            var report = Heartbeat(
                link: link, family: "aes", pbxVersion: version, activeCalls: calls, eventsIn: eventsIn,
                eventsOut: eventsOut, unacked: unacked, dropped: dropped, lastError: lastError)
            report.session = session
            report.monitored = monitored
            report.failedExtensions = failed.isEmpty ? nil : failed
            return report
        }
    }

    func flush() async {
        await heartbeat()
    }
}
