import Foundation
import Glibc
import Logging
import ZTICore
import ZTILink
import ZTISystemd

/// `ztisup run`: one worker per group (and, in all-in-one mode, the uploader) as supervised children. The rules
/// are elsewhere: a child's life in ``ChildMachine``, a reload's changes in ``ConfigDiff``, the uploader's link in
/// ``UploaderLink``; this actor composes them. It spawns through its ``Spawner``, gives each worker its
/// `CONFIG` and `OPEN`, forwards events and relays ACKs, routes DIAL, answers `ztisup status` on `control.sock`,
/// and talks to systemd (READY, STATUS, WATCHDOG, STOPPING).
public actor Supervisor {
    /// How the supervisor runs.
    public struct Options: Sendable {
        public var configuration: Configuration
        /// The configuration directory, for reloads and the uploader child.
        public var confDir: String
        /// Spawn the uploader as a child (all-in-one mode).
        public var spawnUploader: Bool
        /// Set when `/metrics` is served: events are counted and their way to the spool timed.
        public var metrics: SupervisorMetrics?
        /// `--group`: the only group this supervisor runs.
        public var onlyGroup: String?

        public init(configuration: Configuration, confDir: String, spawnUploader: Bool, onlyGroup: String? = nil) {
            self.configuration = configuration
            self.confDir = confDir
            self.spawnUploader = spawnUploader
            self.onlyGroup = onlyGroup
        }
    }

    /// Where a DIAL came from, for its results.
    enum DialOrigin {
        case uploader
        case control(FrameWriter)
    }

    let options: Options
    /// The configuration in force: the one at start, then each valid reload's.
    var configuration: Configuration
    let logger: Logger
    let spawner: any Spawner
    let clock: any SupervisorClock
    let uploader: UploaderLink
    let systemd = SystemdReporter()
    private let locks: GroupLocks
    var children: [ChildSpec.Role: SupervisedChild] = [:]
    private var roles: [pid_t: ChildSpec.Role] = [:]
    /// Each worker's link task, which ends once every frame the worker sent has been forwarded.
    private var linkTasks: [ChildSpec.Role: Task<Void, Never>] = [:]
    /// Workers whose spawn waits for their group's `OPEN`.
    private var spawning: Set<ChildSpec.Role> = []
    /// Groups whose worker started while the uploader was away: their `OPEN` is relayed once it is back.
    private var openOwed: Set<String> = []
    var dialOrigins: [String: DialOrigin] = [:]
    /// Who waits for a worker's `CAPTURE_RESULT`, per group.
    var captureWaiters: [String: [(id: Int, continuation: CheckedContinuation<CaptureResult, Never>)]] = [:]
    var captureRequests = 0
    var stopping = false
    let startedAt: ContinuousClock.Instant
    /// The uploader link as last looked at (when it changes, and every second), for the summary systemd gets.
    var uploaderSeen = (connected: false, queued: 0)

    public init(
        options: Options, logger: Logger, spawner: any Spawner, clock: any SupervisorClock = SystemClock()
    ) {
        self.options = options
        let configuration =
            options.onlyGroup == nil ? options.configuration.limitedToEnabledGroups() : options.configuration
        self.configuration = configuration
        self.logger = logger
        self.spawner = spawner
        self.clock = clock
        self.startedAt = clock.now
        self.locks = GroupLocks(runtimeDir: configuration.global.runtimeDir)
        let settings = UploaderLink.Settings(configuration.global, spawned: options.spawnUploader)
        uploader = UploaderLink(settings: settings, clock: clock, logger: logger, metrics: options.metrics)
        uploaderSocket = settings.socket
    }

    var global: GlobalConfig { configuration.global }

    /// The uploader's event socket.
    let uploaderSocket: String

    /// The control socket that `ztisup status` and `ztisup dial` use.
    public var controlSocket: String { Self.controlSocket(runtimeDir: global.runtimeDir, group: options.onlyGroup) }

    /// Where the supervisor of `group` (nil: the umbrella) listens: the umbrella's `<runtime.dir>/control.sock`, a
    /// per-group supervisor's in the group's own directory, the one its unit may write.
    public static func controlSocket(runtimeDir: String, group: String?) -> String {
        group.map { runtimeDir + "/" + $0 + "/control.sock" } ?? runtimeDir + "/control.sock"
    }

    /// The control socket of the supervisor that runs `group`: its own (`ztisup@GROUP`) when it runs one, else
    /// the umbrella's.
    public static func controlSocket(running group: String, runtimeDir: String) -> String {
        let own = controlSocket(runtimeDir: runtimeDir, group: group)
        return FileManager.default.fileExists(atPath: own) ? own : controlSocket(runtimeDir: runtimeDir, group: nil)
    }

    func spec(_ role: ChildSpec.Role) -> ChildSpec { ChildSpec(role, global) }

    // MARK: - Running

    /// Runs until `stop` yields: spawns the children, serves the links, then stops them in order.
    public func run(stop: AsyncStream<Void>, reload: AsyncStream<Void> = AsyncStream { $0.finish() }) async throws {
        try FileManager.default.createDirectory(
            atPath: global.runtimeDir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        // The lock is taken before the socket is bound: a second supervisor must not take the first's socket away.
        if let only = options.onlyGroup, let reason = locks.lock(only) {
            throw ZTISupervisorError(
                .groupLocked,
                reason + "; run each group either under ztisup.service (groups.enabled) or as ztisup@\(only), not both")
        } else if options.onlyGroup == nil, let reason = locks.lockUmbrella() {
            throw ZTISupervisorError(.groupLocked, reason)
        }
        let control = try await ControlServer.bind(path: controlSocket, supervisor: self)
        logger.info("listening unix \(controlSocket)")
        if options.spawnUploader {
            children[.uploader] = SupervisedChild(spec: spec(.uploader))
            await spawn(.uploader)
        }
        let starting = configuration.groups.compactMap { group in admit(.worker(group: group.key)) }
        let handlers = UploaderLink.Handlers(
            ack: { group, ids in await self.acknowledge(group, ids) },
            dial: { request in await self.route(request, origin: .uploader) },
            changed: { connected in await self.uploaderChanged(connected) },
            groups: { await self.configuration.groups.map(\.key) })
        await withTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try? await control.run() }
            tasks.addTask { await self.uploader.run(handlers) }
            // Each worker starts once the uploader said what is open in its group (or could not in time).
            for role in starting { tasks.addTask { await self.spawn(role) } }
            tasks.addTask { await self.announceReadiness() }
            tasks.addTask { await self.keepWatch() }
            tasks.addTask {
                for await _ in reload { await self.reload() }
            }
            for await _ in stop { break }
            await self.stopAll()
            tasks.cancelAll()
        }
        unlink(controlSocket)
        // Released only now: a supervisor taking them over binds its own socket, which this one must not unlink.
        locks.releaseAll()
    }

    /// A worker's child entry, with its group's lock; nil when another supervisor holds the group.
    func admit(_ role: ChildSpec.Role, keeping tracker: RestartTracker? = nil) -> ChildSpec.Role? {
        guard case .worker(let group) = role else { return role }
        children[role] = SupervisedChild(spec: spec(role), tracker: tracker)
        if let reason = locks.lock(group) {
            apply(role, .heldElsewhere(reason: reason))
            return nil
        }
        return role
    }

    /// Runs the child machine and carries out its effects.
    func apply(_ role: ChildSpec.Role, _ event: ChildMachine.Event) {
        guard let child = children[role] else { return }
        let (next, effects) = ChildMachine.transition(child.machine, event)
        children[role]?.machine = next
        if next.generation != child.machine.generation { children[role]?.writer = nil }
        let metadata: Logger.Metadata = if case .worker(let group) = role { ["group": .string(group)] } else { [:] }
        for effect in effects {
            switch effect {
            case .spawn: Task { await self.spawn(role) }
            case .scheduleRespawn(let delay, let generation):
                Task {
                    try? await self.clock.sleep(for: delay)
                    self.apply(role, .respawnDue(generation: generation))
                }
            case .signal(let pid, let signal): spawner.signal(pid, signal)
            case .log(.debug, let line): logger.debug("\(line)", metadata: metadata)
            case .log(.info, let line): logger.info("\(line)", metadata: metadata)
            case .log(.warning, let line): logger.warning("\(line)", metadata: metadata)
            case .log(.error, let line): logger.error("\(line)", metadata: metadata)
            case .publish: systemd.publish(summary())
            }
        }
    }

    // MARK: - Children

    func spawn(_ role: ChildSpec.Role) async {
        guard children[role] != nil, !stopping else { return }
        do {
            switch role {
            case .worker(let group):
                guard configuration.groups.contains(where: { $0.key == group }), spawning.insert(role).inserted
                else { return }
                // A reload or a restart meanwhile finds this spawn under way and leaves it to finish.
                defer { spawning.remove(role) }
                // Every frame of the previous worker is forwarded before the uploader is asked what is open.
                await linkTasks[role]?.value
                let open = await uploader.requestOpen(group)
                guard let config = configuration.groups.first(where: { $0.key == group }), !stopping,
                    children[role]?.pid == nil
                else { return }
                let (pid, descriptor) = try await spawner.spawnWorker()
                roles[pid] = role
                apply(role, .spawned(pid: pid, at: clock.now))
                let link = try await FrameLink.adopt(descriptor)
                // The uploader is away: it answers once it is back, and the worker holds back what it adopts meanwhile.
                let uploaderUp = await uploader.isConnected
                let owed = open == nil && !uploaderUp
                if owed { openOwed.insert(group) } else { openOwed.remove(group) }
                let settings = WorkerSettings(
                    group: config, ackTimeout: global.ackTimeout, unackedMax: global.workerUnackedMax,
                    logLevel: global.logLevel, openFollows: open != nil, openLater: owed, runtimeDir: global.runtimeDir,
                    captureDir: global.stateDir + "/captures")
                let life = children[role]?.machine.generation ?? 0
                linkTasks[role] = Task {
                    await self.serveWorker(role, link: link, settings: settings, open: open, generation: life)
                }
                logger.info("worker for group \(group) started (pid \(pid))", metadata: ["group": .string(group)])
            case .uploader:
                let pid = try await spawner.spawnUploader()
                roles[pid] = role
                apply(role, .spawned(pid: pid, at: clock.now))
                logger.info("uploader started (pid \(pid))")
            }
        } catch {
            apply(role, .spawnFailed(reason: "\(error)", at: clock.now))
        }
    }

    /// A child exited (reaped on SIGCHLD): `status` is its exit code, or 128 + the signal.
    public func reaped(pid: pid_t, status: Int32) {
        guard let role = roles.removeValue(forKey: pid) else { return }
        apply(role, .exited(status: status, at: clock.now))
    }

    // MARK: - Worker links

    private func serveWorker(
        _ role: ChildSpec.Role, link: FrameLink, settings: WorkerSettings, open: OpenLifecycles?, generation: Int
    ) async {
        do {
            try await link.channel.executeThenClose { inbound, outbound in
                let writer = FrameWriter(writer: outbound)
                try await writer.send(.config(settings))
                for chunk in open?.chunked() ?? [] { try await writer.send(.open(chunk)) }
                if self.children[role]?.machine.generation == generation { self.children[role]?.writer = writer }
                var frames = FrameStream(inbound: inbound, receiver: .supervisor, sender: .worker)
                while let (frame, payload) = try await frames.nextWithPayload() {
                    switch frame {
                    case .hello(let hello):
                        self.apply(
                            role,
                            .hello(generation: generation, protocolVersion: hello.protocolVersion, at: self.clock.now))
                    case .event(let event, let resumeKey):
                        self.children[role]?.lastEventAt = self.clock.now
                        self.options.metrics?.event(group: event.group, state: event.state.rawValue)
                        await self.uploader.forward(
                            QueuedEvent(
                                event: event, resumeKey: resumeKey, payload: payload,
                                receivedAt: self.options.metrics == nil ? nil : self.clock.now))
                    case .heartbeat(let heartbeat):
                        self.apply(role, .heartbeat(generation: generation, heartbeat, at: self.clock.now))
                    case .dialResult(let result): await self.relay(result)
                    case .captureResult(let result): self.captureAnswered(result)
                    default: break
                    }
                }
            }
        } catch {
            logger.warning("link to \(role) closed: \(error)")
        }
    }

    /// Waits until every frame a worker's link carried has been forwarded.
    func finishLink(of role: ChildSpec.Role) async {
        await linkTasks.removeValue(forKey: role)?.value
    }

    func releaseLock(_ group: String) {
        locks.release(group)
    }

    private func acknowledge(_ group: String, _ ids: [String]) async {
        try? await children[.worker(group: group)]?.writer?.send(.ack(Ack(ids: ids, group: group)))
    }

    private func uploaderChanged(_ connected: Bool) async {
        uploaderSeen = (connected, await uploader.bufferedCount)
        systemd.publish(summary())
        guard connected else { return }
        for group in openOwed.sorted() { Task { await self.relayOwedOpen(group) } }
    }

    /// Sends a worker that started while the uploader was away its group's `OPEN`, now that the uploader is back;
    /// an empty one when this uploader cannot say (protocol 1, or no answer), so the worker holds nothing back.
    private func relayOwedOpen(_ group: String) async {
        guard openOwed.contains(group) else { return }
        let known =
            (await uploader.version ?? 1) >= WireProtocol.resumeVersion ? await uploader.requestOpen(group) : nil
        guard openOwed.remove(group) != nil, let writer = children[.worker(group: group)]?.writer else { return }
        logger.info(
            "group \(group): relaying \(known.map { "the uploader's \($0.lifecycles.count)" } ?? "no") open lifecycles to the worker that started without them",
            metadata: ["group": .string(group)])
        for chunk in (known ?? OpenLifecycles(group: group)).chunked() { try? await writer.send(.open(chunk)) }
    }
}
