import FoundationEssentials
import Logging
import NIOCore
import NIOSSL
import Synchronization
import ZTICore
import ZTILink

/// The DMCC client of one Avaya worker: connects (TLS by default), starts an application session, monitors every
/// extension (`GetThirdPartyDeviceId`, then `MonitorStart` with the call-control filter inverted to a positive
/// list), keeps the session alive with `ResetApplicationSessionTimer` at a third of the granted duration, and
/// reconnects with capped, jittered backoff until its task is cancelled.
///
/// After a TCP loss within the cleanup delay the old session is recovered with its ID and its monitors survive;
/// otherwise a new session starts and every extension is monitored again. With a ``AESSessionStore`` the session
/// also survives the worker process: the next worker recovers it from the file. After every session start, and
/// every `resyncInterval`, `SnapshotDevice` on each monitored extension tells which calls are there
/// (``AESClientEvent/resynced(snapshots:)``). Two unanswered keep-alives, or AES terminating the session, mean the
/// session is lost.
public final class AESClient: Sendable {
    public let settings: AESClientSettings
    private let logger: Logger

    /// What survives a connection: the session to recover and its monitors.
    private struct Memory {
        var sessionID: String?
        var lostAt: ContinuousClock.Instant?
        var crossRefs: [String: String] = [:]
        var devices: [String: String] = [:]
        var protocolVersion: String?
    }

    private struct Link {
        let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
        let router: DMCCReplyRouter
    }

    private let memory = Mutex(Memory())
    private let current = Mutex<Link?>(nil)
    /// Set when a session started on the current connection (the reconnect backoff starts over).
    private let sessionUp = Atomic<Bool>(false)
    /// Set by ``requestResync()``; the keep-alive loop snapshots every extension at its next step.
    private let resyncRequested = Atomic<Bool>(false)
    private let store: AESSessionStore?
    /// The support capture, which sees both directions of every connection (``StreamCapture``).
    private let capture: StreamCapture?

    /// A client; with `store`, the session a previous worker left is recovered, and this one is kept for the next.
    public init(
        settings: AESClientSettings, logger: Logger, store: AESSessionStore? = nil, capture: StreamCapture? = nil
    ) {
        self.capture = capture
        self.settings = settings
        self.logger = logger
        self.store = store
        guard let store else { return }
        switch store.load() {
        case .success(let record?):
            guard record.host == settings.host, record.port == settings.port, record.username == settings.username
            else {
                logger.info("the stored AES session belongs to another AES or CTI user; a new session is started")
                store.remove()
                return
            }
            // Offered for recovery at the first connection: AES answers whether it still holds it.
            memory.withLock { memory in
                memory.sessionID = record.sessionID
                memory.lostAt = .now
                memory.crossRefs = record.crossRefs
                memory.devices = record.devices
            }
        case .success(nil):
            break
        case .failure(let error):
            logger.warning("\(error.message)")
            store.remove()
        }
    }

    /// Asks for a snapshot of every monitored extension as soon as the session allows.
    public func requestResync() {
        resyncRequested.store(true, ordering: .relaxed)
    }

    /// The protocol version AES picked for the current session.
    public var protocolVersion: String? { memory.withLock { $0.protocolVersion } }

    /// Connects and reconnects until cancelled, reporting into `continuation`.
    public func run(into continuation: AsyncStream<AESClientEvent>.Continuation) async {
        var attempt = 0
        while !Task.isCancelled {
            sessionUp.store(false, ordering: .relaxed)
            do {
                try await connection(continuation)
            } catch is CancellationError {
                break
            } catch {
                let reason = (error as? ZTIAvayaError)?.message ?? Self.describe(error, settings)
                logger.warning(
                    "AES link to \(settings.host):\(settings.port) down: \(reason)",
                    metadata: ["pbx": "\(settings.host)"])
                continuation.yield(.disconnected(reason: reason))
                // A refused login is retried slowly: AES may lock an account after repeated failures.
                if (error as? ZTIAvayaError)?.code == .authenticationFailed { attempt += 3 }
            }
            memory.withLock { memory in
                if memory.sessionID != nil, memory.lostAt == nil { memory.lostAt = .now }
            }
            attempt = sessionUp.load(ordering: .relaxed) ? 1 : attempt + 1
            let delay = settings.backoff.delay(attempt: attempt, unit: Double.random(in: 0...1))
            do { try await Task.sleep(for: delay) } catch { break }
        }
        continuation.finish()
    }

