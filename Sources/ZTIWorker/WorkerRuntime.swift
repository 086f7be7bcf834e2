import Glibc
import Logging
import NIOCore
import ZTIAsterisk
import ZTIAvaya
import ZTICore
import ZTILink

/// `ztisup worker`: one group's PBX link, started by a supervisor with the link on fd 3. It reads `CONFIG`, says
/// `HELLO`, runs the AMI client and the call tracker, sends each call event as `EVENT` and keeps it until its
/// `ACK` (sending it again after `ack.timeout`), reports a `HEARTBEAT` every `WireProtocol.heartbeatInterval`, executes
/// `DIAL` with a `DIAL_RESULT` at once and another when the call's outcome is known, and ends on EOF of fd 3,
/// `SHUTDOWN` or SIGTERM.
public enum WorkerRuntime {
    /// How long a click-to-dial request waits for its outcome before it is reported `failed`.
    public static let clickToDialOutcomeTimeout: Duration = .seconds(180)
    /// How long the worker waits for `CONFIG` on a new link.
    public static let configTimeout: Duration = .seconds(10)

    /// Exit statuses.
    public enum Exit: Int32, Sendable {
        case done = 0
        case linkFailed = 1
        case configuration = 78
    }

    /// Runs the worker over the connected socket `descriptor` until the supervisor goes away.
    public static func run(descriptor: Int32, logger: Logger, stop: AsyncStream<Void>) async -> Exit {
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            channel = try await FrameLink.adopt(descriptor).channel
        } catch {
            logger.critical("worker: fd 3 is not a link to a supervisor: \(error)")
            return .linkFailed
        }
        do {
            return try await channel.executeThenClose { inbound, outbound in
                var frames = FrameStream(inbound: inbound, receiver: .worker, sender: .supervisor)
                // A process that is not a supervisor may hold the other end and say nothing: close after a while.
                let silence = Task {
                    try await Task.sleep(for: configTimeout)
                    try await channel.channel.close()
                }
                let first = try await frames.next()
                silence.cancel()
                guard case .config(let settings)? = first else {
                    logger.critical("worker: the supervisor sent no CONFIG first (within \(configTimeout))")
                    return .linkFailed
                }
                // The spool's open lifecycles come next when the supervisor has them: the PBX is not touched
                // before the worker knows what to resume.
                var open: OpenLifecycles?
                while settings.openFollows, open?.last != true {
                    guard case .open(let chunk)? = try await frames.next(), chunk.group == settings.group.key else {
                        logger.critical("worker: the supervisor announced OPEN after CONFIG and sent something else")
                        return .linkFailed
                    }
                    if open == nil { open = chunk } else { open?.merge(chunk) }
                }
                let group = settings.group
                var taggedLogger = logger
                // log.level, as the supervisor read it from zti.properties.
                taggedLogger.logLevel = Logger.Level(rawValue: settings.logLevel.rawValue) ?? .info
                taggedLogger[metadataKey: "group"] = .string(group.key)
                taggedLogger[metadataKey: "pbx"] = .string(group.pbx.host)
                let groupLogger = taggedLogger
                if group.pbx.type == .avaya {
                    return await runAvaya(
                        settings: settings, open: open, frames: &frames, outbound: outbound,
                        channel: channel.channel, logger: groupLogger, stop: stop)
                }
                let clientSettings: AMIClientSettings
                do {
                    clientSettings = try AMIClientSettings(group: group)
                } catch {
                    groupLogger.critical("group \(group.key): \((error as? ZTIAsteriskError)?.message ?? "\(error)")")
                    return .configuration
                }
                let worker = AsteriskWorker(settings: settings, open: open, writer: outbound, logger: groupLogger)
                try await worker.outbox.send(.hello(Hello(role: .worker, pid: getpid(), group: group.key)))
                groupLogger.info(
                    "worker for group \(group.key) started: \(group.pbx.type.rawValue) \(group.pbx.host):\(group.pbx.port)"
                )
                let capture = streamCapture(settings, dialect: AMICaptureDialect.dialect, logger: groupLogger)
                let client = AMIClient(settings: clientSettings, logger: groupLogger, capture: capture)
                await worker.outbox.onTakeOver { client.requestResync() }
                return await serve(
                    frames: &frames, worker: worker, channel: channel.channel, group: group.key, logger: groupLogger,
                    stop: stop, capture: capture,
                    runPBX: {
                        let (events, continuation) = client.makeEventStream()
                        await withTaskGroup(of: Void.self) { tasks in
                            tasks.addTask { await client.run(into: continuation) }
                            tasks.addTask {
                                for await event in events {
                                    await worker.handle(event, droppedByClient: client.droppedCount)
                                }
                            }
                        }
                    },
                    dial: { await worker.dial($0, client: client) })
            }
        } catch {
            logger.warning("worker: the link to the supervisor failed: \(error)")
            return .linkFailed
        }
    }

    /// An Avaya group: the DMCC client and the Avaya call tracker, over the same link protocol.
    static func runAvaya(
        settings: WorkerSettings, open: OpenLifecycles?, frames: inout FrameStream,
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>, channel: any Channel, logger: Logger,
        stop: AsyncStream<Void>
    ) async -> Exit {
        let group = settings.group
        let clientSettings: AESClientSettings
        do {
            clientSettings = try AESClientSettings(group: group)
        } catch {
            logger.critical("group \(group.key): \(error.message)")
            return .configuration
        }
        let worker = AvayaWorker(settings: settings, open: open, writer: outbound, logger: logger)
        do {
            try await worker.outbox.send(.hello(Hello(role: .worker, pid: getpid(), group: group.key)))
        } catch {
            return .linkFailed
        }
        logger.info("worker for group \(group.key) started: avaya \(group.pbx.host):\(group.pbx.port)")
        // The session outlives this process: the next worker recovers it instead of holding monitors twice.
        let store = settings.runtimeDir.map { AESSessionStore(runtimeDir: $0, group: group.key) }
        let capture = streamCapture(settings, dialect: DMCCCaptureDialect.dialect, logger: logger)
        let client = AESClient(settings: clientSettings, logger: logger, store: store, capture: capture)
        await worker.outbox.onTakeOver { client.requestResync() }
        return await serve(
            frames: &frames, worker: worker, channel: channel, group: group.key, logger: logger, stop: stop,
            capture: capture,
            runPBX: {
                let (events, continuation) = AsyncStream<AESClientEvent>.makeStream(
                    bufferingPolicy: .bufferingOldest(50_000))
                await withTaskGroup(of: Void.self) { tasks in
                    tasks.addTask { await client.run(into: continuation) }
                    tasks.addTask {
                        for await event in events { await worker.handle(event) }
                    }
                }
            },
            dial: { await worker.dial($0, client: client) }, beforeStop: { await client.stop() })
    }

    /// The group's support capture (`ztisup capture`, `pbx.capture`), when the supervisor named a directory.
    static func streamCapture(_ settings: WorkerSettings, dialect: StreamCapture.Dialect, logger: Logger)
        -> StreamCapture?
    {
        guard let directory = settings.captureDir else { return nil }
        return StreamCapture(
            group: settings.group.key, directory: directory, dialect: dialect, continuous: settings.group.pbx.capture,
            logger: logger)
    }

    /// Starts the capture a `CAPTURE` asks for: the file, or why not.
    static func startCapture(_ request: CaptureRequest, capture: StreamCapture?, group: String) -> CaptureResult {
        guard request.group == group else {
            return CaptureResult(group: request.group, error: "this worker runs group \(group), not \(request.group)")
        }
        guard let capture else {
            return CaptureResult(group: group, error: "the supervisor gave this worker no capture directory")
        }
        do {
            let file = try capture.start(duration: .seconds(request.seconds), maxBytes: request.maxBytes)
            return CaptureResult(group: group, file: file)
        } catch {
            return CaptureResult(group: group, error: error.message)
        }
    }

    /// The link's frame loop, the same for every PBX: runs the PBX side, ticks, executes `DIAL`, relays `ACK`, and
    /// ends on EOF, `SHUTDOWN` or SIGTERM (after `beforeStop` and a last heartbeat).
    static func serve(
        frames: inout FrameStream, worker: some LinkedWorker, channel: any Channel, group: String, logger: Logger,
        stop: AsyncStream<Void>, capture: StreamCapture? = nil, runPBX: @escaping @Sendable () async -> Void,
        dial: @escaping @Sendable (DialRequest) async -> Void, beforeStop: @escaping @Sendable () async -> Void = {}
    ) async -> Exit {
        await withTaskGroup(of: Void.self) { tasks in
            tasks.addTask { await runPBX() }
            tasks.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(
                        for: min(WireProtocol.heartbeatInterval, worker.outbox.settings.ackTimeout / 2))
                    await worker.tick()
                    capture?.expire()
                }
            }
            tasks.addTask {
                for await _ in stop {
                    logger.info("worker for group \(group) stopping on SIGTERM")
                    await beforeStop()
                    await worker.flush()
                    try? await channel.close()
                    return
                }
            }
            do {
                while let frame = try await frames.next() {
                    switch frame {
                    case .ack(let ack): await worker.outbox.acknowledge(ack.ids)
                    case .open(let chunk): await worker.openArrived(chunk)
                    case .dial(let request): tasks.addTask { await dial(request) }
                    case .capture(let request):
                        let result = startCapture(request, capture: capture, group: group)
                        if let error = result.error { logger.warning("capture of group \(group) refused: \(error)") }
                        try await worker.outbox.send(.captureResult(result))
                    case .shutdown(let shutdown):
                        logger.info("worker for group \(group) stopping: \(shutdown.reason)")
                        await beforeStop()
                        await worker.flush()
                        tasks.cancelAll()
                        capture?.stop()
                        return .done
                    default: break
                    }
                }
                logger.info("worker for group \(group) stopping: the link to the supervisor closed")
            } catch {
                logger.warning("worker for group \(group) stopping: \(error)")
            }
            tasks.cancelAll()
            capture?.stop()
            return .done
        }
    }
}
