/// What a user's click-to-dial does about dial codes (`user.X.dialcode`).
public enum DialCodePolicy: Sendable, Equatable, Codable, CustomStringConvertible {
    /// Prefix the named code of `pbx.dialcodes`.
    case code(String)
    /// Dial the cleaned number as it is (`noprefix`).
    case noPrefix
    /// Every request must name a code (`none`).
    case askEachTime

    /// Parses the configuration value; any other word is the name of a code.
    public init(configValue: String) {
        switch configValue {
        case "noprefix": self = .noPrefix
        case "none": self = .askEachTime
        default: self = .code(configValue)
        }
    }

    /// The value as written in a group file.
    public var description: String {
        switch self {
        case .code(let name): name
        case .noPrefix: "noprefix"
        case .askEachTime: "none"
        }
    }

    public init(from decoder: any Decoder) throws {
        self.init(configValue: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
