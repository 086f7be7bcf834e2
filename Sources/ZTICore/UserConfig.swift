/// One member of a PhoneBridge group (`user.X.*` keys).
public struct UserConfig: Sendable, Equatable, Codable {
    /// The `X` of `user.X.*`.
    public let key: String
    /// The CRM's id for the user (`user.X.crmuser`), e.g. a Zoho user id.
    public let crmUser: String
    /// The extension, digits, `*` and `#` only, unique in its group.
    public let extensionNumber: String
    /// Device names (`SIP/101`, `PJSIP/alice`); empty means the endpoint named like the extension.
    public let devices: [String]
    /// Whether this extension places the CRM user's click-to-dial calls (`user.X.default`).
    public let isDefault: Bool
    /// The user's dial-code policy (`user.X.dialcode`, default `noprefix`).
    public let dialCode: DialCodePolicy
    /// The line of `user.X.extension` in the group file, for diagnostics.
    public let line: Int

    /// Creates a user.
    public init(
        key: String, crmUser: String, extensionNumber: String, devices: [String], isDefault: Bool,
        dialCode: DialCodePolicy, line: Int
    ) {
        self.key = key
        self.crmUser = crmUser
        self.extensionNumber = extensionNumber
        self.devices = devices
        self.isDefault = isDefault
        self.dialCode = dialCode
        self.line = line
    }
}
