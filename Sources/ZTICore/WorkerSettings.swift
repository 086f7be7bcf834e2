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
    /// `OPEN` frames follow this `CONFIG`: the spool's open lifecycles of the group, which the worker resumes
    /// (or closes) at its first re-sync. The worker waits for the last chunk before it connects to its PBX.
    public let openFollows: Bool
    /// The uploader was away when the worker started: `OPEN` may come later (relayed by the supervisor). Until
    /// then the calls the worker adopts emit nothing; then it re-syncs and the stored lifecycles win.
    public let openLater: Bool
    /// `runtime.dir`: where an Avaya worker keeps its AES session for the next worker (nil: not kept).
    public let runtimeDir: String?
    /// `<state.dir>/captures`: where the worker writes its support captures (nil: it cannot capture).
    public let captureDir: String?

    /// Creates the settings.
    public init(
        group: GroupConfig, ackTimeout: Duration, unackedMax: Int, logLevel: LogLevelName,
        openFollows: Bool = false, openLater: Bool = false, runtimeDir: String? = nil, captureDir: String? = nil
    ) {
        self.captureDir = captureDir
        self.runtimeDir = runtimeDir
        self.openFollows = openFollows
        self.openLater = openLater
        self.group = group
        self.ackTimeout = ackTimeout
        self.unackedMax = unackedMax
        self.logLevel = logLevel
    }
}
