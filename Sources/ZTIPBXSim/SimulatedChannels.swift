import ZTIAsterisk

/// The channels alive in the simulated PBX, kept from the events it plays, so that `CoreShowChannels` and
/// `Status` answer with what a real Asterisk would list.
struct SimulatedChannels: Sendable {
    struct Channel: Sendable {
        var fields: [String: String]
        var bridge: String?
        var bridgedWith: String?
        /// `Dial` for a channel that dials, `AppDial` for a leg it dialled, as Asterisk lists them.
        var application: String?
    }

    private(set) var channels: [String: Channel] = [:]
    private(set) var order: [String] = []

    mutating func apply(_ message: AMIMessage) {
        guard message.kind == .event, let name = message.eventName?.lowercased() else { return }
        let uniqueid = message["Uniqueid"]
        switch name {
        case "newchannel":
            guard let uniqueid else { return }
            channels[uniqueid] = Channel(fields: Self.fields(message))
            order.append(uniqueid)
        case "newstate", "newcallerid", "newconnectedline":
            guard let uniqueid, channels[uniqueid] != nil else { return }
            channels[uniqueid]!.fields.merge(Self.fields(message)) { _, new in new }
        case "newexten":
            guard let uniqueid, channels[uniqueid] != nil else { return }
            if let context = message["Context"] { channels[uniqueid]!.fields["Context"] = context }
            if let exten = message["Extension"], channels[uniqueid]!.fields["Exten"] == nil {
                channels[uniqueid]!.fields["Exten"] = exten
            }
        case "dial", "dialbegin":
            guard message["SubEvent"]?.lowercased() != "end" else { return }
            let caller = message["SrcUniqueID"] ?? message["UniqueID"]
            if let caller { channels[caller]?.application = "Dial" }
            if let destination = message["DestUniqueID"] { channels[destination]?.application = "AppDial" }
        case "bridgeenter":
            if let uniqueid { channels[uniqueid]?.bridge = message["BridgeUniqueid"] }
        case "bridgeleave":
            if let uniqueid { channels[uniqueid]?.bridge = nil }
        case "link", "bridge":
            guard let one = message["Uniqueid1"], let two = message["Uniqueid2"] else { return }
            let linked = name == "link" || message["Bridgestate"]?.lowercased() != "unlink"
            channels[one]?.bridgedWith = linked ? two : nil
            channels[two]?.bridgedWith = linked ? one : nil
        case "unlink":
            guard let one = message["Uniqueid1"], let two = message["Uniqueid2"] else { return }
            channels[one]?.bridgedWith = nil
            channels[two]?.bridgedWith = nil
        case "rename":
            if let uniqueid, let newName = message["Newname"] { channels[uniqueid]?.fields["Channel"] = newName }
        case "hangup":
            guard let uniqueid else { return }
            channels.removeValue(forKey: uniqueid)
            order.removeAll { $0 == uniqueid }
        default:
            break
        }
    }

    mutating func reset() {
        channels = [:]
        order = []
    }

    private static func fields(_ message: AMIMessage) -> [String: String] {
        var fields: [String: String] = [:]
        for header in message.headers.dropFirst() where !["Privilege", "Timestamp"].contains(header.name) {
            fields[header.name] = header.value
        }
        if let state = message["State"] { fields["ChannelStateDesc"] = state }
        return fields
    }

    /// The list-reply events for `family`, each carrying `actionID`.
    func listing(family: AMIFamily, actionID: String) -> [[AMIHeader]] {
        order.compactMap { uniqueid -> [AMIHeader]? in
            guard let channel = channels[uniqueid] else { return nil }
            let f = channel.fields
            let name = f["Channel"] ?? ""
            let partner = channel.bridgedWith.flatMap { channels[$0] }
            switch family {
            case .v12:
                var headers = [AMIHeader("Event", "CoreShowChannel"), AMIHeader("ActionID", actionID)]
                for key in [
                    "Channel", "ChannelState", "ChannelStateDesc", "CallerIDNum", "CallerIDName", "ConnectedLineNum",
                    "ConnectedLineName", "Language", "AccountCode", "Context", "Exten", "Priority", "Uniqueid",
                    "Linkedid",
                ] {
                    headers.append(AMIHeader(key, f[key] ?? ""))
                }
                headers += [
                    AMIHeader("Application", channel.application ?? ""), AMIHeader("ApplicationData", ""),
                    AMIHeader("Duration", "00:00:10"),
                    AMIHeader("BridgeId", channel.bridge ?? ""),
                ]
                return headers
            case .v11:
                return [
                    AMIHeader("Event", "CoreShowChannel"), AMIHeader("ActionID", actionID), AMIHeader("Channel", name),
                    AMIHeader("UniqueID", uniqueid), AMIHeader("Context", f["Context"] ?? ""),
                    AMIHeader("Extension", f["Exten"] ?? ""), AMIHeader("Priority", "1"),
                    AMIHeader("ChannelState", f["ChannelState"] ?? "0"),
                    AMIHeader("ChannelStateDesc", f["ChannelStateDesc"] ?? "Down"),
                    AMIHeader("Application", channel.application ?? ""),
                    AMIHeader("ApplicationData", ""), AMIHeader("CallerIDnum", f["CallerIDNum"] ?? ""),
                    AMIHeader("Duration", "00:00:10"), AMIHeader("AccountCode", ""),
                    AMIHeader("BridgedChannel", partner?.fields["Channel"] ?? ""),
                    AMIHeader("BridgedUniqueID", channel.bridgedWith ?? ""),
                ]
            case .v14:
                return [
                    AMIHeader("Event", "Status"), AMIHeader("Privilege", "Call"), AMIHeader("Channel", name),
                    AMIHeader("CallerID", f["CallerIDNum"] ?? ""), AMIHeader("CallerIDNum", f["CallerIDNum"] ?? ""),
                    AMIHeader("CallerIDName", f["CallerIDName"] ?? ""), AMIHeader("Account", ""),
                    // 1.4 lists no application: where a channel is in the dialplan tells a caller (its dialled
                    // number) from a leg it dialled (`s`).
                    AMIHeader("State", f["ChannelStateDesc"] ?? "Down"), AMIHeader("Context", f["Context"] ?? ""),
                    AMIHeader("Extension", channel.application == "AppDial" ? "s" : f["Exten"] ?? ""),
                    AMIHeader("Priority", "1"), AMIHeader("Seconds", "10"),
                    AMIHeader("Link", partner?.fields["Channel"] ?? ""), AMIHeader("Uniqueid", uniqueid),
                    AMIHeader("ActionID", actionID),
                ]
            }
        }
    }
}
