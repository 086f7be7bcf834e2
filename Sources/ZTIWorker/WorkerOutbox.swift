import Logging
import NIOCore
import ZTICore
import ZTILink

/// A worker's side of the link to its supervisor, the same for every PBX: it writes frames, keeps each call event
/// until its `ACK` (sending it again after `ack.timeout`), keeps the click-to-dial requests waiting for their
/// outcome, and times the heartbeats.
actor WorkerOutbox {
    let settings: WorkerSettings
    private let writer: FrameWriter
    let logger: Logger
    private var unacked: UnackedEvents
    private var eventsOut = 0
    private var dialsSent: [String: ContinuousClock.Instant] = [:]
    private var lastHeartbeat = ContinuousClock.now - WireProtocol.heartbeatInterval
    private var linkLosses = 0

    init(settings: WorkerSettings, writer: NIOAsyncChannelOutboundWriter<ByteBuffer>, logger: Logger) {
        self.settings = settings
        self.writer = FrameWriter(writer: writer)
        self.logger = logger
        unacked = UnackedEvents(capacity: settings.unackedMax)
    }

    /// Sends a frame; a failed write is left to the reader, which sees the link end.
    func send(_ frame: Frame) async throws {
        try await writer.send(frame)
    }

    func sendQuietly(_ frame: Frame) async {
        do {
            try await send(frame)
        } catch {
            logger.debug("worker: frame not sent: \(error)")
        }
    }

    /// Sends call events, each kept until it is acked; `resumeKeys` names each one's member leg (by event id).
    func emit(_ events: [CallEvent], resumeKeys: [String: String] = [:]) async {
        for event in events {
            let resumeKey = resumeKeys[event.id]
            if let dropped = unacked.add(event, resumeKey: resumeKey, sentAt: .now) {
                logger.warning("worker: unacked buffer full; dropped \(dropped.id)")
            }
            eventsOut += 1
            await sendQuietly(.event(event, resumeKey: resumeKey))
        }
    }

    func acknowledge(_ ids: [String]) {
        unacked.acknowledge(ids)
    }

    /// Sends again what is unacked for too long; returns the click-to-dial requests whose outcome is overdue, and
    /// whether a heartbeat is due.
    func tick() async -> (overdueDials: [String], heartbeatDue: Bool) {
        let now = ContinuousClock.now
        for entry in unacked.dueEntries(now: now, timeout: settings.ackTimeout) {
            await sendQuietly(.event(entry.event, resumeKey: entry.resumeKey))
        }
        let overdue = dialsSent.filter { now - $0.value > WorkerRuntime.clickToDialOutcomeTimeout }.map(\.key)
        for id in overdue { dialsSent[id] = nil }
        return (overdue.sorted(), now - lastHeartbeat >= WireProtocol.heartbeatInterval)
    }

    /// The immediate result of a `DIAL`: logged, sent, and remembered until its final result when accepted.
    func dialAnswered(_ request: DialRequest, _ result: DialResult) async {
        if result.status == .accepted { dialsSent[request.clickToDialId] = .now }
        logger.info(
            "click-to-dial \(request.clickToDialId): extension \(request.extension) → \(request.number): \(result.status.rawValue)\(result.reason.map { " (\($0))" } ?? "")"
        )
        await sendQuietly(.dialResult(result))
    }

    /// A request's final result.
    func dialFinished(_ result: DialResult) async {
        dialsSent[result.clickToDialId] = nil
        logger.info("click-to-dial \(result.clickToDialId): \(result.status.rawValue)")
        await sendQuietly(.dialResult(result))
    }

    private var lateOpen: OpenLifecycles?
    private var resync: (@Sendable () -> Void)?

    /// What asks the PBX client for a re-sync once a late `OPEN` is complete.
    func onTakeOver(_ resync: @escaping @Sendable () -> Void) {
        self.resync = resync
    }

    /// A chunk of `OPEN` after the start (when the worker was told it may come): the whole answer once its last
    /// chunk is in, else nil.
    func assembleLateOpen(_ chunk: OpenLifecycles) -> OpenLifecycles? {
        guard settings.openLater, chunk.group == settings.group.key else { return nil }
        if lateOpen == nil { lateOpen = chunk } else { lateOpen?.merge(chunk) }
        guard let open = lateOpen, open.last else { return nil }
        lateOpen = nil
        return open
    }

    /// After the tracker took a late `OPEN` over: a re-sync now, so the stored lifecycles win.
    func resyncAfterTakeOver(_ open: OpenLifecycles) {
        logger.info(
            "group \(settings.group.key): the spool's \(open.lifecycles.count) open lifecycles arrived; re-syncing to resume them"
        )
        resync?()
    }

    /// When lifecycles quiet since before it are closed while the PBX cannot be reached (`call.max.open` ago).
    var quietCutoff: EventTime { EventTime.now().adding(.zero - settings.group.pbx.callMaxOpen) }

    /// Sends the closings of lifecycles quiet for longer than `call.max.open` while the PBX cannot be reached.
    func emitQuietClosings(_ closings: [CallEvent], resumeKeys: [String: String]) async {
        guard !closings.isEmpty else { return }
        logger.info(
            "PBX of group \(settings.group.key) unreachable: closing \(closings.count) lifecycles quiet for longer than call.max.open (\(settings.group.pbx.callMaxOpen))"
        )
        await emit(closings, resumeKeys: resumeKeys)
    }

    /// Sends the PBX side's `report` with the outbox's counters: events out, unacked, and the unacked dropped
    /// added to what the PBX side dropped.
    /// The PBX link went down after being up.
    func linkLost() {
        linkLosses += 1
    }

    func heartbeat(_ report: Heartbeat) async {
        lastHeartbeat = .now
        var report = report
        report.linkLosses = linkLosses
        report.eventsOut = eventsOut
        report.unacked = unacked.count
        report.dropped += unacked.dropped
        await sendQuietly(.heartbeat(report))
    }
}
