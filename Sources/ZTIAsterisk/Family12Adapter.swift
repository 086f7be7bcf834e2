/// Asterisk 12+ (AMI 2.0 and later): every channel event carries a snapshot; calls share a `Linkedid`;
/// `DialBegin`/`DialEnd` name each destination; `BridgeEnter` means talking; transfers have their own events.
enum Family12Adapter {
    static func inputs(_ message: AMIMessage) -> [TrackerInput] {
        if message.kind == .action { return ClickToDialCorrelation.inputs(message) }
        if let begin = ResyncListStart.input(message) { return [begin] }
        guard message.kind == .event, let name = message.eventName else { return [] }
        switch name.lowercased() {
        case "newchannel", "newstate", "newcallerid", "newconnectedline", "newaccountcode", "varset":
            return snapshot(message).map { [.channel($0)] } ?? []
        case "dialbegin":
            guard let destination = snapshot(message, prefix: "Dest") else { return [] }
            return [.dialBegin(caller: snapshot(message), destination: destination, dialString: message["DialString"])]
        case "dialstate":
            guard let destination = snapshot(message, prefix: "Dest"),
                message["DialStatus"]?.uppercased() == "RINGING"
            else { return [] }
            return [.destinationRinging(destination)]
        case "dialend":
            guard let status = message["DialStatus"] else { return [] }
            return [.dialEnd(caller: snapshot(message), destination: snapshot(message, prefix: "Dest"), status: status)]
        case "bridgeenter":
            guard let bridge = message["BridgeUniqueid"], let channel = snapshot(message) else { return [] }
            return [.bridgeEnter(bridge: bridge, channel: channel)]
        case "bridgeleave":
            guard let bridge = message["BridgeUniqueid"], let channel = snapshot(message) else { return [] }
            return [.bridgeLeave(bridge: bridge, channel: channel)]
        case "hangup":
            guard let channel = snapshot(message) else { return [] }
            return [.hangup(channel, cause: message["Cause"].flatMap { Int($0) })]
        case "rename":
            guard let uniqueid = message["Uniqueid"], let newName = message["Newname"] else { return [] }
            return [.rename(uniqueid: uniqueid, newName: newName)]
        case "localbridge", "localoptimizationbegin":
            guard let one = message["LocalOneUniqueid"], let two = message["LocalTwoUniqueid"] else { return [] }
            return [.sameCall(one, two)]
        case "blindtransfer":
            guard message["Result"]?.lowercased() == "success", let transferer = snapshot(message, prefix: "Transferer")
            else { return [] }
            return [.blindTransfer(transferer: transferer, target: message["Extension"] ?? "unknown")]
        case "attendedtransfer":
            guard message["Result"]?.lowercased() == "success",
                let original = snapshot(message, prefix: "OrigTransferer"),
                let second = snapshot(message, prefix: "SecondTransferer")
            else { return [] }
            return [
                .attendedTransfer(
                    originalTransferer: original, secondTransferer: second,
                    target: snapshot(message, prefix: "TransferTarget"))
            ]
        case "coreshowchannel":
            guard let channel = snapshot(message) else { return [] }
            let bridge = message["BridgeId"].flatMap { $0.isEmpty ? nil : $0 }
            let isCaller = channel.linkedid == nil || channel.linkedid == channel.uniqueid
            return [.resyncChannel(key: message.actionID ?? "resync", channel, bridge: bridge, isCaller: isCaller)]
        case "coreshowchannelscomplete":
            return [.resyncEnd(key: message.actionID ?? "resync")]
        case "originateresponse":
            return ClickToDialCorrelation.inputs(message)
        default:
            return []
        }
    }

    /// The snapshot block with `prefix` (`""`, `Dest`, `Transferer`, …); nil when it has no Uniqueid. One pass
    /// over the headers, since a 12+ event carries a dozen fields per snapshot.
    static func snapshot(_ message: AMIMessage, prefix: String = "") -> ChannelSnapshot? {
        var snapshot = ChannelSnapshot(uniqueid: "")
        for header in message.headers {
            var name = Substring(header.name)
            if !prefix.isEmpty {
                guard name.hasPrefix(prefix) else { continue }
                name = name.dropFirst(prefix.count)
            }
            switch name.lowercased() {
            case "uniqueid": if snapshot.uniqueid.isEmpty { snapshot.uniqueid = header.value }
            case "channel": snapshot.name = snapshot.name ?? header.value
            case "channelstate": snapshot.state = snapshot.state ?? Int(header.value)
            case "calleridnum": snapshot.callerNumber = snapshot.callerNumber ?? header.value
            case "calleridname": snapshot.callerName = snapshot.callerName ?? header.value
            case "connectedlinenum": snapshot.connectedNumber = snapshot.connectedNumber ?? header.value
            case "exten": snapshot.exten = snapshot.exten ?? header.value
            case "context": snapshot.context = snapshot.context ?? header.value
            case "linkedid": snapshot.linkedid = snapshot.linkedid ?? header.value
            default: break
            }
        }
        return snapshot.uniqueid.isEmpty ? nil : snapshot
    }
}
