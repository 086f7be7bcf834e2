/// The kind of PBX a group connects to.
public enum PBXType: String, Sendable, Codable, CaseIterable {
    /// Asterisk 1.4 to 22 over AMI.
    case asterisk
    /// Elastix, FreePBX or Issabel: Asterisk underneath, with FreePBX dialplan conventions.
    case elastix
    /// Avaya Communication Manager through AES (DMCC XML).
    case avaya

    /// The port a group of this type connects to when `pbx.port` is not set.
    public var defaultPort: Int {
        switch self {
        case .asterisk, .elastix: 5038
        case .avaya: 4722
        }
    }
}
