/// How the AES simulator behaves: its CTI user, switch connection, dial plan, licences and limits (§11 of the
/// DMCC reference).
public struct AESSimulatorOptions: Sendable {
    public var username: String
    public var password: String
    /// The switch connection name devices are asked for with.
    public var switchName: String
    /// The CM address that first-party device IDs carry.
    public var switchIP: String
    /// Stations CM knows.
    public var extensions: Set<String>
    /// Stations the CTI user may monitor (its SDB rights); nil: all known ones.
    public var permitted: Set<String>?
    /// TSAPI Basic licences: monitors that can run at once, over all sessions.
    public var licences: Int
    public var maxSessions: Int
    /// The protocol versions this AES accepts (it picks the first of the client's list that it knows).
    public var protocolVersions: Set<String>
    /// Session durations are clamped to this range, in seconds.
    public var durations: ClosedRange<Int>
    /// The `CSTAErrorCode operation` value for an unknown extension: `invalidDeviceID` or `invalidMonitorObject`.
    public var unknownDeviceError: String
    /// The `definedError` of a refused login.
    public var badCredentialsError: String
    /// The UNIX time UCIDs carry; nil for the current time (fixed, for repeatable golden files).
    public var ucidTime: Int?

    public init(
        username: String = "ctiuser", password: String = "secret", switchName: String = "CM1",
        switchIP: String = "192.0.2.30", extensions: Set<String> = Set((3201...3210).map(String.init)),
        permitted: Set<String>? = nil, licences: Int = 100, maxSessions: Int = 8,
        protocolVersions: Set<String> = Set(
            ["priv6", "priv7", "priv8", "priv9", "privA", "privC", "privE"].map {
                "http://www.ecma-international.org/standards/ecma-323/csta/ed3/" + $0
            }),
        durations: ClosedRange<Int> = 1...600, unknownDeviceError: String = "invalidDeviceID",
        badCredentialsError: String = "invalidApplicationInfo", ucidTime: Int? = nil
    ) {
        self.username = username
        self.password = password
        self.switchName = switchName
        self.switchIP = switchIP
        self.extensions = extensions
        self.permitted = permitted
        self.licences = licences
        self.maxSessions = maxSessions
        self.protocolVersions = protocolVersions
        self.durations = durations
        self.unknownDeviceError = unknownDeviceError
        self.badCredentialsError = badCredentialsError
        self.ucidTime = ucidTime
    }
}