    /// A connection failure as the administrator reads it; TLS failures say which setting to look at.
    static func describe(_ error: any Error, _ settings: AESClientSettings) -> String {
        if error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError {
            return "the TLS handshake with AES at \(settings.host):\(settings.port) failed (\(error)): check that "
                + "avaya.tls.cafile holds the CA that signed the AES certificate, and set avaya.tls.verifyhostname "
                + "= false if that certificate does not name \(settings.host)"
        }
        return "cannot reach AES at \(settings.host):\(settings.port): \(error)"
    }

    /// The polite end (`MonitorStop` per monitor, `ReleaseDeviceId` per device, `StopApplicationSession`), before
    /// the worker cancels ``run(into:)``: within `budget` in all (a hung AES must not hold the stop up), and the
    /// session stop always gets its try.
    public func stop(budget: Duration = .seconds(5)) async {
        guard let link = current.withLock({ $0 }) else { return }
        let deadline = ContinuousClock.now + budget
        func remaining() -> Duration { max(.milliseconds(100), min(.seconds(2), deadline - .now)) }
        let (sessionID, crossRefs, devices) = memory.withLock { ($0.sessionID, $0.crossRefs, $0.devices) }
        var requests = crossRefs.values.sorted().map { DMCCRequest.monitorStop(crossRefID: $0) }
        requests += devices.values.sorted().map { DMCCRequest.releaseDeviceID(device: $0) }
        for request in requests where ContinuousClock.now < deadline {
            _ = try? await perform(link, request, timeout: remaining())
        }
        if let sessionID {
            _ = try? await perform(link, .stopApplicationSession(sessionID: sessionID), timeout: remaining())
        }
        forget()
    }

    /// The session is over: nothing is left to recover, here or in the next worker.
    private func forget() {
        memory.withLock { $0 = Memory() }
        store?.remove()
    }

    /// Keeps the session and its monitors for the next worker.
    private func keep() {
        guard let store else { return }
        let record = memory.withLock { memory in
            memory.sessionID.map {
                AESSessionStore.Record(
                    host: settings.host, port: settings.port, username: settings.username, sessionID: $0,
                    crossRefs: memory.crossRefs, devices: memory.devices)
            }
        }
        guard let record else { return }
        do {
            try store.save(record)
        } catch {
            logger.warning("\(error.message)")
        }
    }

    /// Third-party `MakeCall` from the request's extension to its number, dialled exactly as received: the new
    /// call's ID and UCID, or why it was refused.
    public func makeCall(_ request: DialRequest) async -> Result<(callID: String, ucid: String?), ZTIAvayaError> {
        guard let link = current.withLock({ $0 }) else {
            return .failure(ZTIAvayaError(.linkClosed, "the AES link is down; try again when it is back"))
        }
        let calling =
            memory.withLock { $0.devices[request.extension] } ?? "\(request.extension):\(settings.switchName)::0"
        do {
            let reply = try await perform(
                link, .makeCall(callingDevice: calling, number: request.number, switchName: settings.switchName))
            switch reply {
            case .callMade(let callID, _, let ucid): return .success((callID, ucid))
            case .error(let category, let value):
                return .failure(ZTIAvayaError(.requestRefused, "AES refused MakeCall: \(category)/\(value)"))
            default: return .failure(ZTIAvayaError(.requestRefused, "AES answered MakeCall with \(reply)"))
            }
        } catch let error as ZTIAvayaError {
            return .failure(error)
        } catch {
            return .failure(ZTIAvayaError(.linkClosed, "\(error)"))
        }
    }

