import CLinux
import FoundationEssentials
import Logging
import NIOCore
import Synchronization
import ZTICore
import ZTILink

/// The AMI client of one worker: connects, logs in (MD5 challenge or plain), detects the family from the banner
/// (refined by `CoreSettings`), installs filters when asked, re-syncs calls in progress, keeps the link alive with
/// `Ping` and reconnects with capped, jittered backoff, forever, until its task is cancelled.
///
/// The reader never waits for the consumer: messages go through a bounded hand-off, and what does not fit is
/// dropped and counted (``droppedCount``), which the worker answers with a re-sync.
public final class AMIClient: Sendable {
    public let settings: AMIClientSettings
    private let logger: Logger
    private let dropped = Atomic<Int>(0)
    private let actionCounter = Atomic<Int>(0)
    private let sessionLoggedIn = Atomic<Bool>(false)
    private let resyncRequested = Atomic<Bool>(false)
    /// The logged-in session's writer and reply router, for actions from outside the session (click-to-dial).
    private let current = Mutex<(NIOAsyncChannelOutboundWriter<ByteBuffer>, AMIReplyRouter)?>(nil)
    private let events = Mutex<AsyncStream<AMIClientEvent>.Continuation?>(nil)
    /// The support capture, which sees both directions of every session (``StreamCapture``).
    private let capture: StreamCapture?

    /// Creates a client; nothing happens until ``run(into:)``.
    public init(settings: AMIClientSettings, logger: Logger, capture: StreamCapture? = nil) {
        self.settings = settings
        self.logger = logger
        self.capture = capture
    }

    /// The bounded hand-off to give ``run(into:)``: it keeps at most `settings.handoffCapacity` reports waiting,
    /// and what does not fit is dropped and counted (and answered with a re-sync), so the reader never waits.
    public func makeEventStream() -> (AsyncStream<AMIClientEvent>, AsyncStream<AMIClientEvent>.Continuation) {
        AsyncStream<AMIClientEvent>.makeStream(bufferingPolicy: .bufferingOldest(settings.handoffCapacity))
    }

    /// Asks for a re-sync at once (the worker learnt the spool's open calls after it started).
    public func requestResync() {
        resyncRequested.store(true, ordering: .relaxed)
    }

    /// Messages the consumer's hand-off had no room for.
    public var droppedCount: Int { dropped.load(ordering: .relaxed) }

    /// Connects and reconnects until cancelled, reporting into `continuation`.
    public func run(into continuation: AsyncStream<AMIClientEvent>.Continuation) async {
        events.withLock { $0 = continuation }
        var attempt = 0
        while !Task.isCancelled {
            sessionLoggedIn.store(false, ordering: .relaxed)
            defer { current.withLock { $0 = nil } }
            do {
                try await session(continuation)
            } catch is CancellationError {
                break
            } catch {
                let reason = (error as? ZTIAsteriskError)?.message ?? "\(error)"
                logger.warning(
                    "AMI link to \(settings.host):\(settings.port) down: \(reason)",
                    metadata: ["pbx": "\(settings.host)"])
                continuation.yield(.disconnected(reason: reason))
            }
            attempt = sessionLoggedIn.load(ordering: .relaxed) ? 1 : attempt + 1
            let delay = settings.backoff.delay(attempt: attempt, unit: Double.random(in: 0...1))
            do { try await Task.sleep(for: delay) } catch { break }
        }
        continuation.finish()
    }

    /// The click-to-dial `Originate` of `request`, with an action id of this client's: what the caller tells its
    /// tracker and outcomes before it is sent with ``originate(_:for:timeout:)``.
    public func originateAction(for request: DialRequest, settings: OriginateSettings) throws -> AMIAction {
        try ClickToDialOriginate.action(for: request, settings: settings, actionID: "c2d-\(nextActionID())")
    }

