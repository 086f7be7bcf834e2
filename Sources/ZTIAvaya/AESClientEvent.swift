import ZTICore

/// What an ``AESClient`` reports to its consumer (the worker's tracker and heartbeat).
public enum AESClientEvent: Sendable {
    /// A session is up: a new one, or the old one recovered (its monitors kept).
    case sessionStarted(sessionID: String, protocolVersion: String, recovered: Bool)
    /// An extension is monitored under `crossRefID`.
    case monitored(extension: String, crossRefID: String)
    /// AES refused to monitor an extension (unknown, no SDB permission, no licence); the others go on.
    case monitorFailed(extension: String, reason: String)
    /// A call-control event with its receive time.
    case event(CSTAEvent, receivedAt: EventTime)
    /// After every session start (new or recovered) and every re-sync interval: the calls AES has at each monitored
    /// extension, with the extension's state in each, for the tracker to confirm, close and adopt. An extension
    /// whose snapshot failed is missing. `askedAt` is when the first snapshot was asked for: events received since
    /// are newer than the snapshots.
    case resynced(snapshots: [String: [DMCCMessage.SnapshotCall]], askedAt: EventTime)
    /// The link or the session is down; the client reconnects by itself.
    case disconnected(reason: String)
}
