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
    /// After a recovery: the calls AES has at an extension, with the extension's state in each (to close those
    /// that ended in the gap, and to pick up those that began alerting in it).
    case snapshot(extension: String, calls: [DMCCMessage.SnapshotCall])
    /// The link or the session is down; the client reconnects by itself.
    case disconnected(reason: String)
}
