import Logging
import NIOCore
import ZTIAvaya
import ZTICore

/// What an Avaya worker knows and holds: the Avaya call tracker, the MakeCall outcomes, the unacked events, the
/// monitors and the counters its heartbeat reports. Owns the writing end of the link to the supervisor.
actor AvayaWorkerState {
    let settings: WorkerSettings
    private let writer: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private let logger: Logger
    private var tracker: AvayaCallTracker
    private var outcomes: AvayaDialOutcomes
    private var unacked: UnackedEvents
    private var link = "connecting"
    private var protocolVersion: String?
    private var session: String?
    private var monitored: [String: String] = [:]
    private var failedExtensions: [String: String] = [:]
    private var lastError: String?
    private var eventsIn = 0
    private var eventsOut = 0
    private var lastHeartbeat = ContinuousClock.now - WorkerRuntime.heartbeatInterval
    private var dialsSent: [String: ContinuousClock.Instant] = [:]
    private var inherited: [CallEvent]

    init(settings: WorkerSettings, writer: NIOAsyncChannelOutboundWriter<ByteBuffer>, logger: Logger) {
        self.settings = settings
        self.writer = writer
        self.logger = logger
        tracker = AvayaCallTracker(group: settings.group)
        outcomes = AvayaDialOutcomes(group: settings.group.key)
        unacked = UnackedEvents(capacity: settings.unackedMax)
        inherited = settings.openLifecycles
    }

    func send(_ frame: Frame) async throws {
        try await writer.write(ByteBuffer(bytes: try FrameEncoder.encode(frame)))
    }

    private func sendQuietly(_ frame: Frame) async {
        do {
            try await send(frame)
        } catch {
            logger.debug("worker: frame not sent: \(error)")
        }
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
                await finished(result)
            }
            await emit(tracker.handle(event, at: time))
        case .snapshot(let member, let calls):
            await emit(tracker.reconcile(member: member, present: Set(calls.map(\.callID)), at: .now()))
            let alerting = calls.filter { $0.localCallState == "alerting" }.map(\.callID)
            await emit(tracker.adoptAlerting(member: member, callIDs: alerting, at: .now()))
        case .disconnected(let reason):
            let wasUp = link == "connected"
            link = "connecting"
            lastError = reason
            if wasUp { logger.warning("PBX link of group \(settings.group.key) down: \(reason)") }
            await heartbeat()
        }
    }

    private func emit(_ events: [CallEvent]) async {
        for callEvent in events {
            if let dropped = unacked.add(callEvent, sentAt: .now) {
                logger.warning("worker: unacked buffer full; dropped \(dropped.id)")
            }
            eventsOut += 1
            await sendQuietly(.event(callEvent))
        }
    }

    private func closeInherited() async {
        guard !inherited.isEmpty else { return }
        let gone = inherited
        inherited = []
        logger.info("closing \(gone.count) lifecycles the previous worker left open; their ends were not seen")
        await emit(gone.sorted(by: { $0.at < $1.at }).map { $0.closed(at: .now()) })
    }

    func acknowledge(_ ids: [String]) {
        unacked.acknowledge(ids)
    }

    func tick() async {
        let now = ContinuousClock.now
        for event in unacked.due(now: now, timeout: settings.ackTimeout) { await sendQuietly(.event(event)) }
        for (id, sent) in dialsSent where now - sent > WorkerRuntime.clickToDialOutcomeTimeout {
            if let result = outcomes.expire(id) { await finished(result) }
            dialsSent[id] = nil
        }
        if now - lastHeartbeat >= WorkerRuntime.heartbeatInterval { await heartbeat() }
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
        if result.status == .accepted { dialsSent[request.clickToDialId] = .now }
        logger.info(
            "click-to-dial \(request.clickToDialId): extension \(request.extension) → \(request.number): \(result.status.rawValue)\(result.reason.map { " (\($0))" } ?? "")"
        )
        await sendQuietly(.dialResult(result))
    }

    private func finished(_ result: DialResult) async {
        dialsSent[result.clickToDialId] = nil
        logger.info("click-to-dial \(result.clickToDialId): \(result.status.rawValue)")
        await sendQuietly(.dialResult(result))
    }

    private func heartbeat() async {
        lastHeartbeat = .now
        var report = Heartbeat(
            link: link, family: "aes", pbxVersion: protocolVersion, activeCalls: tracker.activeCalls,
            eventsIn: eventsIn, eventsOut: eventsOut, unacked: unacked.count, dropped: unacked.dropped,
            lastError: lastError)
        report.session = session
        report.monitored = monitored.keys.sorted()
        report.failedExtensions = failedExtensions.isEmpty ? nil : failedExtensions
        await sendQuietly(.heartbeat(report))
    }

    func flush() async {
        await heartbeat()
    }
}
