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
            return [
                .dialEnd(
                    caller: snapshot(message), destination: snapshot(message, prefix: "Dest"),
                    status: AMIDialStatus(status))
            ]
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
        case "pickup":
            guard let picker = snapshot(message), let target = message["TargetUniqueid"] else { return [] }
            return [.pickup(picker: picker, target: target)]
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

    static let snapshotKeys = [
        "Uniqueid", "Channel", "ChannelState", "CallerIDNum", "CallerIDName", "ConnectedLineNum", "Exten", "Context",
        "Linkedid",
    ].map { Array($0.utf8) }

    /// The snapshot block with `prefix` (`""`, `Dest`, `Transferer`, …); nil when it has no Uniqueid. One pass over
    /// the headers: a 12+ event carries a dozen fields per snapshot.
    static func snapshot(_ message: AMIMessage, prefix: String = "") -> ChannelSnapshot? {
        let values = message.firstValues(snapshotKeys, prefix: prefix)
        guard let uniqueid = values[0], !uniqueid.isEmpty else { return nil }
        return ChannelSnapshot(
            uniqueid: uniqueid, name: values[1], state: values[2].flatMap(AMIChannelState.init(number:)),
            callerNumber: values[3],
            callerName: values[4], connectedNumber: values[5], exten: values[6], context: values[7],
            linkedid: values[8])
    }
}
