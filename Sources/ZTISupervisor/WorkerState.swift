import Logging
import NIOCore
import ZTIAsterisk
import ZTICore

/// What a worker knows and holds: the call tracker, the click-to-dial outcomes, the unacked events and the
/// counters its heartbeat reports. Owns the writing end of the link to the supervisor.
actor WorkerState {
    let settings: WorkerSettings
    private let writer: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private let logger: Logger
    private var tracker: AsteriskCallTracker
    private var outcomes: ClickToDialOutcomes
    private var unacked: UnackedEvents
    private var link = "connecting"
    private var family: String?
    private var pbxVersion: String?
    private var lastError: String?
    private var eventsIn = 0
    private var eventsOut = 0
    private var clientDropped = 0
    private var lastHeartbeat = ContinuousClock.now - WorkerRuntime.heartbeatInterval
    private var dialsSent: [String: ContinuousClock.Instant] = [:]
    /// Lifecycles a previous worker left open, checked against the PBX at the first re-sync.
    private var inherited: [CallEvent]

    init(settings: WorkerSettings, writer: NIOAsyncChannelOutboundWriter<ByteBuffer>, logger: Logger) {
        self.settings = settings
        self.writer = writer
        self.logger = logger
        tracker = AsteriskCallTracker(directory: MemberDirectory(group: settings.group))
        outcomes = ClickToDialOutcomes(group: settings.group.key)
        unacked = UnackedEvents(capacity: settings.unackedMax)
        inherited = settings.openLifecycles
    }

    /// Sends a frame; a failed write is left to the reader, which sees the link end.
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
            await closeInherited()
        case .message(let message, let time):
            eventsIn += 1
            if let result = outcomes.observe(message) { await finished(result) }
            for callEvent in tracker.handle(message, receivedAt: time) {
                if let dropped = unacked.add(callEvent, sentAt: .now) {
                    logger.warning("worker: unacked buffer full; dropped \(dropped.id)")
                }
                eventsOut += 1
                await sendQuietly(.event(callEvent))
                if let result = outcomes.observe(callEvent) { await finished(result) }
            }
        }
    }

    /// After the first re-sync: a lifecycle the previous worker left open that the tracker does not have now
    /// (its call is gone from the PBX) gets its end.
    private func closeInherited() async {
        guard !inherited.isEmpty else { return }
        let open = Set(tracker.openLifecycles)
        let gone = inherited.filter { !open.contains($0.lifecycleKey) }
        inherited = []
        if !gone.isEmpty {
            logger.info("closing \(gone.count) lifecycles the previous worker left open; their calls are gone")
        }
        for event in gone.sorted(by: { $0.at < $1.at }) {
            let closing = event.closed(at: .now())
            unacked.add(closing, sentAt: .now)
            eventsOut += 1
            await sendQuietly(.event(closing))
        }
    }

    func acknowledge(_ ids: [String]) {
        unacked.acknowledge(ids)
    }

    /// Sends again what is unacked for too long, reports, and settles click-to-dial requests without an outcome.
    func tick() async {
        let now = ContinuousClock.now
        for event in unacked.due(now: now, timeout: settings.ackTimeout) { await sendQuietly(.event(event)) }
        for (id, sent) in dialsSent where now - sent > WorkerRuntime.clickToDialOutcomeTimeout {
            if let result = outcomes.expire(id) { await finished(result) }
            dialsSent[id] = nil
        }
        if now - lastHeartbeat >= WorkerRuntime.heartbeatInterval { await heartbeat() }
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
        if result.status == .accepted { dialsSent[request.clickToDialId] = .now }
        logger.info(
            "click-to-dial \(request.clickToDialId): extension \(request.extension) → \(request.number): \(result.status.rawValue)\(result.reason.map { " (\($0))" } ?? "")"
        )
        await sendQuietly(.dialResult(result))
    }

    /// A request's final result.
    private func finished(_ result: DialResult) async {
        dialsSent[result.clickToDialId] = nil
        logger.info("click-to-dial \(result.clickToDialId): \(result.status.rawValue)")
        await sendQuietly(.dialResult(result))
    }

    private func heartbeat() async {
        lastHeartbeat = .now
        await sendQuietly(
            .heartbeat(
                Heartbeat(
                    link: link, family: family, pbxVersion: pbxVersion, activeCalls: tracker.activeCallCount,
                    eventsIn: eventsIn, eventsOut: eventsOut, unacked: unacked.count,
                    dropped: unacked.dropped + clientDropped, lastError: lastError)))
    }

    /// On the way out: a last report, so the supervisor knows what stayed unacked.
    func flush() async {
        await heartbeat()
    }
}
