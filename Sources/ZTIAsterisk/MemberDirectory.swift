import ZTICore

/// Who is who on one PBX: the group's members (by device or by endpoint named like the extension), its trunks,
/// and its internal numbers.
public struct MemberDirectory: Sendable {
    /// A member extension and its CRM user.
    public struct Member: Sendable, Equatable {
        /// The extension.
        public let extensionNumber: String
        /// The CRM user, when mapped.
        public let user: String?
    }

    /// The group key events carry.
    public let group: String
    /// The PBX type events carry.
    public let pbx: PBXType
    /// Number conversion and the internal pattern.
    public let numbers: NumberPlan
    /// Dial codes, whose prefixes are removed from outbound `to` numbers.
    public let dialCodes: [String]
    private let byDevice: [String: Member]
    private let byExtension: [String: Member]
    private let trunks: [String]
    private let everyDialEndpointIsMember: Bool

    /// The directory of a configured group.
    public init(group: GroupConfig) {
        self.group = group.key
        self.pbx = group.pbx.type
        self.numbers = group.numbers
        self.dialCodes = group.dialCodes.map(\.code)
        var byDevice: [String: Member] = [:]
        var byExtension: [String: Member] = [:]
        for user in group.users {
            let member = Member(extensionNumber: user.extensionNumber, user: user.crmUser)
            byExtension[user.extensionNumber] = member
            for device in user.devices { byDevice[Self.deviceKey(device)] = member }
        }
        self.byDevice = byDevice
        self.byExtension = byExtension
        self.trunks = group.pbx.trunks
        self.everyDialEndpointIsMember = false
    }

    /// The directory of `ztisup replay` without a group file: every endpoint of 2 to 8 of `0-9*#` is a member.
    public init(replayGroup: String = "replay", pbx: PBXType = .asterisk) {
        self.group = replayGroup
        self.pbx = pbx
        self.numbers = try! NumberPlan(countryCode: nil)
        self.dialCodes = []
        self.byDevice = [:]
        self.byExtension = [:]
        self.trunks = []
        self.everyDialEndpointIsMember = true
    }

    private static func deviceKey(_ device: String) -> String {
        guard let slash = device.firstIndex(of: "/") else { return device }
        return device[..<slash].lowercased() + device[slash...]
    }

    /// The member whose device `channel` is, if any; plumbing and trunks are never members.
    public func member(_ channel: ChannelName, context: String? = nil) -> Member? {
        guard !channel.isPlumbing, !isTrunk(channel, context: context) else { return nil }
        if let member = byDevice[Self.deviceKey(channel.device)] { return member }
        if let member = byExtension[channel.endpoint] { return member }
        if everyDialEndpointIsMember, (2...8).contains(channel.endpoint.count),
            ConfigValueParser.isDialString(channel.endpoint)
        {
            return Member(extensionNumber: channel.endpoint, user: nil)
        }
        return nil
    }

    /// True when the channel is on a trunk named in `pbx.trunks` (a channel-name prefix or a context).
    public func isTrunk(_ channel: ChannelName, context: String?) -> Bool {
        trunks.contains { trunk in
            channel.name.hasPrefix(trunk) || (context != nil && context == trunk)
        }
    }

    /// True when a party is internal: a member, or a non-trunk endpoint whose name matches the internal pattern.
    public func isInternal(_ channel: ChannelName, context: String?) -> Bool {
        if member(channel, context: context) != nil { return true }
        if channel.isPlumbing || isTrunk(channel, context: context) { return false }
        return numbers.isInternal(channel.endpoint)
    }

    /// `number` without the first dial-code prefix it starts with (when something remains).
    public func withoutDialCode(_ number: String) -> String {
        DialPlan.withoutDialCode(number, codes: dialCodes)
    }
}
