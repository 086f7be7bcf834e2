import ZTIAsterisk

/// How the AMI simulator behaves: which dialect, which user, which write classes.
public struct AMISimulatorOptions: Sendable {
    public var family: AMIFamily
    /// The AMI version in the banner; by default the one of the family (`1.0`, `1.3`, `7.0.3`).
    public var amiVersion: String
    public var username: String
    public var secret: String
    /// The user's `write=` classes in manager.conf.
    public var writeClasses: Set<String>
    /// Scenario time runs this many times faster than real time.
    public var speed: Double
    /// The first line sent on connect: nil for none (as behind some proxies); by default
    /// `Asterisk Call Manager/<amiVersion>`.
    public var banner: String?
    /// manager.conf's `timestampevents`: events carry `Timestamp:` (scenario events, and FullyBooted after a login).
    public var timestampEvents = true
    /// The extensions with a device hint (`ExtensionState` finds them, in any context); nil: every extension that
    /// is a number.
    public var hintedExtensions: Set<String>?

    /// Options with the family's defaults: write `call` on 1.4, `originate,reporting` later.
    public init(
        family: AMIFamily, username: String = "zti", secret: String = "secret", writeClasses: Set<String>? = nil,
        amiVersion: String? = nil, speed: Double = 1
    ) {
        self.family = family
        self.username = username
        self.secret = secret
        self.writeClasses = writeClasses ?? (family == .v14 ? ["call"] : ["originate", "reporting"])
        self.amiVersion = amiVersion ?? Self.defaultVersion(family)
        self.speed = speed
        self.banner = "Asterisk Call Manager/" + self.amiVersion
    }

    static func defaultVersion(_ family: AMIFamily) -> String {
        switch family {
        case .v14: "1.0"
        case .v11: "1.3"
        case .v12: "7.0.3"
        }
    }

    /// The Asterisk version `CoreSettings` reports.
    var asteriskVersion: String {
        switch family {
        case .v14: "1.4.44"
        case .v11: "11.25.3"
        case .v12: "18.20.0"
        }
    }
}
