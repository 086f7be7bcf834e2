/// One PhoneBridge group: one PBX, its users and their extensions, its dial codes
/// (`conf/groups/<key>.properties`).
public struct GroupConfig: Sendable, Codable {
    /// The group key: the file's base name. It names the group in event ids, `--group`, units and locks.
    public let key: String
    /// The display label (`group.name`, default the key).
    public let name: String
    /// The PBX link.
    public let pbx: PBXSettings
    /// `pbx.dialcodes`, in file order.
    public let dialCodes: [DialCode]
    /// Number conversion and the internal-number pattern.
    public let numbers: NumberPlan
    /// The members, in file order of their extensions.
    public let users: [UserConfig]
    /// The group file's path, for diagnostics.
    public let file: String
    /// `metrics.listen` in the group file: where a per-group supervisor (`run --group G`) serves `/metrics`, so
    /// that the ports of several never collide (nil: off).
    public let metricsListen: HostPort?

    /// Creates a group.
    public init(
        key: String, name: String, pbx: PBXSettings,
        dialCodes: [DialCode], numbers: NumberPlan, users: [UserConfig], file: String, metricsListen: HostPort? = nil
    ) {
        self.metricsListen = metricsListen
        self.key = key
        self.name = name
        self.pbx = pbx
        self.dialCodes = dialCodes
        self.numbers = numbers
        self.users = users
        self.file = file
    }

    /// The dial code named `destination`, if the group defines it.
    public func dialCode(named destination: String) -> DialCode? {
        dialCodes.first { $0.destination == destination }
    }

    /// The member with extension `extensionNumber`, if any.
    public func user(extension extensionNumber: String) -> UserConfig? {
        users.first { $0.extensionNumber == extensionNumber }
    }
}
