/// The AES-specific settings of an Avaya group (`avaya.*`).
public struct AvayaSettings: Sendable, Equatable, Codable {
    /// The AES switch connection name (`avaya.switch`), segment 2 of a Tlink name `AVAYA#<switch>#CSTA#<aes>`.
    public let switchName: String
    /// Whether the DMCC link uses TLS (`avaya.tls`, default true: port 4722; plain TCP is 4721).
    public let tls: Bool
    /// The CA bundle that signs the AES certificate (`avaya.tls.cafile`); nil means the system's roots.
    public let caFile: String?
    /// Whether the AES certificate chain is verified (`avaya.tls.verify`, default true).
    public let verify: Bool
    /// Whether the certificate must name `pbx.host` (`avaya.tls.verifyhostname`, default true); AES
    /// certificates often do not match the IP address they are reached at.
    public let verifyHostname: Bool
    /// A client certificate and its key, when AES asks for one (`avaya.tls.certfile`, `avaya.tls.keyfile`).
    public let certFile: String?
    public let keyFile: String?
    /// The application session duration requested from AES (`avaya.session.duration`, default 180s).
    public let sessionDuration: Duration
    /// How long AES keeps an orphaned session for recovery (`avaya.session.cleanupdelay`, default 60s).
    public let sessionCleanupDelay: Duration

    /// Creates settings.
    public init(
        switchName: String, tls: Bool, caFile: String?, verify: Bool, verifyHostname: Bool, certFile: String?,
        keyFile: String?, sessionDuration: Duration, sessionCleanupDelay: Duration
    ) {
        self.switchName = switchName
        self.tls = tls
        self.caFile = caFile
        self.verify = verify
        self.verifyHostname = verifyHostname
        self.certFile = certFile
        self.keyFile = keyFile
        self.sessionDuration = sessionDuration
        self.sessionCleanupDelay = sessionCleanupDelay
    }
}
