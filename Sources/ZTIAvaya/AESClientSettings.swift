import FoundationEssentials
import ZTICore

/// How a worker talks to one AES: address, TLS, the CTI user, the switch connection, the monitored extensions,
/// session timing and reconnects.
public struct AESClientSettings: Sendable {
    /// TLS towards AES (port 4722); nil for plain TCP (4721).
    public struct TLS: Sendable, Equatable {
        /// PEM CA certificates that sign the AES certificate; nil: the system's roots.
        public var caFile: String?
        public var verify: Bool
        /// AES certificates often do not name the address they are reached at.
        public var verifyHostname: Bool
        public var certFile: String?
        public var keyFile: String?

        public init(
            caFile: String? = nil, verify: Bool = true, verifyHostname: Bool = true, certFile: String? = nil,
            keyFile: String? = nil
        ) {
            self.caFile = caFile
            self.verify = verify
            self.verifyHostname = verifyHostname
            self.certFile = certFile
            self.keyFile = keyFile
        }
    }

    public var host: String
    public var port: Int
    public var tls: TLS?
    public var username: String
    public var password: String
    public var switchName: String
    /// The name AES logs for this application.
    public var applicationID: String
    public var extensions: [String]
    /// Requested session duration and cleanup delay, in seconds (AES may change the duration).
    public var sessionDuration: Int
    public var cleanupDelay: Int
    public var replyTimeout: Duration
    public var backoff: ReconnectBackoff
    /// Every monitored extension is snapshotted this often (`pbx.resync.interval`), besides at each session start;
    /// nil: at session starts only.
    public var resyncInterval: Duration?

    public init(
        host: String, port: Int, tls: TLS?, username: String, password: String, switchName: String,
        applicationID: String = "ztisup", extensions: [String], sessionDuration: Int = 180, cleanupDelay: Int = 60,
        replyTimeout: Duration = .seconds(10), backoff: ReconnectBackoff = ReconnectBackoff(),
        resyncInterval: Duration? = nil
    ) {
        self.host = host
        self.port = port
        self.tls = tls
        self.username = username
        self.password = password
        self.switchName = switchName
        self.applicationID = applicationID
        self.extensions = extensions
        self.sessionDuration = sessionDuration
        self.cleanupDelay = cleanupDelay
        self.replyTimeout = replyTimeout
        self.backoff = backoff
        self.resyncInterval = resyncInterval
    }

    /// The settings of an Avaya group; the password comes from `pbx.password.file` when it is set (trailing line
    /// breaks removed).
    public init(group: GroupConfig) throws(ZTIAvayaError) {
        guard let avaya = group.pbx.avaya else {
            throw ZTIAvayaError(.requestRefused, "group \(group.key) is not an Avaya group (pbx.type = avaya)")
        }
        guard let password = group.pbx.loginPassword() else {
            throw ZTIAvayaError(
                .credentialsUnreadable,
                "group \(group.key): cannot read the AES password file \(group.pbx.passwordFile ?? "")")
        }
        self.init(
            host: group.pbx.host, port: group.pbx.port,
            tls: avaya.tls
                ? TLS(
                    caFile: avaya.caFile, verify: avaya.verify, verifyHostname: avaya.verifyHostname,
                    certFile: avaya.certFile, keyFile: avaya.keyFile) : nil,
            username: group.pbx.username, password: password, switchName: avaya.switchName,
            applicationID: "ztisup-\(group.key)", extensions: group.users.map(\.extensionNumber),
            sessionDuration: Int(avaya.sessionDuration.components.seconds),
            cleanupDelay: Int(avaya.sessionCleanupDelay.components.seconds), resyncInterval: group.pbx.resyncInterval)
    }
}