    /// Sends a click-to-dial `Originate` and returns the immediate result: `accepted` when the PBX queued it,
    /// `refused` with the reason otherwise. The final result follows from `OriginateResponse` and the call's
    /// events (see ``ClickToDialOutcomes``).
    public func originate(_ action: AMIAction, for request: DialRequest, timeout: Duration) async -> DialResult {
        func refused(_ reason: String) -> DialResult { request.refused(reason) }
        guard let (outbound, router) = current.withLock({ $0 }) else {
            return refused("the PBX link is down; try again when it is back")
        }
        let actionID = action.actionID ?? "c2d-\(nextActionID())"
        do {
            router.expect(actionID, isList: false)
            let bytes = try AMIEncoder.encode(action)
            capture?.sent(bytes)
            try await outbound.write(ByteBuffer(bytes: bytes))
            let reply = try await router.reply(actionID, timeout: timeout, action: "Originate")
            if reply.isSuccess {
                return DialResult(clickToDialId: request.clickToDialId, group: request.group, status: .accepted)
            }
            if reply.isPermissionDenied {
                return refused(
                    "the PBX refused Originate: the AMI user lacks the 'originate' write class ('call' on 1.4)")
            }
            return refused("the PBX refused Originate: \(reply.message)")
        } catch {
            return refused("Originate was not answered: \((error as? ZTIAsteriskError)?.message ?? "\(error)")")
        }
    }

    private func nextActionID() -> String {
        "zti-\(actionCounter.wrappingAdd(1, ordering: .relaxed).newValue)"
    }

    private func session(_ continuation: AsyncStream<AMIClientEvent>.Continuation) async throws {
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer> = try await LinkBootstrap.connect(
            host: settings.host, port: settings.port)
        let router = AMIReplyRouter()
        router.expect(Self.bannerKey, isList: false)
        capture?.connected()
        try await channel.executeThenClose { inbound, outbound in
            try await withThrowingTaskGroup(of: SessionEnd.self) { group in
                group.addTask {
                    do {
                        try await self.read(inbound, router: router, continuation: continuation)
                        return .readerEnded(ZTIAsteriskError(.linkClosed, "Asterisk closed the connection"))
                    } catch let error as ZTIAsteriskError {
                        return .readerEnded(error)
                    }
                }
                group.addTask {
                    try await self.drive(outbound, router: router, continuation: continuation)
                    return .driverEnded
                }
                defer { group.cancelAll() }
                // The reader ending first closes pending requests; the driver then usually fails with the more
                // telling error (a refused login), which wins if it comes within a moment.
                guard case .readerEnded(let closed) = try await group.next()! else { return }
                router.closeAll(closed)
                group.addTask {
                    try await Task.sleep(for: .milliseconds(200))
                    return .graceOver
                }
                _ = try await group.next()
                throw closed
            }
        }
    }

    /// One session for a pre-flight check: connects, logs in (as ``run(into:)`` does), hands `body` the session,
    /// then logs off. Nothing reconnects and nothing is tracked; the events that arrive are kept for `body`.
    ///
    /// - Throws: ``ZTIAsteriskError`` when the connection or the login fails (its message says which), or what
    ///   `body` throws.
    public func probe<Result: Sendable>(
        _ body: @escaping @Sendable (AMIProbeSession) async throws -> Result
    ) async throws -> Result {
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer> = try await LinkBootstrap.connect(
            host: settings.host, port: settings.port)
        let router = AMIReplyRouter()
        router.expect(Self.bannerKey, isList: false)
        let log = AMIProbeSession.EventLog()
        return try await channel.executeThenClose { inbound, outbound in
            try await withThrowingTaskGroup(of: Result?.self) { group in
                group.addTask {
                    let (stream, continuation) = AsyncStream<AMIClientEvent>.makeStream()
                    async let collected: Void = {
                        for await event in stream {
                            if case .message(let message, _) = event, message.kind == .event {
                                log.events.withLock { $0.append(message) }
                            }
                        }
                    }()
                    let closed: ZTIAsteriskError
                    do {
                        try await self.read(inbound, router: router, continuation: continuation)
                        closed = ZTIAsteriskError(.linkClosed, "Asterisk closed the connection")
                    } catch let error as ZTIAsteriskError {
                        closed = error
                    }
                    continuation.finish()
                    await collected
                    router.closeAll(closed)
                    return nil
                }
                group.addTask {
                    let banner = try? await router.reply(
                        Self.bannerKey, timeout: min(self.settings.replyTimeout, .seconds(3)), action: "the banner")
                    let send: @Sendable (String, [AMIHeader], Bool) async throws -> AMIReply = { name, headers, list in
                        try await self.request(outbound, router: router, name, headers, list: list)
                    }
                    try await self.logIn(send)
                    let result = try await body(AMIProbeSession(banner: banner?.response.body, send: send, log: log))
                    _ = try? await send("Logoff", [], false)
                    return result
                }
                defer { group.cancelAll() }
                while let next = try await group.next() {
                    if let result = next { return result }
                }
                throw ZTIAsteriskError(.linkClosed, "Asterisk closed the connection")
            }
        }
    }

