// The supervisor's rules for one child, as a state × event table (the s6 anchor): every change of a child's state
// happens here, and the supervisor only carries out the effects.
import Glibc
import ZTICore

/// One supervised child's life as a pure function of (state, event): spawned, said HELLO, reported, exited and
/// restarted by its ``RestartPolicy`` (or held, or failed), killed when its heartbeat goes stale, retired on
/// purpose. ``transition(_:_:)`` returns the new state and the effects the supervisor carries out.
public enum ChildMachine {
    /// What the supervisor knows about one child's process.
    public struct State: Sendable, Equatable {
        /// The role, for log lines ("worker sales", "uploader").
        public let name: String
        public var phase: GroupState = .starting
        public var pid: pid_t?
        /// Bumped at every spawn and exit, so that what an earlier life sent or scheduled does nothing.
        public var generation = 0
        public var saidHello = false
        /// Stopped on purpose (a reload removed or changed its group, or the supervisor stops): not restarted.
        public var retiring = false
        public var tracker: RestartTracker
        /// Why the child is failed, held or in config-error.
        public var reason: String?
        public var lastExit: String?
        public var startedAt: ContinuousClock.Instant?
        public var heartbeat: Heartbeat?
        public var heartbeatAt: ContinuousClock.Instant?

        public init(name: String, policy: RestartPolicy) {
            self.name = name
            self.tracker = RestartTracker(policy: policy)
        }

        /// Running and said HELLO: the children whose heartbeats the watchdog rule counts.
        public var isLive: Bool { pid != nil && saidHello }
    }

    /// What happened to the child.
    public enum Event: Sendable, Equatable {
        /// Another supervisor holds the group's lock.
        case heldElsewhere(reason: String)
        case spawned(pid: pid_t, at: ContinuousClock.Instant)
        case spawnFailed(reason: String, at: ContinuousClock.Instant)
        /// Reaped: `status` is the exit code, or 128 + the signal.
        case exited(status: Int32, at: ContinuousClock.Instant)
        /// A restart timer of life `generation` is up.
        case respawnDue(generation: Int)
        case hello(generation: Int, protocolVersion: Int, at: ContinuousClock.Instant)
        case heartbeat(generation: Int, Heartbeat, at: ContinuousClock.Instant)
        /// The watchdog's look: a live child whose last heartbeat is older than `stale` is killed.
        case watchdog(at: ContinuousClock.Instant, stale: Duration)
        /// Stop it without restarting it (a reload, or the supervisor stopping).
        case retire
    }

    /// How bad a log line is.
    public enum Severity: Sendable, Equatable {
        case debug, info, warning, error
    }

    /// What the supervisor does for the child.
    public enum Effect: Sendable, Equatable {
        /// Start it now.
        case spawn
        /// Deliver ``Event/respawnDue(generation:)`` after `delay`.
        case scheduleRespawn(after: Duration, generation: Int)
        case signal(pid_t, Int32)
        case log(Severity, String)
        /// The summary may have changed: tell systemd.
        case publish
    }

    public static func transition(_ state: State, _ event: Event) -> (State, [Effect]) {
        var next = state
        var effects: [Effect] = []
        switch event {
        case .heldElsewhere(let reason):
            next.phase = .heldElsewhere
            next.reason = reason
            effects = [.log(.error, reason), .publish]

        case .spawned(let pid, let at):
            next.pid = pid
            next.generation += 1
            next.phase = .starting
            next.saidHello = false
            next.startedAt = at
            next.heartbeat = nil
            next.heartbeatAt = nil
            next.reason = nil
            effects = [.publish]

        case .spawnFailed(let reason, let at):
            effects = [.log(.error, "\(state.name) could not be started: \(reason)")]
            let (exited, more) = exit(state, status: 1, description: "could not be started", at: at)
            next = exited
            effects += more

        case .exited(let status, let at):
            guard state.pid != nil else { return (state, []) }
            (next, effects) = exit(state, status: status, description: RestartTracker.describe(status), at: at)

        case .respawnDue(let generation):
            guard state.generation == generation, state.pid == nil, !state.retiring else { return (state, []) }
            next.reason = nil
            effects = [.spawn]

        case .hello(let generation, let version, let at):
            guard state.generation == generation, let pid = state.pid else { return (state, []) }
            guard version == WireProtocol.version else {
                // The worker runs the supervisor's own binary (/proc/self/exe): another protocol means a broken
                // installation, which no restart mends.
                let why =
                    "speaks protocol \(version), this supervisor \(WireProtocol.version); not restarted until the next reload"
                next.phase = .configError
                next.reason = why
                next.retiring = true
                return (next, [.log(.error, "\(state.name) \(why)"), .signal(pid, SIGKILL), .publish])
            }
            next.saidHello = true
            next.heartbeatAt = at
            if state.phase == .starting { next.phase = .connecting }
            effects = [.log(.debug, "\(state.name) said HELLO (life \(generation))"), .publish]

        case .heartbeat(let generation, let heartbeat, let at):
            guard state.generation == generation, state.pid != nil, !state.retiring else { return (state, []) }
            next.heartbeat = heartbeat
            next.heartbeatAt = at
            next.phase = heartbeat.link == .connected ? .connected : .connecting
            effects = [.publish]

        case .watchdog(let at, let stale):
            guard state.isLive, let pid = state.pid, let last = state.heartbeatAt, at - last > stale else {
                return (state, [])
            }
            next.heartbeatAt = at
            effects = [
                .log(.error, "\(state.name): no heartbeat for \(Self.seconds(at - last)); killing it (pid \(pid))"),
                .signal(pid, SIGKILL),
            ]

        case .retire:
            next.retiring = true
        }
        return (next, effects)
    }

    /// The child is gone: restarted after its backoff, held (exit 78), or failed past its intensity; nothing when
    /// it was retired.
    private static func exit(_ state: State, status: Int32, description: String, at: ContinuousClock.Instant)
        -> (State, [Effect])
    {
        var next = state
        let uptime = state.startedAt.map { at - $0 } ?? .zero
        next.pid = nil
        next.saidHello = false
        next.generation += 1
        next.lastExit = description
        guard !state.retiring else { return (next, [.publish]) }
        switch next.tracker.exited(status: status, at: at, uptime: uptime) {
        case .restart(let delay):
            next.phase = .backoff
            return (
                next,
                [
                    .log(
                        .warning,
                        "\(state.name) exited (\(description)) after \(Self.seconds(uptime)); restarting in \(delay)"),
                    .scheduleRespawn(after: delay, generation: next.generation), .publish,
                ]
            )
        case .hold(let why):
            next.phase = .configError
            next.reason = why
            return (next, [.log(.error, "\(state.name) \(why)"), .publish])
        case .failed(let retryAfter, let why):
            next.phase = .failed
            next.reason = why
            return (
                next,
                [
                    .log(.error, "\(state.name) failed: \(why); trying again in \(retryAfter)"),
                    .scheduleRespawn(after: retryAfter, generation: next.generation), .publish,
                ]
            )
        }
    }

    /// `2.5 s`.
    static func seconds(_ duration: Duration) -> String {
        let tenths = (duration.components.seconds * 10) + duration.components.attoseconds / 100_000_000_000_000_000
        return "\(tenths / 10).\(tenths % 10) s"
    }
}
