import FoundationEssentials

/// How a group's worker reaches and follows its PBX (`pbx.*` keys and timers).
public struct PBXSettings: Sendable, Equatable, Codable {
    /// The PBX kind.
    public let type: PBXType
    /// Host name or address of the AMI port or the AES server.
    public let host: String
    /// The TCP port.
    public let port: Int
    /// The AMI user or AES user.
    public let username: String
    /// A password written inline in the group file (discouraged: prefer ``passwordFile``).
    public let password: String?
    /// The absolute path of the file holding the password (`pbx.password.file`).
    public let passwordFile: String?
    /// Trunk channel-name prefixes or contexts whose parties are always outside (`pbx.trunks`).
    public let trunks: [String]
    /// The keep-alive interval on the PBX link (`pbx.keepalive`, default 20s).
    public let keepalive: Duration
    /// How often calls in progress are re-synchronised (`pbx.resync.interval`, default 5m).
    public let resyncInterval: Duration
    /// How long a lifecycle may stay open without events before the sweeper checks it (`call.max.open`, 10m).
    public let callMaxOpen: Duration
    /// Whether the worker installs AMI `Filter` actions (`pbx.ami.filter`, default false).
    public let amiFilter: Bool
    /// Click-to-dial on Asterisk and Elastix; nil for Avaya.
    public let originate: OriginateSettings?
    /// The AES settings of an Avaya group; nil otherwise.
    public let avaya: AvayaSettings?
    /// `pbx.capture = on`: the PBX stream captured continuously, in files of at most `maxBytes`
    /// (`pbx.capture.max.size`), the last `maxFiles` kept (`pbx.capture.max.files`); nil when off.
    public let capture: ContinuousCapture?

    /// The continuous capture's files.
    public struct ContinuousCapture: Sendable, Equatable, Codable {
        public let maxBytes: Int
        public let maxFiles: Int

        public init(maxBytes: Int, maxFiles: Int) {
            self.maxBytes = maxBytes
            self.maxFiles = maxFiles
        }
    }

    /// Creates settings.
    public init(
        type: PBXType, host: String, port: Int, username: String, password: String?, passwordFile: String?,
        trunks: [String], keepalive: Duration, resyncInterval: Duration, callMaxOpen: Duration, amiFilter: Bool,
        originate: OriginateSettings?, avaya: AvayaSettings?, capture: ContinuousCapture? = nil
    ) {
        self.capture = capture
        self.type = type
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.passwordFile = passwordFile
        self.trunks = trunks
        self.keepalive = keepalive
        self.resyncInterval = resyncInterval
        self.callMaxOpen = callMaxOpen
        self.amiFilter = amiFilter
        self.originate = originate
        self.avaya = avaya
    }

    /// The password to log in with: the contents of `pbx.password.file` (trailing line breaks removed) when it is
    /// set, else the inline `pbx.password`; nil when the file cannot be read.
    public func loginPassword() -> String? {
        guard let passwordFile else { return password ?? "" }
        guard let data = FileManager.default.contents(atPath: passwordFile) else { return nil }
        var text = String(decoding: data, as: UTF8.self)
        while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
        return text
    }
}
