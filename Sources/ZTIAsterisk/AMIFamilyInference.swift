/// The AMI family told by one message, for a stream without a banner (a listener that logged in before the capture
/// began, a `manager set debug` log, an AMI proxy, a capture cut from the middle of a session). A pure function: nil
/// when the message says nothing about the family.
///
/// The markers (the AMI reference's family tables):
/// - 12+: `Linkedid` on channel events; `DialBegin`/`DialEnd`, `BridgeEnter`/`BridgeLeave`/`BridgeCreate`.
/// - 1.6–11: `ChannelState` without `Linkedid`; `Dial` with `SubEvent`; `Bridge` with `Bridgestate`;
///   `Masquerade`; `NewCallerid`; `Rename` with `Channel`.
/// - 1.4: `State` without `ChannelState`; `Link`/`Unlink`; `Newcallerid` (lower-case *id*); `Dial` with
///   `Source`/`Destination` and no `SubEvent`; `Rename` with `Oldname`.
public enum AMIFamilyInference {
    /// How a tracker came to its family.
    public enum Source: String, Sendable, Codable {
        /// The banner named the AMI version.
        case banner
        /// `CoreSettings` answered (or refused as 1.4 does), or the re-sync reply's shape told it.
        case coreSettings = "CoreSettings"
        /// The first call events told it.
        case events
        /// Given by the caller (`ztisup replay --family`).
        case given
        /// Nothing told it before the buffer filled (or the input ended): 12+ was taken.
        case assumed
    }

    /// The family `message` shows, if any.
    public static func family(of message: AMIMessage) -> AMIFamily? {
        if message.kind == .banner { return message.bannerVersion.flatMap(AMIFamily.init(amiVersion:)) }
        guard message.kind == .event, let name = message.eventName else { return nil }
        switch name.lowercased() {
        case "dialbegin", "dialend", "dialstate", "bridgeenter", "bridgeleave", "bridgecreate", "bridgedestroy",
            "bridgemerge", "attendedtransfer", "blindtransfer", "localoptimizationbegin", "newconnectedline":
            return .v12
        case "link", "unlink":
            return .v14
        case "masquerade":
            return .v11
        case "newcallerid":
            if message["Linkedid"] != nil { return .v12 }
            // 1.4 spells it Newcallerid; 1.6–11 NewCallerid (as 12+ does, with Linkedid).
            return name == "Newcallerid" ? .v14 : .v11
        case "dial":
            if message["SubEvent"] != nil { return .v11 }
            if message["Source"] != nil || message["Destination"] != nil { return .v14 }
            return nil
        case "bridge":
            return message["Bridgestate"] != nil ? .v11 : nil
        case "rename":
            if message["Oldname"] != nil { return .v14 }
            return message["Channel"] != nil && message["Newname"] != nil ? .v11 : nil
        default:
            break
        }
        if message["Linkedid"] != nil { return .v12 }
        if message["ChannelState"] != nil { return .v11 }
        if message["State"] != nil, message["Uniqueid"] != nil { return .v14 }
        return nil
    }

    /// The family a `CoreSettings` reply names (`AMIversion`, else the Asterisk version): nil when it names none.
    public static func family(coreSettings reply: AMIMessage) -> AMIFamily? {
        if let version = reply["AMIversion"], let family = AMIFamily(amiVersion: version) { return family }
        guard let version = reply["AsteriskVersion"] else { return nil }
        let parts = version.split(separator: ".").map { Int($0.prefix { $0.isNumber }) }
        guard let major = parts.first ?? nil else { return nil }
        if major >= 12 { return .v12 }
        if major >= 10 { return .v11 }
        guard major == 1, parts.count > 1, let minor = parts[1] else { return nil }
        return minor >= 6 ? .v11 : .v14
    }
}