    private enum SessionEnd: Sendable {
        case readerEnded(ZTIAsteriskError)
        case driverEnded
        case graceOver
    }

    private static let bannerKey = "\u{0}banner"

    /// Reads, decodes per message, routes replies, and hands banners and events to the consumer.
    private func read(
        _ inbound: NIOAsyncChannelInboundStream<ByteBuffer>, router: AMIReplyRouter,
        continuation: AsyncStream<AMIClientEvent>.Continuation
    ) async throws {
        var decoder = AMIDecoder()
        var first = true
        var shrinks = 0
        for try await buffer in inbound {
            capture?.received(buffer.readableBytesView)
            decoder.feed(buffer.readableBytesView)
            if decoder.shrinkCount != shrinks {
                // An oversized input is over: give the freed heap back to the system too.
                shrinks = decoder.shrinkCount
                _ = zti_release_free_memory()
            }
            while let message = decoder.next() {
                if first {
                    first = false
                    router.deliverFirst(Self.bannerKey, message)
                    // 1.4 needs Newexten; so does a stream whose family is not known yet (the tracker ignores it
                    // for the other families).
                    if AMIFamilyInference.family(of: message).map({ $0 == .v14 }) ?? true {
                        decoder.stopDropping("Newexten")
                    }
                }
                // Handed to the consumer before it completes a request, so that the consumer sees a list's
                // items before the requester reports the list done.
                if message.kind == .event || message.kind == .banner || message.kind == .response {
                    if case .dropped = continuation.yield(.message(message, receivedAt: .now())) {
                        dropped.add(1, ordering: .relaxed)
                    }
                }
                router.deliver(message)
                if message.isEvent(named: "Shutdown") {
                    throw ZTIAsteriskError(.linkClosed, "Asterisk is shutting down (\(message["Shutdown"] ?? "?"))")
                }
            }
        }
    }

    /// Logs in, detects the version, installs filters, re-syncs, then pings until the link dies.
    private func drive(
        _ outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>, router: AMIReplyRouter,
        continuation: AsyncStream<AMIClientEvent>.Continuation
    ) async throws {
        // A proxy may send no banner, or one without a known version: the family is then asked (CoreSettings),
        // read from the re-sync reply's shape, or inferred by the tracker from the first call events.
        let banner = try? await router.reply(
            Self.bannerKey, timeout: min(settings.replyTimeout, .seconds(3)), action: "the banner")
        var family = banner.flatMap { AMIFamilyInference.family(of: $0.response) }
        var source: AMIFamilyInference.Source? = family == nil ? nil : .banner

        func perform(_ name: String, _ headers: [AMIHeader] = [], list: Bool = false) async throws -> AMIReply {
            try await request(outbound, router: router, name, headers, list: list)
        }

        try await logIn(perform)
        var version: String?
        if family != .v14 {
            let reply = try await perform("CoreSettings")
            if reply.isSuccess {
                version = reply.response["AsteriskVersion"]
                if family == nil, let told = AMIFamilyInference.family(coreSettings: reply.response) {
                    (family, source) = (told, .coreSettings)
                }
            } else if reply.isUnknownCommand {
                (family, source) = (.v14, .coreSettings)
            } else if reply.isPermissionDenied {
                continuation.yield(
                    .warning("CoreSettings refused: the AMI user lacks the 'system' or 'reporting' write class"))
            }
        }
        if settings.installFilters, family == .v11 || family == .v12, Self.major(version) ?? 10 >= 10 {
            for filter in ["!Event: Newexten", "!Event: VarSet", "!Event: RTCP*"] {
                let reply = try await perform("Filter", [AMIHeader("Operation", "Add"), AMIHeader("Filter", filter)])
                if !reply.isSuccess {
                    continuation.yield(
                        .warning("Filter refused (\(reply.message)); the event class mask still applies"))
                    break
                }
            }
        }
        sessionLoggedIn.store(true, ordering: .relaxed)
        current.withLock { $0 = (outbound, router) }
        func resync() async throws {
            let before = family
            family = try await self.resync(perform, family: family)
            if before == nil, let family { continuation.yield(.familyDecided(family, source: .coreSettings)) }
        }
        continuation.yield(.connected(family: family, version: version, source: source))
        logger.info(
            "AMI logged in to \(settings.host):\(settings.port), family \(family.map { "\($0.rawValue) (\(source?.rawValue ?? ""))" } ?? "not known yet (no banner; inferred from the first events)")"
        )
        try await resync()
        continuation.yield(.resynced)
        var lastResync = ContinuousClock.now
        var droppedAtResync = droppedCount
        while true {
            let wake = ContinuousClock.now + settings.keepalive
            while ContinuousClock.now < wake, !resyncRequested.load(ordering: .relaxed) {
                try await Task.sleep(for: min(.milliseconds(200), wake - ContinuousClock.now))
            }
            // Nothing left ringing: re-sync periodically, and at once when the hand-off dropped events (or the
            // worker asked).
            let asked = resyncRequested.exchange(false, ordering: .relaxed)
            if asked || ContinuousClock.now - lastResync >= settings.resyncInterval || droppedCount != droppedAtResync {
                droppedAtResync = droppedCount
                try await resync()
                lastResync = ContinuousClock.now
                continuation.yield(.resynced)
            }
            do {
                _ = try await router.reply(
                    try await send(outbound, router: router, "Ping"), timeout: settings.keepalive, action: "Ping")
            } catch let error as ZTIAsteriskError where error.code == .timedOut {
                throw ZTIAsteriskError(.timedOut, "no reply to Ping within \(settings.keepalive): the link is dead")
            }
        }
    }

