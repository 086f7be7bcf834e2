/// What a supervisor sends a worker in its `CONFIG` frame: the group and the global settings a worker uses.
public struct WorkerSettings: Sendable, Codable {
    /// The worker's group.
    public let group: GroupConfig
    /// Resend an event unacked for this long.
    public let ackTimeout: Duration
    /// Hold at most this many unacked events.
    public let unackedMax: Int
    /// The log level.
    public let logLevel: LogLevelName
    /// The last event of each lifecycle the group's previous worker left open (as far as the supervisor saw):
    /// after its first re-sync the new worker closes those the PBX no longer has, so no pop-up stays open
    /// because a worker died.
    public let openLifecycles: [CallEvent]

    /// Creates the settings.
    public init(
        group: GroupConfig, ackTimeout: Duration, unackedMax: Int, logLevel: LogLevelName,
        openLifecycles: [CallEvent] = []
    ) {
        self.openLifecycles = openLifecycles
        self.group = group
        self.ackTimeout = ackTimeout
        self.unackedMax = unackedMax
        self.logLevel = logLevel
    }
}
