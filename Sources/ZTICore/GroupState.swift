/// What `ztisup status` says about a group.
public enum GroupState: String, Sendable, Codable {
    /// Spawned; no HELLO yet.
    case starting
    /// Said HELLO; the PBX link is not up (yet, or any more).
    case connecting
    /// The PBX link is up.
    case connected
    /// Exited; spawned again after the backoff.
    case backoff
    /// Past its restart intensity; tried again after the period.
    case failed
    /// Exited 78: its configuration cannot work; not restarted until a reload.
    case configError = "config-error"
    /// Another supervisor runs the group.
    case heldElsewhere = "held-elsewhere"
    /// Configured, and no supervisor that answered runs it (`ztisup status` only).
    case notRunning = "not-running"
}
