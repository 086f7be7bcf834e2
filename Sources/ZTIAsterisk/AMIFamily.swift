/// The three AMI event families ztisup speaks.
public enum AMIFamily: String, Sendable, Codable, CaseIterable {
    /// Asterisk 1.0–1.4 (AMI 1.0): Elastix 1.x.
    case v14 = "1.4"
    /// Asterisk 1.6–11 (AMI 1.1–1.3): Elastix 2, Issabel, FreePBX ≤ 12.
    case v11 = "11"
    /// Asterisk 12–22 (AMI 2.0 and later): FreePBX 13+.
    case v12 = "12"

    /// The Asterisk releases of the family, as the administrator names them: `1.4`, `1.6–11`, `12+`.
    public var releases: String {
        switch self {
        case .v14: "1.4"
        case .v11: "1.6–11"
        case .v12: "12+"
        }
    }

    /// The family of a banner's AMI version: `1.0` → 1.4, `1.1`–`1.3` → 11, `2` and later → 12.
    public init?(amiVersion: String) {
        let parts = amiVersion.split(separator: ".")
        guard let major = parts.first.flatMap({ Int($0) }) else { return nil }
        if major >= 2 {
            self = .v12
        } else if major == 1, let minor = parts.dropFirst().first.flatMap({ Int($0) }) {
            self = minor == 0 ? .v14 : .v11
        } else {
            return nil
        }
    }
}