    /// Sends the action `name` under a fresh ActionID that `router` expects a reply (or a list) to; returns the id.
    private func send(
        _ outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>, router: AMIReplyRouter, _ name: String,
        _ headers: [AMIHeader] = [], list: Bool = false
    ) async throws -> String {
        let actionID = nextActionID()
        router.expect(actionID, isList: list)
        let bytes = try AMIEncoder.encode(AMIAction(name, actionID: actionID, headers: headers))
        capture?.sent(bytes)
        try await outbound.write(ByteBuffer(bytes: bytes))
        return actionID
    }

    /// Sends the action `name` and waits for its reply (with its list items when `list` is true).
    private func request(
        _ outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>, router: AMIReplyRouter, _ name: String,
        _ headers: [AMIHeader], list: Bool
    ) async throws -> AMIReply {
        let actionID = try await send(outbound, router: router, name, headers, list: list)
        return try await router.reply(actionID, timeout: settings.replyTimeout, action: name)
    }

    private func logIn(_ perform: (String, [AMIHeader], Bool) async throws -> AMIReply) async throws {
        var headers = [AMIHeader("Username", settings.username)]
        switch settings.authentication {
        case .md5:
            let challenge = try await perform("Challenge", [AMIHeader("AuthType", "MD5")], false)
            guard challenge.isSuccess, let nonce = challenge.response["Challenge"] else {
                throw ZTIAsteriskError(
                    .authenticationFailed, "the PBX refused an MD5 challenge: \(challenge.message)")
            }
            headers += [
                AMIHeader("AuthType", "MD5"), AMIHeader("Key", MD5Digest.hex(Array((nonce + settings.secret).utf8))),
            ]
        case .plain:
            headers.append(AMIHeader("Secret", settings.secret))
        }
        headers.append(AMIHeader("Events", settings.eventMask))
        let reply = try await perform("Login", headers, false)
        guard reply.isSuccess else {
            throw ZTIAsteriskError(
                .authenticationFailed,
                "AMI login as \(settings.username) refused: \(reply.message) (check pbx.username and the password)")
        }
    }

    /// Lists the channels alive now; the list items reach the tracker as messages, which adopts and sweeps. A
    /// family not known yet is 1.4 when `CoreShowChannels` is an unknown command (the items' shape tells the
    /// tracker the others); returns the family as known after it.
    private func resync(
        _ perform: (String, [AMIHeader], Bool) async throws -> AMIReply, family: AMIFamily?
    ) async throws -> AMIFamily? {
        var family = family
        if family != .v14 {
            let reply = try await perform("CoreShowChannels", [], true)
            if reply.isSuccess { return family }
            if reply.isPermissionDenied {
                throw ZTIAsteriskError(
                    .permissionDenied, "CoreShowChannels refused: the AMI user lacks the 'reporting' write class")
            }
            if family == nil, reply.isUnknownCommand { family = .v14 }
        }
        let reply = try await perform("Status", [], true)
        if !reply.isSuccess {
            throw ZTIAsteriskError(
                .permissionDenied, "Status refused (\(reply.message)): the AMI user lacks 'call' or 'reporting' write")
        }
        return family
    }

    static func major(_ version: String?) -> Int? {
        version?.split(separator: ".").first.flatMap { Int($0.filter(\.isNumber)) }
    }
}
