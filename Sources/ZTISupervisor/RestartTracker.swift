/// One child's restart history and what to do when it exits: a pure function of (state, exit) under a
/// ``RestartPolicy``.
public struct RestartTracker: Sendable, Equatable {
    /// What the supervisor does after an exit.
    public enum Decision: Sendable, Equatable {
        /// Spawn again after `delay`.
        case restart(after: Duration)
        /// Exit 78 (EX_CONFIG): not restarted until the next reload.
        case hold(reason: String)
        /// Past the intensity: `failed`, tried again after `retryAfter`.
        case failed(retryAfter: Duration, reason: String)
    }

    public let policy: RestartPolicy
    private var restarts: [ContinuousClock.Instant] = []
    private var consecutive = 0
    /// Restarts since the supervisor started, for status.
    public private(set) var total = 0

    public init(policy: RestartPolicy) {
        self.policy = policy
    }

    /// The child exited with `status` (128 + signal when killed) at `now`, after running for `uptime`.
    public mutating func exited(status: Int32, at now: ContinuousClock.Instant, uptime: Duration) -> Decision {
        if status == 78 {
            return .hold(reason: "exited 78 (configuration error); not restarted until the next reload")
        }
        restarts = restarts.filter { now - $0 < policy.period }
        // A child that ran longer than the period was healthy: its next crash starts the backoff from the floor.
        if uptime >= policy.period { consecutive = 0 }
        if restarts.count >= policy.intensity {
            restarts = []
            consecutive = 0
            return .failed(
                retryAfter: policy.period,
                reason: "more than \(policy.intensity) restarts in \(policy.period) (last: \(Self.describe(status)))")
        }
        restarts.append(now)
        total += 1
        consecutive += 1
        var delay = policy.floor
        for _ in 1..<consecutive where delay < policy.cap { delay = delay * 2 }
        return .restart(after: min(delay, policy.cap))
    }

    /// `exit 1`, `killed by signal 9`.
    public static func describe(_ status: Int32) -> String {
        status > 128 ? "killed by signal \(status - 128)" : "exit \(status)"
    }
}
