import Glibc
import ZTICore

/// What the supervisor knows about one child: its process, its link, its restart history and its last report.
struct SupervisedChild {
    var spec: ChildSpec
    var tracker: RestartTracker
    var state: GroupState = .starting
    var pid: pid_t?
    var startedAt: ContinuousClock.Instant?
    var writer: FrameWriter?
    var saidHello = false
    var heartbeat: Heartbeat?
    var heartbeatAt: ContinuousClock.Instant?
    var lastEventAt: ContinuousClock.Instant?
    var lastExit: String?
    /// Why the group is failed, held or in config-error.
    var reason: String?
    /// Bumped at every spawn and exit, so that a restart timer of an earlier life does nothing.
    var generation = 0
    /// Being stopped on purpose (a reload removed or changed its group): its exit is not restarted.
    var retiring = false

    init(spec: ChildSpec) {
        self.spec = spec
        self.tracker = RestartTracker(policy: spec.restart)
    }

    /// Running and said HELLO: the children whose heartbeats the watchdog rule counts.
    var isLive: Bool { pid != nil && saidHello }
}
