/// How an Asterisk or Elastix worker places click-to-dial calls (`pbx.originate.*`).
public struct OriginateSettings: Sendable, Equatable, Codable {
    /// The first leg's channel, with `{ext}` standing for the member's extension (`pbx.originate.channel`;
    /// default `SIP/{ext}` for asterisk, `Local/{ext}@from-internal` for elastix).
    public let channel: String
    /// The dialplan context the number is dialled in once the member answers (`pbx.originate.context`,
    /// default `from-internal`).
    public let context: String
    /// How long the member's phone rings before the request ends as `noAnswer` (`pbx.originate.timeout`, 30s).
    public let timeout: Duration

    /// Creates settings.
    public init(channel: String, context: String, timeout: Duration) {
        self.channel = channel
        self.context = context
        self.timeout = timeout
    }

    /// The default channel template for `type`.
    public static func defaultChannel(for type: PBXType) -> String {
        type == .elastix ? "Local/{ext}@from-internal" : "SIP/{ext}"
    }
}
