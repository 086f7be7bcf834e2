// The supervisor's side of the uploader's event socket: connect, queue while away, drain in order, relay ACKs.
import Glibc
import Logging
import ZTICore
import ZTILink

/// The supervisor's link to the uploader. It connects (and reconnects, with backoff), says HELLO with the groups,
/// learns the uploader's protocol, forwards each worker's events as they came (queued in an ``EventBuffer`` while
/// the uploader is away, then drained in order), keeps each event in flight until its ACK (queued again if the
/// link drops), relays each ACK to its group's worker, asks `OPEN` for a group's next worker, and carries `DIAL`
/// and `DIAL_RESULT`.
actor UploaderLink {
    struct Settings: Sendable {
        let socket: String
        let bufferCapacity: Int
        let openTimeout: Duration
        /// How long a worker's start waits for the uploader to be connected before it asks for `OPEN`.
        let connectPatience: Duration
        /// The uploader is this supervisor's child: it needs a moment to open its socket, which is not worth a line.
        let spawned: Bool

        /// The uploader's event socket is `uploader.socket`, else the spawned uploader's `<runtime.dir>/events.sock`
        /// in all-in-one mode, else the socket of `ztisup-uploader.socket`. In all-in-one mode a worker's start also
        /// waits for the spawned uploader to start (`startup.timeout`).
        init(_ global: GlobalConfig, spawned: Bool) {
            socket =
                global.uploaderSocket
                ?? (spawned ? global.runtimeDir + "/events.sock" : "/run/ztisup-uploader/events.sock")
            bufferCapacity = global.bufferMaxEvents
            openTimeout = global.openTimeout
            connectPatience = spawned ? max(global.openTimeout, global.startupTimeout) : global.openTimeout
            self.spawned = spawned
        }
    }

    /// What the link hands to the supervisor.
    struct Handlers: Sendable {
        /// Event ids the uploader committed, for the worker of `group`.
        var ack: @Sendable (_ group: String, _ ids: [String]) async -> Void
        var dial: @Sendable (DialRequest) async -> Void
        /// The link came up, or went down.
        var changed: @Sendable (_ connected: Bool) async -> Void
        /// The groups the supervisor runs now, for HELLO.
        var groups: @Sendable () async -> [String]
    }

    private let settings: Settings
    private let clock: any SupervisorClock
    private let logger: Logger
    /// Times each event's way to the spool, when `/metrics` is served.
    private let metrics: SupervisorMetrics?
    private let startedAt: ContinuousClock.Instant
    private var handlers: Handlers?
    private var writer: FrameWriter?
    /// The uploader's protocol version, from its HELLO (1 when it sent none).
    private(set) var version: Int?
    private(set) var status: UploaderStatus?
    private(set) var lastError: String?
    private var buffer: EventBuffer
    private var draining = false
    /// Events sent and not acked yet, queued again if the link drops (their worker may be gone).
    private var inFlight: [String: (entry: QueuedEvent, order: Int)] = [:]
    private var inFlightOrder = 0
    /// `OPEN` answers being gathered, and who waits for them, per group.
    private var openChunks: [String: OpenLifecycles] = [:]
    private var openWaiters: [String: [CheckedContinuation<OpenLifecycles?, Never>]] = [:]
    private var openRequests: [String: Int] = [:]
    private var closing = false

    init(settings: Settings, clock: any SupervisorClock, logger: Logger, metrics: SupervisorMetrics? = nil) {
        self.metrics = metrics
        self.settings = settings
        self.clock = clock
        self.logger = logger
        self.startedAt = clock.now
        self.buffer = EventBuffer(capacity: settings.bufferCapacity)
    }

    var isConnected: Bool { writer != nil }
    var bufferedCount: Int { buffer.count }
    var bufferedDropped: Int { buffer.dropped }
    /// Events not acknowledged yet: queued, or sent and waiting for their ACK.
    var unacknowledged: Int { inFlight.count + buffer.count }

    /// Connects until cancelled, again after each loss (100 ms, doubling to 5 s).
    func run(_ handlers: Handlers) async {
        self.handlers = handlers
        var delay: Duration = .milliseconds(100)
        var reported = false
        while !Task.isCancelled {
            do {
                let link = try await FrameLink.connect(path: settings.socket)
                try await link.channel.executeThenClose { inbound, outbound in
                    let writer = FrameWriter(writer: outbound)
                    try await writer.send(.hello(Hello(role: .supervisor, pid: getpid(), groups: await namedGroups())))
                    // An uploader of protocol 2 or later answers HELLO first; one of protocol 1 answers the status
                    // request with STATUS: either way the first frame tells its version before any event goes.
                    try await writer.send(.statusRequest(StatusRequest()))
                    var frames = FrameStream(inbound: inbound, receiver: .supervisor, sender: .uploader)
                    guard let first = try await frames.next() else { return }
                    var version = 1
                    if case .hello(let hello) = first { version = hello.protocolVersion }
                    await connected(writer, version: version)
                    delay = .milliseconds(100)
                    reported = false
                    let poll = Task {
                        while !Task.isCancelled {
                            try? await clock.sleep(for: .seconds(2))
                            try? await writer.send(.statusRequest(StatusRequest()))
                        }
                    }
                    defer { poll.cancel() }
                    if case .uploaderStatus(let status) = first { self.status = status }
                    while let frame = try await frames.next() {
                        switch frame {
                        case .ack(let ack): await relay(ack)
                        case .dial(let request): await handlers.dial(request)
                        case .uploaderStatus(let status): self.status = status
                        case .open(let chunk): openReceived(chunk)
                        case .hello(let hello): self.version = hello.protocolVersion
                        default: break
                        }
                    }
                }
                await gone("the uploader closed the event socket")
            } catch {
                if !reported, !settings.spawned || clock.now - startedAt > .seconds(3) {
                    logger.warning(
                        "uploader at \(settings.socket) unavailable: \(error); events are queued meanwhile")
                    reported = true
                }
                await gone("\(error)")
            }
            try? await clock.sleep(for: delay)
            delay = min(delay * 2, .seconds(5))
        }
    }

    /// The groups a HELLO names: those the supervisor runs, and those whose events are still queued or unacked (a
    /// group removed by a reload while the uploader was away).
    private func namedGroups() async -> [String] {
        var groups = Set(await handlers?.groups() ?? [])
        for entry in buffer.entries { groups.insert(entry.event.group) }
        for entry in inFlight.values { groups.insert(entry.entry.event.group) }
        return groups.sorted()
    }

    /// HELLO again with the groups the supervisor runs now (after a reload), before any event of an added group.
    func announceGroups() async {
        try? await writer?.send(.hello(Hello(role: .supervisor, pid: getpid(), groups: await namedGroups())))
    }

    private func connected(_ writer: FrameWriter, version: Int) async {
        logger.info("connected to the uploader at \(settings.socket) (protocol \(version))")
        if version != WireProtocol.version {
            logger.warning(
                "the uploader speaks protocol \(version) and this supervisor \(WireProtocol.version): frames the other lacks are not sent (no open lifecycles or resume keys below protocol \(WireProtocol.resumeVersion)); upgrade both to the same release"
            )
        }
        lastError = nil
        self.version = version
        draining = true
        self.writer = writer
        // Queued events go first, in order; what arrives meanwhile joins the queue.
        while buffer.count > 0 {
            for entry in buffer.drain() { await send(entry, to: writer) }
        }
        draining = false
        await handlers?.changed(true)
    }

    private func gone(_ reason: String) async {
        if writer != nil { logger.warning("uploader link lost: \(reason)") }
        let wasUp = writer != nil
        writer = nil
        version = nil
        lastError = reason
        // What the uploader had not acked may not be in the spool: it goes again with the next link, in order.
        let unacked = inFlight.values.sorted { $0.order < $1.order }.map(\.entry)
        inFlight = [:]
        for entry in unacked { hold(entry) }
        for group in openWaiters.keys { openAnswered(group, nil) }
        if wasUp { await handlers?.changed(false) }
    }

    // MARK: - Events and acks

    /// Sends a worker's event to the uploader, or queues it while the uploader is away.
    func forward(_ entry: QueuedEvent) async {
        guard let writer, !draining else {
            hold(entry)
            return
        }
        await send(entry, to: writer)
    }

    /// Sends one event as its worker sent it (with its resume key only to an uploader that knows them), keeping it
    /// in flight until its ACK.
    private func send(_ entry: QueuedEvent, to writer: FrameWriter) async {
        inFlightOrder += 1
        var entry = entry
        // A worker's resend keeps the first copy's start, so that the latency counts from then.
        if let first = inFlight[entry.event.id]?.entry.receivedAt { entry.receivedAt = first }
        inFlight[entry.event.id] = (entry, inFlightOrder)
        let knowsResumeKeys = (version ?? 1) >= WireProtocol.resumeVersion
        do {
            if let payload = entry.payload, knowsResumeKeys || entry.resumeKey == nil {
                try await writer.send(type: .event, payload: payload)
            } else {
                try await writer.send(.event(entry.event, resumeKey: knowsResumeKeys ? entry.resumeKey : nil))
            }
        } catch {
            inFlight[entry.event.id] = nil
            hold(entry)
        }
    }

    private func hold(_ entry: QueuedEvent) {
        if buffer.append(entry), buffer.dropped == 1 || buffer.dropped % 1000 == 0 {
            logger.warning(
                "the uploader is away and \(buffer.capacity) events are queued (buffer.max.events): dropping the oldest ringing or answered (\(buffer.dropped) so far; the workers send them again; ends are always kept)"
            )
        }
    }

    /// Hands an ACK to the worker of its group; an uploader of protocol 2 names no group, so then each id goes to
    /// the group of its event in flight.
    private func relay(_ ack: Ack) async {
        var byGroup: [String: [String]] = [:]
        var order: [String] = []
        let now = clock.now
        for id in ack.ids {
            let sent = inFlight.removeValue(forKey: id)
            if let sent, let start = sent.entry.receivedAt {
                metrics?.committed(group: sent.entry.event.group, after: now - start)
            }
            guard let group = ack.group ?? sent?.entry.event.group else { continue }
            if byGroup[group] == nil { order.append(group) }
            byGroup[group, default: []].append(id)
        }
        for group in order { await handlers?.ack(group, byGroup[group] ?? []) }
    }

    // MARK: - Open lifecycles

    /// The uploader's `OPEN` for `group`: asked once the uploader is connected (and has every queued event),
    /// waited for up to `open.timeout`. Nil when the uploader is away, of protocol 1, or does not answer in time.
    func requestOpen(_ group: String) async -> OpenLifecycles? {
        let deadline = clock.now + settings.connectPatience
        while writer == nil || draining || version == nil, clock.now < deadline, !closing {
            try? await clock.sleep(for: .milliseconds(20))
        }
        guard let writer, !draining, let version else {
            logger.warning(
                "group \(group): the uploader is away; starting its worker without the open lifecycles (calls in progress are adopted as new)",
                metadata: ["group": .string(group)])
            return nil
        }
        guard version >= WireProtocol.resumeVersion else { return nil }
        let timeout = settings.openTimeout
        let clock = self.clock
        let answer = await withCheckedContinuation { (continuation: CheckedContinuation<OpenLifecycles?, Never>) in
            openWaiters[group, default: []].append(continuation)
            guard openWaiters[group]?.count == 1 else { return }
            openRequests[group, default: 0] += 1
            let request = openRequests[group] ?? 0
            Task {
                do {
                    try await writer.send(.openRequest(OpenRequest(group: group)))
                    try await clock.sleep(for: timeout)
                } catch {}
                // Only this request's wait ends here, not a later one's.
                self.expire(group, request: request)
            }
        }
        if answer == nil {
            logger.warning(
                "group \(group): no OPEN from the uploader within \(settings.openTimeout) (open.timeout); starting its worker without it",
                metadata: ["group": .string(group)])
        } else if let answer, !answer.lifecycles.isEmpty {
            logger.info(
                "group \(group): \(answer.lifecycles.count) open lifecycles in the spool go to the worker to resume",
                metadata: ["group": .string(group)])
        }
        return answer
    }

    private func expire(_ group: String, request: Int) {
        if openRequests[group] == request { openAnswered(group, nil) }
    }

    private func openReceived(_ chunk: OpenLifecycles) {
        if var gathered = openChunks[chunk.group] {
            gathered.merge(chunk)
            openChunks[chunk.group] = gathered
        } else {
            openChunks[chunk.group] = chunk
        }
        if chunk.last, let whole = openChunks.removeValue(forKey: chunk.group) { openAnswered(chunk.group, whole) }
    }

    private func openAnswered(_ group: String, _ answer: OpenLifecycles?) {
        openRequests[group, default: 0] += 1
        if answer == nil { openChunks[group] = nil }
        for waiter in openWaiters.removeValue(forKey: group) ?? [] { waiter.resume(returning: answer) }
    }

    /// The supervisor stops: nothing waits for the uploader any more.
    func close() {
        closing = true
    }

    // MARK: - Click-to-dial

    /// Sends a worker's `DIAL_RESULT` for a request the uploader routed.
    func send(_ result: DialResult) async {
        try? await writer?.send(.dialResult(result))
    }
}
