import ZTICore

/// What an ``AMIClient`` reports to its consumer (the worker's tracker and heartbeat).
public enum AMIClientEvent: Sendable {
    /// Logged in: the family and how it was told (nil when neither the banner nor `CoreSettings` told it: the
    /// tracker infers it from the first events), the Asterisk version when `CoreSettings` told it.
    case connected(family: AMIFamily?, version: String?, source: AMIFamilyInference.Source?)
    /// A family not known at login was told by the re-sync (`CoreShowChannels` unknown: 1.4).
    case familyDecided(AMIFamily, source: AMIFamilyInference.Source)
    /// A banner or event, in arrival order, with its receive time. Re-sync list items arrive here too.
    case message(AMIMessage, receivedAt: EventTime)
    /// The re-sync after (re)connect finished: the tracker has seen every channel the PBX listed.
    case resynced
    /// The link is down; the client reconnects by itself.
    case disconnected(reason: String)
    /// A problem that does not stop the link (a refused Filter, a missing write class), for status.
    case warning(String)
}
