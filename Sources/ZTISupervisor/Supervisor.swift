import Dispatch
import Foundation
import Glibc
import Logging
import NIOCore
import NIOPosix
import ZTICore
import ZTISystemd

/// `ztisup run`: one worker per group (and, in all-in-one mode, the uploader) as supervised children. It spawns
/// them with their link on fd 3, restarts them by their ``RestartPolicy``, forwards their events to the uploader
/// and the uploader's ACKs back, routes DIAL to the group's worker, buffers while the uploader is away, answers
/// `ztisup status` on `control.sock`, and talks to systemd (READY, STATUS, WATCHDOG, STOPPING).
public actor Supervisor {
    /// How the supervisor runs.
    public struct Options: Sendable {
        public var configuration: Configuration
        /// The configuration directory, for the uploader child.
        public var confDir: String
        /// Spawn the uploader as a child (all-in-one mode).
        public var spawnUploader: Bool
        /// The binary children run (this one).
        public var executable: String
        /// `--log-target` for the children.
        public var logTarget: String
        /// `--group`: the only group this supervisor runs.
        public var onlyGroup: String?

        public init(
            configuration: Configuration, confDir: String, spawnUploader: Bool,
            executable: String = "/proc/self/exe", logTarget: String = "auto", onlyGroup: String? = nil
        ) {
            self.onlyGroup = onlyGroup
            self.configuration = configuration
            self.confDir = confDir
            self.spawnUploader = spawnUploader
            self.executable = executable
            self.logTarget = logTarget
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
    /// argv[0] of the children: the binary's real path, for `ps` (they are executed through /proc/self/exe, which
    /// stays this binary even if the file is replaced by an upgrade).
    private let childName = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
    private let notifier = SystemdNotifier()
    /// sd_notify blocks while systemd's queue is full: the messages go out, in order, from a queue of their own,
    /// so the supervisor never waits for systemd.
    private let notifications = DispatchQueue(label: "ztisup.notify")
    var children: [ChildSpec.Role: SupervisedChild] = [:]
    private var roles: [pid_t: ChildSpec.Role] = [:]
    private var uploader: FrameWriter?
    private var uploaderStatus: JSONValue?
    private var uploaderError: String?
    private var buffer: EventBuffer
    private var draining = false
    private var dialOrigins: [String: DialOrigin] = [:]
    /// The uploader's protocol version, from its HELLO (1 when it sent none).
    private var uploaderVersion: Int?
    /// Events sent to the uploader and not acked yet, queued again if the link drops (their worker may be gone).
    private var inFlight: [String: (entry: EventBuffer.Entry, order: Int)] = [:]
    private var inFlightOrder = 0
    /// `OPEN` answers being gathered, and who waits for them, per group.
    private var openChunks: [String: OpenLifecycles] = [:]
    private var openWaiters: [String: [CheckedContinuation<OpenLifecycles?, Never>]] = [:]
    private var openRequests: [String: Int] = [:]
    /// Each worker's link task, which ends once every frame the worker sent has been forwarded.
    private var linkTasks: [ChildSpec.Role: Task<Void, Never>] = [:]
    /// Workers whose spawn waits for their group's `OPEN`.
    private var spawning: Set<ChildSpec.Role> = []
    /// Groups whose worker started while the uploader was away: their `OPEN` is relayed once it is back.
    private var openOwed: Set<String> = []
    private var stopping = false
    private var lastSummary = ""
    private var locks: [String: Int32] = [:]
    private var umbrellaLock: Int32?
    let startedAt = ContinuousClock.now

    var uploaderConnected: Bool { uploader != nil }
    var uploaderProtocol: Int? { uploaderVersion }
    var uploaderLastError: String? { uploaderError }
    var uploaderReport: JSONValue? { uploaderStatus }
    var bufferedCount: Int { buffer.count }
    var bufferedDropped: Int { buffer.dropped }

    public init(options: Options, logger: Logger) {
        self.options = options
        self.configuration =
            options.onlyGroup == nil ? options.configuration.limitedToEnabledGroups() : options.configuration
        self.logger = logger
        self.buffer = EventBuffer(capacity: options.configuration.global.bufferMaxEvents)
    }

    var global: GlobalConfig { configuration.global }

    /// The uploader's event socket: `uploader.socket`, else the spawned uploader's `<runtime.dir>/events.sock` in
    /// all-in-one mode, else the socket of `ztisup-uploader.socket`.
    var uploaderSocket: String {
        global.uploaderSocket
            ?? (options.spawnUploader ? global.runtimeDir + "/events.sock" : "/run/ztisup-uploader/events.sock")
    }

    /// The control socket that `ztisup status` and `ztisup dial` use.
    /// The umbrella's is `<runtime.dir>/control.sock`; a per-group supervisor's (`run --group G`) is in the group's
    /// own directory, `<runtime.dir>/G/control.sock`, the one its unit may write.
    public var controlSocket: String { Self.controlSocket(runtimeDir: global.runtimeDir, group: options.onlyGroup) }

    /// Where the supervisor of `group` (nil: the umbrella) listens.
    public static func controlSocket(runtimeDir: String, group: String?) -> String {
        group.map { runtimeDir + "/" + $0 + "/control.sock" } ?? runtimeDir + "/control.sock"
    }

    static func spec(_ role: ChildSpec.Role, _ global: GlobalConfig) -> ChildSpec {
        ChildSpec(
            role: role,
            restart: RestartPolicy(
                floor: global.restartBackoffFloor, cap: global.restartBackoffCap, intensity: global.restartIntensity,
                period: global.restartPeriod),
            stop: StopSequence(grace: global.stopTimeout))
    }

    // MARK: - Running

    /// Runs until SIGTERM: spawns the children, serves the links, then stops them in order.
    public func run(stop: AsyncStream<Void>, reload: AsyncStream<Void> = AsyncStream { $0.finish() }) async throws {
        try FileManager.default.createDirectory(
            atPath: global.runtimeDir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        // The lock is taken before the socket is bound: a second supervisor must not take the first's socket away.
        if let only = options.onlyGroup {
            if let reason = lock(only) {
                throw ZTISupervisorError(
                    .groupLocked,
                    reason
                        + "; run each group either under ztisup.service (groups.enabled) or as ztisup@\(only), not both"
                )
            }
        } else if let reason = lockUmbrella() {
            throw ZTISupervisorError(.groupLocked, reason)
        }
        let control = try await ControlServer.bind(path: controlSocket, supervisor: self)
        logger.info("listening unix \(controlSocket)")
        if options.spawnUploader {
            children[.uploader] = SupervisedChild(spec: Self.spec(.uploader, global))
            await spawn(.uploader)
        }
        var starting: [ChildSpec.Role] = []
        for group in configuration.groups {
            let role = ChildSpec.Role.worker(group: group.key)
            var child = SupervisedChild(spec: Self.spec(role, global))
            if let reason = lock(group.key) {
                child.state = .heldElsewhere
                child.reason = reason
                logger.error("\(reason)", metadata: ["group": .string(group.key)])
                children[role] = child
                continue
            }
            children[role] = child
            starting.append(role)
        }
        await withTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try? await control.run() }
            tasks.addTask { await self.runUploaderLink() }
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
        for fd in locks.values { close(fd) }
        locks = [:]
        if let fd = umbrellaLock { close(fd) }
        umbrellaLock = nil
    }

    /// Takes `<runtime.dir>/control.lock`, which the umbrella supervisor holds while it owns `control.sock`.
    private func lockUmbrella() -> String? {
        let path = global.runtimeDir + "/control.lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else { return "cannot open \(path): \(String(cString: strerror(errno)))" }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            return "another ztisup supervisor already runs with the runtime directory \(global.runtimeDir) "
                + "(it holds \(path)); not starting a second one"
        }
        umbrellaLock = fd
        return nil
    }

    /// Takes `<runtime.dir>/<group>/lock`; the reason when another supervisor holds it.
    private func lock(_ group: String) -> String? {
        if locks[group] != nil { return nil }
        let directory = global.runtimeDir + "/" + group
        try? FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        let fd = open(directory + "/lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else {
            return "group \(group): cannot open \(directory)/lock: \(String(cString: strerror(errno)))"
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            return
                "group \(group) is already run by another supervisor (it holds \(directory)/lock); not starting it here"
        }
        locks[group] = fd
        return nil
    }

    // MARK: - Children

    private func spawn(_ role: ChildSpec.Role) async {
        guard var child = children[role], !stopping else { return }
        var environment = ProcessInfo.processInfo.environment
        environment["ZTI_SUPERVISOR_PID"] = String(getpid())
        // The children are not services of their own: systemd hears from the supervisor only.
        for name in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"] {
            environment[name] = nil
        }
        let lines = environment.map { $0.key + "=" + $0.value }
        do {
            switch role {
            case .worker(let group):
                guard configuration.groups.contains(where: { $0.key == group }), spawning.insert(role).inserted
                else { return }
                // A reload or a restart meanwhile finds this spawn under way and leaves it to finish.
                defer { spawning.remove(role) }
                // Every frame of the previous worker is forwarded before the uploader is asked what is open.
                await linkTasks[role]?.value
                let open = await requestOpen(group)
                guard let config = configuration.groups.first(where: { $0.key == group }), !stopping,
                    children[role]?.pid == nil
                else { return }
                child = children[role] ?? child
                let (parent, childEnd) = try ProcessSpawner.socketPair()
                let pid: pid_t
                do {
                    defer { close(childEnd) }
                    let (executable, logTarget, name) = (options.executable, options.logTarget, childName)
                    pid = try await SpawnThread.shared.run {
                        Result { () throws(ZTISupervisorError) -> pid_t in
                            try ProcessSpawner.spawn(
                                executable, ["worker", "--log-target", logTarget], name: name, environment: lines,
                                link: childEnd)
                        }
                    }.get()
                } catch {
                    close(parent)
                    throw error
                }
                child.pid = pid
                roles[pid] = role
                let link = try await FrameLink.adopt(parent)
                // The uploader is away: it answers once it is back, and the worker holds back what it adopts meanwhile.
                let owed = open == nil && uploader == nil
                if owed { openOwed.insert(group) } else { openOwed.remove(group) }
                let settings = WorkerSettings(
                    group: config, ackTimeout: global.ackTimeout, unackedMax: global.workerUnackedMax,
                    logLevel: global.logLevel, openFollows: open != nil, openLater: owed, runtimeDir: global.runtimeDir)
                let life = child.generation + 1
                linkTasks[role] = Task {
                    await self.serveWorker(role, link: link, settings: settings, open: open, generation: life)
                }
                logger.info("worker for group \(group) started (pid \(pid))", metadata: ["group": .string(group)])
            case .uploader:
                let (executable, confDir, logTarget, name) = (
                    options.executable, options.confDir, options.logTarget, childName
                )
                let pid = try await SpawnThread.shared.run {
                    Result { () throws(ZTISupervisorError) -> pid_t in
                        try ProcessSpawner.spawn(
                            executable, ["uploader", "--conf", confDir, "--log-target", logTarget], name: name,
                            environment: lines)
                    }
                }.get()
                child.pid = pid
                roles[pid] = role
                logger.info("uploader started (pid \(pid))")
            }
            child.generation += 1
            child.state = .starting
            child.saidHello = false
            child.startedAt = .now
            child.heartbeat = nil
            children[role] = child
        } catch {
            logger.error("\(role) could not be started: \((error as? ZTISupervisorError)?.message ?? "\(error)")")
            children[role] = child
            await handleExit(role, status: 1, reason: "could not be started")
        }
        publishSummary()
    }

    /// A child exited (reaped on SIGCHLD).
    public func reaped(pid: pid_t, status: Int32) async {
        guard let role = roles.removeValue(forKey: pid) else { return }
        await handleExit(role, status: status, reason: RestartTracker.describe(status))
    }

    private func handleExit(_ role: ChildSpec.Role, status: Int32, reason: String) async {
        guard var child = children[role] else { return }
        let uptime = child.startedAt.map { ContinuousClock.now - $0 } ?? .zero
        child.pid = nil
        child.writer = nil
        child.saidHello = false
        child.generation += 1
        child.lastExit = reason
        defer {
            children[role] = child
            publishSummary()
        }
        guard !stopping, !child.retiring else { return }
        let decision = child.tracker.exited(status: status, at: .now, uptime: uptime)
        let generation = child.generation
        switch decision {
        case .restart(let delay):
            child.state = .backoff
            logger.warning("\(role) exited (\(reason)) after \(Self.seconds(uptime)); restarting in \(delay)")
            Task {
                try? await Task.sleep(for: delay)
                await self.respawn(role, generation: generation)
            }
        case .hold(let why):
            child.state = .configError
            child.reason = why
            logger.error("\(role) \(why)")
        case .failed(let retryAfter, let why):
            child.state = .failed
            child.reason = why
            logger.error("\(role) failed: \(why); trying again in \(retryAfter)")
            Task {
                try? await Task.sleep(for: retryAfter)
                await self.respawn(role, generation: generation)
            }
        }
    }

    private func respawn(_ role: ChildSpec.Role, generation: Int) async {
        guard let child = children[role], child.generation == generation, child.pid == nil else { return }
        children[role]?.reason = nil
        await spawn(role)
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
                self.attach(role, writer: writer, generation: generation)
                var frames = FrameStream(inbound: inbound, receiver: .supervisor, sender: .worker)
                while let frame = try await frames.next() {
                    switch frame {
                    case .hello: self.hello(role, generation: generation)
                    case .event(let event, let resumeKey):
                        await self.forward(EventBuffer.Entry(event: event, resumeKey: resumeKey), from: role)
                    case .heartbeat(let heartbeat): self.heartbeat(role, heartbeat, generation: generation)
                    case .dialResult(let result): await self.relay(result)
                    default: break
                    }
                }
            }
        } catch {
            logger.warning("link to \(role) closed: \(error)")
        }
    }

    private func attach(_ role: ChildSpec.Role, writer: FrameWriter, generation: Int) {
        guard children[role]?.generation == generation else { return }
        children[role]?.writer = writer
    }

    private func hello(_ role: ChildSpec.Role, generation: Int) {
        logger.debug("\(role) said HELLO (life \(generation), current \(children[role]?.generation ?? -1))")
        guard children[role]?.generation == generation else { return }
        children[role]?.saidHello = true
        children[role]?.heartbeatAt = .now
        if children[role]?.state == .starting { children[role]?.state = .connecting }
        publishSummary()
    }

    private func heartbeat(_ role: ChildSpec.Role, _ heartbeat: Heartbeat, generation: Int) {
        guard children[role]?.generation == generation else { return }
        children[role]?.heartbeat = heartbeat
        children[role]?.heartbeatAt = .now
        children[role]?.state = heartbeat.link == "connected" ? .connected : .connecting
        publishSummary()
    }

    // MARK: - Events and acks

    private func forward(_ entry: EventBuffer.Entry, from role: ChildSpec.Role) async {
        children[role]?.lastEventAt = .now
        guard let uploader, !draining else {
            hold(entry)
            return
        }
        await send(entry, to: uploader)
    }

    /// Sends one event to the uploader (with its resume key only to an uploader that knows them), keeping it as in
    /// flight until its ACK.
    private func send(_ entry: EventBuffer.Entry, to uploader: FrameWriter) async {
        inFlightOrder += 1
        inFlight[entry.event.id] = (entry, inFlightOrder)
        let resumeKey = (uploaderVersion ?? 1) >= WireProtocol.resumeVersion ? entry.resumeKey : nil
        do {
            try await uploader.send(.event(entry.event, resumeKey: resumeKey))
        } catch {
            inFlight[entry.event.id] = nil
            hold(entry)
        }
    }

    private func hold(_ entry: EventBuffer.Entry) {
        if buffer.append(entry), buffer.dropped == 1 || buffer.dropped % 1000 == 0 {
            logger.warning(
                "the uploader is away and \(buffer.capacity) events are queued (buffer.max.events): dropping the oldest ringing or answered (\(buffer.dropped) so far; the workers send them again; ends are always kept)"
            )
        }
    }

    private func relayAck(_ ack: Ack) async {
        var byGroup: [String: [String]] = [:]
        for id in ack.ids {
            inFlight[id] = nil
            guard let group = id.split(separator: "/", maxSplits: 1).first else { continue }
            byGroup[String(group), default: []].append(id)
        }
        for (group, ids) in byGroup {
            try? await children[.worker(group: group)]?.writer?.send(.ack(Ack(ids: ids)))
        }
    }

    /// The groups a HELLO names: those configured, and those whose events are still queued or unacked (a group
    /// removed by a reload while the uploader was away).
    func namedGroups() -> [String] {
        var groups = Set(configuration.groups.map(\.key))
        for entry in buffer.entries { groups.insert(entry.event.group) }
        for entry in inFlight.values { groups.insert(entry.entry.event.group) }
        return groups.sorted()
    }

    // MARK: - Open lifecycles

    /// The uploader's `OPEN` for `group`: asked once the uploader is connected (and has received every queued
    /// event), waited for up to `open.timeout` (in all-in-one mode, also while the spawned uploader starts, up to
    /// `startup.timeout`). Nil when the uploader is away, of protocol 1, or does not answer in time.
    private func requestOpen(_ group: String) async -> OpenLifecycles? {
        let patience = options.spawnUploader ? max(global.openTimeout, global.startupTimeout) : global.openTimeout
        let deadline = ContinuousClock.now + patience
        while uploader == nil || draining || uploaderVersion == nil, ContinuousClock.now < deadline, !stopping {
            try? await Task.sleep(for: .milliseconds(20))
        }
        guard let uploader, !draining, let version = uploaderVersion else {
            logger.warning(
                "group \(group): the uploader is away; starting its worker without the open lifecycles (calls in progress are adopted as new)",
                metadata: ["group": .string(group)])
            return nil
        }
        guard version >= WireProtocol.resumeVersion else { return nil }
        let timeout = global.openTimeout
        let answer = await withCheckedContinuation { (continuation: CheckedContinuation<OpenLifecycles?, Never>) in
            openWaiters[group, default: []].append(continuation)
            guard openWaiters[group]?.count == 1 else { return }
            openRequests[group, default: 0] += 1
            let request = openRequests[group]!
            Task {
                do {
                    try await uploader.send(.openRequest(OpenRequest(group: group)))
                    try await Task.sleep(for: timeout)
                } catch {}
                // Only this request's wait ends here, not a later one's.
                if self.openRequests[group] == request { self.openAnswered(group, nil) }
            }
        }
        if answer == nil {
            logger.warning(
                "group \(group): no OPEN from the uploader within \(global.openTimeout) (open.timeout); starting its worker without it",
                metadata: ["group": .string(group)])
        } else if let answer, !answer.lifecycles.isEmpty {
            logger.info(
                "group \(group): \(answer.lifecycles.count) open lifecycles in the spool go to the worker to resume",
                metadata: ["group": .string(group)])
        }
        return answer
    }

    /// A chunk of `OPEN` (or nil: the wait is over without one).
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

    // MARK: - The uploader link

    private func runUploaderLink() async {
        var delay: Duration = .milliseconds(100)
        var reported = false
        while !Task.isCancelled {
            do {
                let link = try await FrameLink.connect(path: uploaderSocket)
                try await link.channel.executeThenClose { inbound, outbound in
                    let writer = FrameWriter(writer: outbound)
                    let groups = self.namedGroups()
                    try await writer.send(.hello(Hello(role: .supervisor, pid: getpid(), groups: groups)))
                    // An uploader of protocol 2 or later answers HELLO first; one of protocol 1 answers the status
                    // request with STATUS: either way the first frame tells its version before any event goes.
                    try await writer.send(.statusRequest(StatusRequest()))
                    var frames = FrameStream(inbound: inbound, receiver: .supervisor, sender: .uploader)
                    guard let first = try await frames.next() else { return }
                    var version = 1
                    if case .hello(let hello) = first { version = hello.protocolVersion }
                    await self.uploaderConnected(writer, version: version)
                    delay = .milliseconds(100)
                    reported = false
                    let poll = Task {
                        while !Task.isCancelled {
                            try? await Task.sleep(for: .seconds(2))
                            try? await writer.send(.statusRequest(StatusRequest()))
                        }
                    }
                    defer { poll.cancel() }
                    if case .status(let status) = first { self.uploaderReported(status) }
                    while let frame = try await frames.next() {
                        switch frame {
                        case .ack(let ack): await self.relayAck(ack)
                        case .dial(let request): await self.route(request, origin: .uploader)
                        case .status(let status): self.uploaderReported(status)
                        case .open(let chunk): self.openReceived(chunk)
                        case .hello(let hello): self.uploaderVersion = hello.protocolVersion
                        default: break
                        }
                    }
                }
                uploaderGone("the uploader closed the event socket")
            } catch {
                // A spawned uploader needs a moment to open its socket: only a longer absence is worth a line.
                if !reported, !options.spawnUploader || ContinuousClock.now - startedAt > .seconds(3) {
                    logger.warning("uploader at \(uploaderSocket) unavailable: \(error); events are queued meanwhile")
                    reported = true
                }
                uploaderGone("\(error)")
            }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(5))
        }
    }

    private func uploaderConnected(_ writer: FrameWriter, version: Int) async {
        logger.info("connected to the uploader at \(uploaderSocket) (protocol \(version))")
        if version != WireProtocol.version {
            logger.warning(
                "the uploader speaks protocol \(version) and this supervisor \(WireProtocol.version): frames the other lacks are not sent (no open lifecycles or resume keys below protocol \(WireProtocol.resumeVersion)); upgrade both to the same release"
            )
        }
        uploaderError = nil
        uploaderVersion = version
        draining = true
        uploader = writer
        // Queued events go first, in order; what arrives meanwhile joins the queue.
        while buffer.count > 0 {
            for entry in buffer.drain() { await send(entry, to: writer) }
        }
        draining = false
        publishSummary()
        for group in openOwed.sorted() { Task { await self.relayOwedOpen(group) } }
    }

    /// Sends a worker that started while the uploader was away its group's `OPEN`, now that the uploader is back;
    /// an empty one when this uploader cannot say (protocol 1, or no answer), so the worker holds nothing back.
    private func relayOwedOpen(_ group: String) async {
        guard openOwed.contains(group) else { return }
        let known = (uploaderVersion ?? 1) >= WireProtocol.resumeVersion ? await requestOpen(group) : nil
        guard openOwed.remove(group) != nil, let writer = children[.worker(group: group)]?.writer else { return }
        logger.info(
            "group \(group): relaying \(known.map { "the uploader's \($0.lifecycles.count)" } ?? "no") open lifecycles to the worker that started without them",
            metadata: ["group": .string(group)])
        for chunk in (known ?? OpenLifecycles(group: group)).chunked() { try? await writer.send(.open(chunk)) }
    }

    private func uploaderReported(_ status: JSONValue) {
        uploaderStatus = status
    }

    private func uploaderGone(_ reason: String) {
        if uploader != nil { logger.warning("uploader link lost: \(reason)") }
        uploader = nil
        uploaderVersion = nil
        uploaderError = reason
        // What the uploader had not acked may not be in the spool: it goes again with the next link, in order.
        let unacked = inFlight.values.sorted { $0.order < $1.order }.map(\.entry)
        inFlight = [:]
        for entry in unacked { hold(entry) }
        for group in openWaiters.keys { openAnswered(group, nil) }
        publishSummary()
    }

    // MARK: - Click-to-dial

    func route(_ request: DialRequest, origin: DialOrigin) async {
        let role = ChildSpec.Role.worker(group: request.group)
        guard let child = children[role], child.isLive, let writer = child.writer else {
            let state = children[role]?.state.rawValue ?? "not configured here"
            await answer(
                DialResult(
                    clickToDialId: request.clickToDialId, group: request.group, status: .refused,
                    reason: "the worker of group \(request.group) is not running (\(state))"), to: origin)
            return
        }
        dialOrigins[request.clickToDialId] = origin
        do {
            try await writer.send(.dial(request))
        } catch {
            dialOrigins[request.clickToDialId] = nil
            await answer(
                DialResult(
                    clickToDialId: request.clickToDialId, group: request.group, status: .refused,
                    reason: "the worker of group \(request.group) could not be reached"), to: origin)
        }
    }

    private func relay(_ result: DialResult) async {
        guard let origin = dialOrigins[result.clickToDialId] else { return }
        if !result.status.isImmediate || result.status == .refused { dialOrigins[result.clickToDialId] = nil }
        await answer(result, to: origin)
    }

    private func answer(_ result: DialResult, to origin: DialOrigin) async {
        switch origin {
        case .uploader: try? await uploader?.send(.dialResult(result))
        case .control(let writer): try? await writer.send(.dialResult(result))
        }
    }

    // MARK: - systemd

    /// READY=1 once every worker said HELLO (or cannot), or at `startup.timeout`.
    private func announceReadiness() async {
        let deadline = ContinuousClock.now + global.startupTimeout
        while ContinuousClock.now < deadline {
            let waiting = children.filter { role, child in
                if case .worker = role { return !child.saidHello && [.starting, .backoff].contains(child.state) }
                return false
            }
            if waiting.isEmpty { break }
            try? await Task.sleep(for: .milliseconds(50))
        }
        let summary = self.summary()
        notify([.ready, .status(summary)])
        lastSummary = summary
        logger.info("ready: \(summary)")
    }

    /// The watchdog rule: ping while this loop is live; a worker that said HELLO and whose heartbeat went stale is
    /// killed (and restarted by its policy). Groups in backoff, failed or held never stop the pings.
    private func keepWatch() async {
        let interval = Watchdog.pingInterval()
        let stale = WorkerRuntime.heartbeatInterval * 3
        while !Task.isCancelled {
            try? await Task.sleep(for: min(interval ?? .seconds(1), .seconds(1)))
            let now = ContinuousClock.now
            for (role, child) in children where child.isLive {
                guard case .worker = role, let pid = child.pid, let at = child.heartbeatAt, now - at > stale else {
                    continue
                }
                logger.error("\(role): no heartbeat for \(Self.seconds(now - at)); killing it (pid \(pid))")
                kill(pid, SIGKILL)
                children[role]?.heartbeatAt = now
            }
            if interval != nil { notify(.watchdog) }
        }
    }

    /// STATUS= when the summary changes.
    private func publishSummary() {
        let summary = self.summary()
        guard summary != lastSummary else { return }
        lastSummary = summary
        notify(.status(summary))
    }

    func summary() -> String {
        let workers = children.filter { if case .worker = $0.key { return true } else { return false } }
        var counts: [GroupState: Int] = [:]
        for child in workers.values { counts[child.state, default: 0] += 1 }
        let order: [GroupState] = [.connected, .connecting, .starting, .backoff, .failed, .configError, .heldElsewhere]
        let parts = order.compactMap { state in counts[state].map { "\($0) \(state.rawValue)" } }
        var line = "\(workers.count) group\(workers.count == 1 ? "" : "s"): " + parts.joined(separator: ", ")
        line += uploader == nil ? "; uploader not connected" : "; uploader connected"
        if buffer.count > 0 { line += ", \(buffer.count) events queued" }
        return line
    }

    // MARK: - Reload

    /// SIGHUP: RELOADING=1, then a diff of the configuration: new groups start, removed groups stop, changed
    /// groups restart, untouched groups keep running (groups held for a configuration error or failed start
    /// again). An invalid configuration is refused with its errors and the old one stays. Then READY=1.
    func reload() async {
        notify(.reloading(monotonicMicroseconds: SystemdNotifier.monotonicMicroseconds()))
        defer {
            let summary = self.summary()
            notify([.ready, .status(summary)])
            lastSummary = summary
        }
        let fresh: Configuration
        do {
            let loaded = try ConfigurationLoader.load(confDir: options.confDir, onlyGroup: options.onlyGroup)
            fresh = options.onlyGroup == nil ? loaded.limitedToEnabledGroups() : loaded
        } catch {
            logger.error("reload refused, the running configuration stays: \(error.message)")
            return
        }
        let before = Dictionary(uniqueKeysWithValues: configuration.groups.map { ($0.key, $0) })
        let after = Dictionary(uniqueKeysWithValues: fresh.groups.map { ($0.key, $0) })
        let removed = before.keys.filter { after[$0] == nil }.sorted()
        let added = after.keys.filter { before[$0] == nil }.sorted()
        let changed = after.keys.filter { key in
            guard let old = before[key], let new = after[key] else { return false }
            return CanonicalJSON.data(old) != CanonicalJSON.data(new)
        }.sorted()
        let held = after.keys.filter { key in
            [.configError, .failed].contains(children[.worker(group: key)]?.state) && !changed.contains(key)
        }.sorted()
        configuration = fresh
        for key in removed + changed { await retire(.worker(group: key)) }
        for key in removed {
            // Every frame of a removed group's worker goes to the uploader before it hears the group is gone.
            await linkTasks.removeValue(forKey: .worker(group: key))?.value
            children[.worker(group: key)] = nil
            if let fd = locks.removeValue(forKey: key) { close(fd) }
        }
        // The uploader hears the groups this supervisor runs now (click-to-dial routes, the backstop), before any
        // event of an added group.
        if let uploader {
            try? await uploader.send(.hello(Hello(role: .supervisor, pid: getpid(), groups: namedGroups())))
        }
        for key in added + changed + held {
            let role = ChildSpec.Role.worker(group: key)
            var child = SupervisedChild(spec: Self.spec(role, global))
            if let previous = children[role] { child.tracker = previous.tracker }
            if locks[key] == nil, let reason = lock(key) {
                child.state = .heldElsewhere
                child.reason = reason
                children[role] = child
                logger.error("\(reason)", metadata: ["group": .string(key)])
                continue
            }
            children[role] = child
            await spawn(role)
        }
        logger.info(
            "reloaded: \(added.count) added\(Self.list(added)), \(removed.count) removed\(Self.list(removed)), \(changed.count) changed\(Self.list(changed)), \(held.count) retried\(Self.list(held)); the other groups keep running"
        )
    }

    static func list(_ keys: [String]) -> String { keys.isEmpty ? "" : " (" + keys.joined(separator: ", ") + ")" }

    /// Stops one child on purpose (TERM, grace, KILL) without restarting it.
    private func retire(_ role: ChildSpec.Role) async {
        guard children[role]?.pid != nil else { return }
        children[role]?.retiring = true
        await stop([role])
    }

    private func notify(_ messages: [NotifyMessage]) {
        let notifier = self.notifier
        notifications.async { _ = try? notifier.send(messages) }
    }

    private func notify(_ message: NotifyMessage) { notify([message]) }

    // MARK: - Stopping

    /// STOPPING=1, then the workers (TERM, grace, KILL), then the uploader.
    private func stopAll() async {
        stopping = true
        notify(.stopping)
        logger.info("stopping: the workers first, then the uploader")
        let deadline = ContinuousClock.now + global.stopTimeout
        let workers = children.keys.filter { if case .worker = $0 { return true } else { return false } }
        await stop(workers)
        // Every frame the workers sent is forwarded, then acked, before the uploader stops: nothing in flight is
        // lost by a graceful stop.
        for role in workers { await linkTasks[role]?.value }
        while !inFlight.isEmpty || buffer.count > 0, uploader != nil, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        if !inFlight.isEmpty || buffer.count > 0 {
            logger.warning(
                "stopping with \(inFlight.count + buffer.count) events not acknowledged by the uploader within stop.timeout; their workers send them again at the next start only if the PBX still has the calls"
            )
        }
        await stop([.uploader])
    }

    private func stop(_ roles: [ChildSpec.Role]) async {
        let running = roles.compactMap { role in children[role]?.pid.map { (role, $0) } }
        guard !running.isEmpty else { return }
        for (role, pid) in running {
            kill(pid, children[role]?.spec.stop.signal ?? SIGTERM)
        }
        let grace = running.compactMap { children[$0.0]?.spec.stop.grace }.max() ?? .seconds(10)
        let deadline = ContinuousClock.now + grace
        while ContinuousClock.now < deadline, running.contains(where: { children[$0.0]?.pid != nil }) {
            try? await Task.sleep(for: .milliseconds(20))
        }
        for (role, pid) in running where children[role]?.pid != nil {
            logger.warning("\(role) did not stop within \(grace); SIGKILL")
            kill(pid, SIGKILL)
        }
        let killDeadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < killDeadline, running.contains(where: { children[$0.0]?.pid != nil }) {
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    static func seconds(_ duration: Duration) -> String {
        String(format: "%.1f s", Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
    }
}
