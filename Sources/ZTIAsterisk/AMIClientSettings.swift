import FoundationEssentials
import ZTICore

/// How a worker talks to one Asterisk: address, credentials, keep-alive, event filtering and reconnects.
public struct AMIClientSettings: Sendable {
    /// How to log in.
    public enum Authentication: String, Sendable {
        /// `Action: Challenge` then a Login with the MD5 of the challenge and the secret (the secret never travels).
        case md5
        /// A Login with the secret in clear text.
        case plain
    }

    public var host: String
    public var port: Int
    public var username: String
    public var secret: String
    public var authentication: Authentication
    /// Ping interval once logged in; a Ping unanswered for this long means the link is dead.
    public var keepalive: Duration
    /// How often the calls in progress are re-synchronised (`pbx.resync.interval`).
    public var resyncInterval: Duration
    /// How long the banner, login and other replies may take.
    public var replyTimeout: Duration
    /// `Events:` in the Login: the classes the tracker needs (never `dialplan`).
    public var eventMask: String
    /// Install `Filter` actions (Asterisk 10+; needs the `system` write class).
    public var installFilters: Bool
    public var backoff: ReconnectBackoff
    /// Messages waiting for the consumer before further ones are dropped (and counted).
    public var handoffCapacity: Int

    /// Creates settings.
    public init(
        host: String, port: Int, username: String, secret: String, authentication: Authentication = .md5,
        keepalive: Duration = .seconds(20), resyncInterval: Duration = .seconds(300),
        replyTimeout: Duration = .seconds(10),
        eventMask: String = "call,agent,system",
        installFilters: Bool = false, backoff: ReconnectBackoff = ReconnectBackoff(), handoffCapacity: Int = 50_000
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.secret = secret
        self.authentication = authentication
        self.keepalive = keepalive
        self.resyncInterval = resyncInterval
        self.replyTimeout = replyTimeout
        self.eventMask = eventMask
        self.installFilters = installFilters
        self.backoff = backoff
        self.handoffCapacity = handoffCapacity
    }

    /// The settings of a group; the password comes from `pbx.password.file` when it is set (trailing line breaks
    /// removed).
    public init(group: GroupConfig) throws(ZTIAsteriskError) {
        guard let secret = group.pbx.loginPassword() else {
            throw ZTIAsteriskError(
                .credentialsUnreadable,
                "group \(group.key): cannot read the PBX password file \(group.pbx.passwordFile ?? "")")
        }
        self.init(
            host: group.pbx.host, port: group.pbx.port, username: group.pbx.username, secret: secret,
            keepalive: group.pbx.keepalive, resyncInterval: group.pbx.resyncInterval,
            installFilters: group.pbx.amiFilter)
    }
}