    // MARK: - One connection

    /// A connection to AES, with TLS as configured.
    private func open() async throws -> NIOAsyncChannel<ByteBuffer, ByteBuffer> {
        let tls = try settings.tls.map(Self.sslContext)
        let host = settings.host
        // SNI takes names only; an AES reached by its address gets none.
        let serverName = host.contains(where: \.isLetter) && !host.contains(":") ? host : nil
        let setup: LinkBootstrap.Setup = { channel in
            guard let tls else { return }
            try channel.pipeline.syncOperations.addHandler(
                try NIOSSLClientHandler(context: tls, serverHostname: serverName))
        }
        return try await LinkBootstrap.connect(host: settings.host, port: settings.port, setup: setup)
    }

    private func connection(_ continuation: AsyncStream<AESClientEvent>.Continuation) async throws {
        let channel = try await open()
        let router = DMCCReplyRouter()
        capture?.connected()
        try await channel.executeThenClose { inbound, outbound in
            let link = Link(outbound: outbound, router: router)
            defer { current.withLock { $0 = nil } }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    try await self.readUntilClosed(inbound, link: link, continuation: continuation)
                }
                group.addTask {
                    try await self.drive(link, continuation: continuation)
                }
                defer { group.cancelAll() }
                // Whichever ends first ends the connection; a refused login from the driver is the telling error.
                _ = try await group.next()
            }
        }
    }

    /// One session for a pre-flight check: connects (with TLS as configured), starts an application session,
    /// hands `body` a way to send requests, then stops the session. Nothing reconnects; events are not kept.
    ///
    /// - Throws: the connection's or the TLS handshake's error (``describe(_:_:)`` words it), a refused session as
    ///   ``ZTIAvayaError``, or what `body` throws.
    public func probe<Result: Sendable>(
        _ body:
            @escaping @Sendable (
                _ protocolVersion: String, _ perform: @escaping @Sendable (DMCCRequest) async throws -> DMCCMessage
            ) async throws -> Result
    ) async throws -> Result {
        let channel = try await open()
        let router = DMCCReplyRouter()
        return try await channel.executeThenClose { inbound, outbound in
            let link = Link(outbound: outbound, router: router)
            return try await withThrowingTaskGroup(of: Result?.self) { group in
                group.addTask {
                    let (_, continuation) = AsyncStream<AESClientEvent>.makeStream(bufferingPolicy: .bufferingNewest(0))
                    try await self.readUntilClosed(inbound, link: link, continuation: continuation)
                    return nil
                }
                group.addTask {
                    let (sessionID, version, _) = try await self.startSession(link, recover: nil)
                    let result: Result
                    do {
                        result = try await body(version) { request in try await self.perform(link, request) }
                    } catch {
                        _ = try? await self.perform(link, .stopApplicationSession(sessionID: sessionID))
                        throw error
                    }
                    _ = try? await self.perform(link, .stopApplicationSession(sessionID: sessionID))
                    return result
                }
                defer { group.cancelAll() }
                while let next = try await group.next() {
                    if let result = next { return result }
                }
                throw ZTIAvayaError(.linkClosed, "AES closed the connection")
            }
        }
    }

    /// Reads until the link ends, which it always does with an error; one of ours first fails every request still
    /// waiting for its reply.
    private func readUntilClosed(
        _ inbound: NIOAsyncChannelInboundStream<ByteBuffer>, link: Link,
        continuation: AsyncStream<AESClientEvent>.Continuation
    ) async throws {
        do {
            try await read(inbound, link: link, continuation: continuation)
            throw ZTIAvayaError(.linkClosed, "AES closed the connection")
        } catch let error as ZTIAvayaError {
            link.router.closeAll(error)
            throw error
        }
    }

    /// Reads frames: responses to their requests, events to the consumer.
    private func read(
        _ inbound: NIOAsyncChannelInboundStream<ByteBuffer>, link: Link,
        continuation: AsyncStream<AESClientEvent>.Continuation
    ) async throws {
        var decoder = DMCCFrameDecoder()
        for try await buffer in inbound {
            decoder.feed(buffer.readableBytesView)
            while let frame = try decoder.next() {
                if let capture, capture.isCapturing, let bytes = try? frame.encoded() { capture.received(bytes) }
                let message: DMCCMessage
                do {
                    message = try DMCCMessage.decode(frame)
                } catch {
                    logger.warning("a DMCC message from AES was not understood and is skipped: \(error.message)")
                    continue
                }
                switch message {
                case .event(let event):
                    continuation.yield(.event(event, receivedAt: .now()))
                case .sessionTerminated(let reason):
                    forget()
                    throw ZTIAvayaError(.sessionLost, "AES ended the application session (\(reason))")
                case .monitorEnded(let crossRef):
                    // The switch stopped a monitor: acknowledge it, and say which extension is no longer watched.
                    let response = DMCCElement(
                        "MonitorStopResponse", attributes: [.init("xmlns", DMCCRequest.cstaNamespace)])
                    let bytes = try DMCCFrame(invokeID: frame.invokeID, xml: response.document).encoded()
                    capture?.sent(bytes)
                    try await link.outbound.write(ByteBuffer(bytes: bytes))
                    let member = memory.withLock { memory -> String? in
                        let member = memory.crossRefs.first { $0.value == crossRef }?.key
                        if let member { memory.crossRefs[member] = nil }
                        return member
                    }
                    if let member {
                        keep()
                        continuation.yield(.monitorFailed(extension: member, reason: "AES stopped its monitor"))
                    }
                default:
                    if !frame.isEvent { link.router.deliver(frame.invokeID, message) }
                }
            }
        }
    }

    /// Starts (or recovers) the session, monitors, then keeps the session alive until it is lost.
    private func drive(_ link: Link, continuation: AsyncStream<AESClientEvent>.Continuation) async throws {
        let recoverable = memory.withLock { memory -> String? in
            guard let id = memory.sessionID, let lost = memory.lostAt,
                ContinuousClock.now - lost < .seconds(settings.cleanupDelay)
            else { return nil }
            return id
        }
        var (sessionID, version, duration) = try await startSession(link, recover: recoverable)
        if recoverable != nil, sessionID != recoverable {
            logger.info(
                "the previous AES session could not be recovered (AES no longer holds it); a new one was started")
        }
        let recovered = recoverable != nil && sessionID == recoverable
        memory.withLock { memory in
            memory.sessionID = sessionID
            memory.lostAt = nil
            memory.protocolVersion = version
            if !recovered {
                memory.crossRefs = [:]
                memory.devices = [:]
            }
        }
        current.withLock { $0 = link }
        sessionUp.store(true, ordering: .relaxed)
        logger.info(
            "AES session \(recovered ? "recovered" : "started") (protocol \(version), \(duration) s)",
            metadata: ["pbx": "\(settings.host)"])
        continuation.yield(.sessionStarted(sessionID: sessionID, protocolVersion: version, recovered: recovered))
        keep()
        if recovered {
            try await adoptMonitors(link, continuation: continuation)
        } else {
            try await monitorAll(settings.extensions, link, continuation: continuation)
        }
        keep()
        // What the calls are now: the tracker confirms, closes and adopts from it.
        let askedAt = EventTime.now()
        continuation.yield(.resynced(snapshots: try await snapshotAll(link), askedAt: askedAt))
        resyncRequested.store(false, ordering: .relaxed)
        var nextResync = settings.resyncInterval.map { ContinuousClock.now + $0 }

        var misses = 0
        var nextKeepAlive = ContinuousClock.now + .seconds(max(1, duration)) / 3
        while true {
            try await Task.sleep(for: .milliseconds(250))
            let now = ContinuousClock.now
            if resyncRequested.exchange(false, ordering: .relaxed) || nextResync.map({ now >= $0 }) == true {
                let askedAt = EventTime.now()
                continuation.yield(.resynced(snapshots: try await snapshotAll(link), askedAt: askedAt))
                nextResync = settings.resyncInterval.map { ContinuousClock.now + $0 }
            }
            guard now >= nextKeepAlive else { continue }
            nextKeepAlive = now + .seconds(max(1, duration)) / 3
            do {
                let reply = try await perform(
                    link, .resetApplicationSessionTimer(sessionID: sessionID, duration: settings.sessionDuration))
                switch reply {
                case .sessionTimerReset(let granted):
                    duration = granted
                    misses = 0
                case .sessionTimerRefused(let reason):
                    forget()
                    throw ZTIAvayaError(.sessionLost, "AES refused to keep the session (\(reason))")
                default:
                    misses += 1
                }
            } catch let error as ZTIAvayaError where error.code == .timedOut {
                misses += 1
            }
            nextKeepAlive = ContinuousClock.now + .seconds(max(1, duration)) / 3
            if misses >= 2 {
                forget()
                throw ZTIAvayaError(.sessionLost, "two keep-alives went unanswered; the session is taken as lost")
            }
        }
    }

    private func startSession(_ link: Link, recover: String?) async throws -> (String, String, Int) {
        let request = DMCCRequest.startApplicationSession(
            .init(
                applicationID: settings.applicationID, userName: settings.username, password: settings.password,
                cleanupDelay: settings.cleanupDelay, recoverSessionID: recover, duration: settings.sessionDuration))
        switch try await perform(link, request) {
        case .sessionStarted(let id, let version, let duration):
            return (id, version, duration)
        case .sessionRefused(let reason):
            // A session past its cleanup delay cannot be recovered: start a new one.
            if recover != nil { return try await startSession(link, recover: nil) }
            throw Self.sessionError(reason, user: settings.username)
        case let other:
            throw ZTIAvayaError(.sessionRefused, "AES answered StartApplicationSession with \(other)")
        }
    }

    static func sessionError(_ reason: String, user: String) -> ZTIAvayaError {
        switch reason {
        case "invalidApplicationInfo":
            ZTIAvayaError(
                .authenticationFailed,
                "AES refused the login of CTI user \(user) (invalidApplicationInfo): check pbx.username and the "
                    + "password, and that the user is a CTI user on AES")
        case "requestedProtocolVersionNotSupported":
            ZTIAvayaError(
                .versionUnsupported,
                "AES supports none of the DMCC protocol versions ztisup requests (AES 6.2 to 8.1.3)")
        case "serverResourcesBusy":
            ZTIAvayaError(.sessionRefused, "AES is busy (serverResourcesBusy); retrying")
        case "maxNumberSessions":
            ZTIAvayaError(
                .sessionRefused, "AES has reached its maximum number of DMCC sessions (maxNumberSessions)")
        default:
            ZTIAvayaError(.sessionRefused, "AES refused the session: \(reason)")
        }
    }

    /// After a recovery: the session's monitors that are still configured are reported, those of extensions no
    /// longer configured are stopped, and extensions configured since are monitored.
    private func adoptMonitors(_ link: Link, continuation: AsyncStream<AESClientEvent>.Continuation) async throws {
        let kept = memory.withLock { $0.crossRefs }
        let configured = Set(settings.extensions)
        for (member, crossRef) in kept.sorted(by: { $0.key < $1.key }) {
            if configured.contains(member) {
                continuation.yield(.monitored(extension: member, crossRefID: crossRef))
                continue
            }
            _ = try? await perform(link, .monitorStop(crossRefID: crossRef))
            let device = memory.withLock { memory in
                memory.crossRefs[member] = nil
                return memory.devices.removeValue(forKey: member)
            }
            if let device { _ = try? await perform(link, .releaseDeviceID(device: device)) }
        }
        try await monitorAll(settings.extensions.filter { kept[$0] == nil }, link, continuation: continuation)
    }

    /// The calls at every monitored extension; an extension whose snapshot fails is left out (its calls are
    /// neither confirmed nor closed this time).
    private func snapshotAll(_ link: Link) async throws -> [String: [DMCCMessage.SnapshotCall]] {
        let monitored = memory.withLock { memory in
            memory.crossRefs.keys.sorted().map { ($0, memory.devices[$0] ?? "\($0):\(settings.switchName)::0") }
        }
        var snapshots: [String: [DMCCMessage.SnapshotCall]] = [:]
        for (member, device) in monitored {
            do {
                switch try await perform(link, .snapshotDevice(device: device)) {
                case .snapshot(let calls): snapshots[member] = calls
                case let other: logger.warning("AES answered SnapshotDevice for \(member) with \(other)")
                }
            } catch let error as ZTIAvayaError where error.code == .timedOut || error.code == .requestRefused {
                logger.warning("no snapshot of extension \(member): \(error.message)")
            }
        }
        return snapshots
    }

    /// Device ID and monitor per extension; one that AES refuses is reported, and the others go on.
    private func monitorAll(
        _ members: [String], _ link: Link, continuation: AsyncStream<AESClientEvent>.Continuation
    ) async throws {
        for member in members {
            var device = "\(member):\(settings.switchName)::0"
            do {
                switch try await perform(
                    link, .getThirdPartyDeviceID(switchName: settings.switchName, extension: member))
                {
                case .deviceID(let id): device = id
                case .error(let category, let value):
                    continuation.yield(.monitorFailed(extension: member, reason: Self.explain(category, value)))
                    continue
                default: break
                }
                switch try await perform(link, .monitorStart(device: device)) {
                case .monitorStarted(let crossRef):
                    memory.withLock { memory in
                        memory.crossRefs[member] = crossRef
                        memory.devices[member] = device
                    }
                    continuation.yield(.monitored(extension: member, crossRefID: crossRef))
                case .error(let category, let value):
                    continuation.yield(.monitorFailed(extension: member, reason: Self.explain(category, value)))
                case let other:
                    continuation.yield(.monitorFailed(extension: member, reason: "AES answered \(other)"))
                }
            } catch let error as ZTIAvayaError where error.code == .requestRefused {
                continuation.yield(.monitorFailed(extension: member, reason: error.message))
            }
        }
    }

    /// A refusal as the administrator reads it in status: the CSTA code and what it usually means.
    static func explain(_ category: String, _ value: String) -> String {
        let meaning: String
        switch value {
        case "invalidDeviceID", "invalidMonitorObject": meaning = "unknown to CM (check the extension)"
        case "privilegeViolationSpecifiedDevice": meaning = "the CTI user has no SDB permission for it"
        case "objectMonitorLimitExceeded", "overallMonitorLimitExceeded": meaning = "no TSAPI licence left"
        default: meaning = "refused"
        }
        return "\(meaning) (\(category)/\(value))"
    }

    private func perform(_ link: Link, _ request: DMCCRequest, timeout: Duration? = nil) async throws -> DMCCMessage {
        let invokeID = link.router.allocate()
        let bytes: [UInt8]
        do {
            bytes = try request.encoded(invokeID: invokeID)
        } catch {
            link.router.release(invokeID)
            throw error
        }
        capture?.sent(bytes)
        try await link.outbound.write(ByteBuffer(bytes: bytes))
        return try await link.router.reply(invokeID, timeout: timeout ?? settings.replyTimeout, request: request.name)
    }

    static func sslContext(_ tls: AESClientSettings.TLS) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification =
            !tls.verify ? .none : tls.verifyHostname ? .fullVerification : .noHostnameVerification
        do {
            if let caFile = tls.caFile { configuration.trustRoots = .file(caFile) }
            if let certFile = tls.certFile, let keyFile = tls.keyFile {
                configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(certFile).map { .certificate($0) }
                configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: keyFile, format: .pem))
            }
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw ZTIAvayaError(.tlsFailed, "the TLS settings for AES cannot be used: \(error)")
        }
    }
}
