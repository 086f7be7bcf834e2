/// A worker's periodic report to its supervisor: its PBX link and counters.
public struct Heartbeat: Sendable, Equatable, Codable {
    /// The state of the PBX link.
    public let link: LinkState
    /// The detected protocol family (`1.4`, `11`, `12`, `aes`), once known.
    public let family: String?
    /// The PBX's version as it reported it, once known.
    public let pbxVersion: String?
    /// Calls in progress.
    public let activeCalls: Int
    /// PBX messages read.
    public let eventsIn: Int
    /// Call events emitted.
    public var eventsOut: Int
    /// Events waiting for their ACK.
    public var unacked: Int
    /// Events dropped (full buffers, dropped PBX events).
    public var dropped: Int
    /// The last problem with the PBX link, for status.
    public let lastError: String?
    /// Asterisk: how the family was told (`banner`, `CoreSettings`, `events`, `assumed`), once known.
    public var familySource: String?
    /// Avaya: the AES application session.
    public var session: String?
    /// Avaya: the extensions monitored, and those AES refused with why.
    public var monitored: [String]?
    public var failedExtensions: [String: String]?
    /// Times the PBX link went down after being up, since the worker started (its reconnects).
    public var linkLosses: Int?

    /// Creates a heartbeat.
    public init(
        link: LinkState, family: String? = nil, pbxVersion: String? = nil, activeCalls: Int = 0, eventsIn: Int = 0,
        eventsOut: Int = 0, unacked: Int = 0, dropped: Int = 0, lastError: String? = nil
    ) {
        self.link = link
        self.family = family
        self.pbxVersion = pbxVersion
        self.activeCalls = activeCalls
        self.eventsIn = eventsIn
        self.eventsOut = eventsOut
        self.unacked = unacked
        self.dropped = dropped
        self.lastError = lastError
    }
}
