/// Asterisk 1.4 (AMI 1.0) and 1.6–11 (AMI 1.1–1.3): no Linkedid, so calls are unions of `Dial` legs, bridges,
/// Local halves and masquerades; the adapter keeps the channel-name index those events need.
///
/// 1.6–11: `Dial` with `SubEvent: Begin/End` (End names only the caller), `Bridge` with `Bridgestate`,
/// `LocalBridge`, `Masquerade`, chan_sip `Transfer`, `CoreShowChannel` for re-sync. 1.4: `Dial` (no end),
/// `Link`/`Unlink`, `State` as text, `CallerID` for the number in `Newstate`, the dialled number only in the
/// first `Newexten`, `Status` for re-sync.
struct LegacyFamilyAdapter: Sendable {
    let family: AMIFamily
    private var uniqueidByName: [String: String] = [:]
    private var localHalves: [String: String] = [:]
    /// The newest `;1` half per Local target (`Local/102@from-queue`), for a 1.4 AgentCalled that names only the
    /// queue member's interface.
    private var newestLocalByTarget: [String: String] = [:]
    /// 1.4: the caller of each dialled leg, for the outcome its hangup cause reports.
    private var dialledBy: [String: String] = [:]
    /// The channel each channel is linked with, for masquerades that carry an attended transfer (1.4).
    private var linkedWith: [String: String] = [:]

    init(family: AMIFamily) {
        self.family = family
    }

    mutating func inputs(_ message: AMIMessage) -> [TrackerInput] {
        if message.kind == .action { return ClickToDialCorrelation.inputs(message) }
        if let begin = ResyncListStart.input(message) { return [begin] }
        guard message.kind == .event, let name = message.eventName else { return [] }
        switch name.lowercased() {
        case "newchannel":
            guard let snapshot = snapshot(message) else { return [] }
            var inputs: [TrackerInput] = [.channel(snapshot)]
            if let other = pairLocalHalf(snapshot) { inputs.append(.sameCall(other, snapshot.uniqueid)) }
            return inputs
        case "newexten" where family == .v14:
            guard let snapshot = snapshot(message) else { return [] }
            return [.channel(snapshot), .dialplanStep(uniqueid: snapshot.uniqueid, exten: message["Extension"])]
        case "newstate", "newcallerid", "newexten":
            return snapshot(message).map { [.channel($0)] } ?? []
        case "dial":
            return dial(message)
        case "bridge", "link", "unlink":
            return bridge(message, event: name.lowercased())
        case "localbridge":
            guard let one = message["Uniqueid1"], let two = message["Uniqueid2"] else { return [] }
            return [.sameCall(one, two)]
        case "pickup":
            // 1.6–11 name both channels only by name.
            guard let picker = message["Channel"].flatMap({ uniqueidByName[$0] }),
                let target = message["TargetChannel"].flatMap({ uniqueidByName[$0] })
            else { return [] }
            return [.pickup(picker: ChannelSnapshot(uniqueid: picker), target: target)]
        case "masquerade":
            guard let clone = message["Clone"].flatMap({ uniqueidByName[$0] }),
                let original = message["Original"].flatMap({ uniqueidByName[$0] })
            else { return [] }
            return [.masquerade(original: original, clone: clone)]
        case "rename":
            let oldName = message["Oldname"] ?? message["Channel"]
            guard let newName = message["Newname"], let uniqueid = message["Uniqueid"] else { return [] }
            if let oldName, uniqueidByName[oldName] == uniqueid { uniqueidByName.removeValue(forKey: oldName) }
            var inputs: [TrackerInput] = []
            // 1.4 masquerade: the clone becomes NAME<MASQ>, then the original takes NAME. When the clone was
            // talking to a member (X1) and the original is that member's other channel (X2), X1 transferred
            // the clone's party to whoever X2 talks to: an attended transfer, which 1.4 reports no other way.
            if family == .v14, let clone = uniqueidByName[newName + "<MASQ>"], clone != uniqueid,
                let transferer = linkedWith[clone], transferer != uniqueid
            {
                inputs.append(
                    .attendedTransfer(
                        originalTransferer: ChannelSnapshot(uniqueid: transferer),
                        secondTransferer: ChannelSnapshot(uniqueid: uniqueid), target: nil))
            }
            uniqueidByName[newName] = uniqueid
            inputs.append(.rename(uniqueid: uniqueid, newName: newName))
            // 1.4 pickup (no Pickup event): the picker's channel, talking to nobody, is the clone; the ringing leg
            // it took over takes its name. The tracker acts only when that leg was a member's ringing one.
            if family == .v14, let clone = uniqueidByName[newName + "<MASQ>"], clone != uniqueid,
                linkedWith[clone] == nil, !newName.hasSuffix(">")
            {
                inputs.append(.pickup(picker: ChannelSnapshot(uniqueid: uniqueid, name: newName), target: uniqueid))
            }
            // The original goes on as the clone's party (1.6–11 say so with a Masquerade event).
            if family == .v14, let clone = uniqueidByName[newName + "<MASQ>"], clone != uniqueid,
                !newName.hasSuffix(">")
            {
                inputs.append(.masquerade(original: uniqueid, clone: clone))
            }
            return inputs
        case "hangup":
            guard let snapshot = snapshot(message) else { return [] }
            if let channel = snapshot.name, uniqueidByName[channel] == snapshot.uniqueid {
                uniqueidByName.removeValue(forKey: channel)
            }
            localHalves = localHalves.filter { $0.value != snapshot.uniqueid }
            linkedWith[snapshot.uniqueid] = nil
            let cause = message["Cause"].flatMap { Int($0) }
            var inputs: [TrackerInput] = []
            if let caller = dialledBy.removeValue(forKey: snapshot.uniqueid), let cause, family == .v14 {
                inputs.append(.destinationHungUp(caller: caller, destination: snapshot.uniqueid, cause: cause))
            }
            return inputs + [.hangup(snapshot, cause: cause)]
        case "transfer":
            return transfer(message)
        case "agentcalled":
            // With eventwhencalled=yes a queue names the member channel it rings: a dial leg of the caller. 1.4
            // names only the caller's channel and the member's interface (a Local one: its newest `,1` half).
            guard let callerId = message["Uniqueid"] ?? message["ChannelCalling"].flatMap({ uniqueidByName[$0] })
            else { return [] }
            var destinationName = message["DestinationChannel"]
            var destinationId = destinationName.flatMap { uniqueidByName[$0] }
            if destinationId == nil, let interface = message["AgentCalled"], interface.lowercased().hasPrefix("local/")
            {
                let target = interface.split(separator: "/", omittingEmptySubsequences: false).prefix(2)
                    .joined(separator: "/")
                destinationId = newestLocalByTarget[target]
                destinationName = destinationName ?? uniqueidByName.first { $0.value == destinationId }?.key
            }
            guard let destinationId, let destinationName, destinationId != callerId else { return [] }
            let callerNumber = message["CallerIDNum"] ?? message["CallerID"]
            return [
                .dialBegin(
                    caller: ChannelSnapshot(uniqueid: callerId, name: message["ChannelCalling"]),
                    destination: ChannelSnapshot(
                        uniqueid: destinationId, name: destinationName, connectedNumber: callerNumber),
                    dialString: message["AgentCalled"])
            ]
        case "agentringnoanswer":
            guard let name = message["Channel"], let destinationId = uniqueidByName[name] else { return [] }
            return [
                .dialEnd(
                    caller: message["Uniqueid"].map { ChannelSnapshot(uniqueid: $0) },
                    destination: ChannelSnapshot(uniqueid: destinationId, name: name), status: .noAnswer)
            ]
        case "coreshowchannel", "status":
            return resync(message)
        case "coreshowchannelscomplete", "statuscomplete":
            return [.resyncEnd(key: message.actionID ?? "resync")]
        case "originateresponse":
            return ClickToDialCorrelation.inputs(message)
        default:
            return []
        }
    }

    /// The fields of an older event that describe its channel.
    private mutating func snapshot(_ message: AMIMessage) -> ChannelSnapshot? {
        guard let uniqueid = message["Uniqueid"], !uniqueid.isEmpty else { return nil }
        let name = message["Channel"]
        if let name { uniqueidByName[name] = uniqueid }
        var state = message["ChannelState"].flatMap(AMIChannelState.init(number:))
        if state == nil, let text = message["State"] ?? message["ChannelStateDesc"] {
            state = AMIChannelState(description: text)
        }
        let isNewstate =
            message.eventName?.lowercased() == "newstate" || message.eventName?.lowercased() == "newcallerid"
        let callerNumber =
            message["CallerIDNum"] ?? (family == .v14 && isNewstate ? message["CallerID"] : nil)
        return ChannelSnapshot(
            uniqueid: uniqueid, name: name, state: state, callerNumber: callerNumber,
            callerName: message["CallerIDName"], connectedNumber: message["ConnectedLineNum"],
            exten: message["Exten"] ?? message["Extension"], context: message["Context"], linkedid: nil)
    }

    /// A Local channel's `;2` (`,2` in 1.4) half joins the call of its `;1` half.
    private mutating func pairLocalHalf(_ snapshot: ChannelSnapshot) -> String? {
        guard let name = snapshot.name, name.lowercased().hasPrefix("local/"), name.count > 2 else { return nil }
        let base = String(name.dropLast(2))
        let half = name.suffix(2)
        if half == ";1" || half == ",1" {
            localHalves[base] = snapshot.uniqueid
            if let dash = base.lastIndex(of: "-") { newestLocalByTarget[String(base[..<dash])] = snapshot.uniqueid }
            return nil
        }
        return half == ";2" || half == ",2" ? localHalves[base] : nil
    }

    private mutating func dial(_ message: AMIMessage) -> [TrackerInput] {
        let subEvent = message["SubEvent"]?.lowercased()
        let callerId = message["SrcUniqueID"] ?? message["UniqueID"]
        let callerName = message["Source"] ?? message["Channel"]
        if subEvent == "end" {
            guard let callerId, let status = message["DialStatus"] else { return [] }
            return [
                .dialEnd(
                    caller: ChannelSnapshot(uniqueid: callerId, name: callerName), destination: nil,
                    status: AMIDialStatus(status))
            ]
        }
        guard let destinationId = message["DestUniqueID"], let destinationName = message["Destination"] else {
            return []
        }
        uniqueidByName[destinationName] = destinationId
        if let callerId { dialledBy[destinationId] = callerId }
        let callerNumber = message["CallerIDNum"] ?? message["CallerID"]
        let caller = callerId.map { ChannelSnapshot(uniqueid: $0, name: callerName, callerNumber: callerNumber) }
        // The party calling the destination is the caller channel's caller ID: its ConnectedLineNum is the number
        // the caller is connected to (on a Local leg of a queue or follow-me, the Local extension), never the
        // outside caller's.
        let destination = ChannelSnapshot(
            uniqueid: destinationId, name: destinationName,
            connectedNumber: callerNumber.flatMap { CallTrackerCore.isUnknown($0) ? nil : $0 }
                ?? message["ConnectedLineNum"])
        return [.dialBegin(caller: caller, destination: destination, dialString: message["Dialstring"])]
    }

    private mutating func bridge(_ message: AMIMessage, event: String) -> [TrackerInput] {
        guard let first = message["Uniqueid1"], let second = message["Uniqueid2"] else { return [] }
        let linking = event == "link" || (event == "bridge" && message["Bridgestate"]?.lowercased() != "unlink")
        let bridge = "link:" + [first, second].sorted().joined(separator: "+")
        let one = ChannelSnapshot(uniqueid: first, name: message["Channel1"])
        let two = ChannelSnapshot(uniqueid: second, name: message["Channel2"])
        if linking {
            linkedWith[first] = second
            linkedWith[second] = first
            return [
                .sameCall(first, second), .bridgeEnter(bridge: bridge, channel: one),
                .bridgeEnter(bridge: bridge, channel: two),
            ]
        }
        if linkedWith[first] == second { linkedWith[first] = nil }
        if linkedWith[second] == first { linkedWith[second] = nil }
        return [.bridgeLeave(bridge: bridge, channel: one), .bridgeLeave(bridge: bridge, channel: two)]
    }

    /// chan_sip's `Transfer` (1.6–11): `Blind` names the target extension; `Attended` names the transferer's
    /// other channel, whose bridge partner is the target.
    private func transfer(_ message: AMIMessage) -> [TrackerInput] {
        guard let uniqueid = message["Uniqueid"] else { return [] }
        let transferer = ChannelSnapshot(uniqueid: uniqueid, name: message["Channel"])
        if message["TransferType"]?.lowercased() == "blind" {
            return [.blindTransfer(transferer: transferer, target: message["TransferExten"] ?? "unknown")]
        }
        guard let second = message["TargetUniqueid"] else { return [] }
        return [
            .attendedTransfer(
                originalTransferer: transferer,
                secondTransferer: ChannelSnapshot(uniqueid: second, name: message["TargetChannel"]),
                target: nil)
        ]
    }

    /// `CoreShowChannel` (1.6.2+) and `Status` (all): adopt the channel; the caller of a call is the channel
    /// running `Dial` (or, in 1.4, the one whose extension is a dialled number), its legs run `AppDial`.
    private mutating func resync(_ message: AMIMessage) -> [TrackerInput] {
        guard var channel = snapshot(message) else { return [] }
        let application = message["Application"]?.lowercased()
        // Unbridged channels list these keys empty: an empty id names no partner (and must never become a callId).
        let bridgedId = [
            message["BridgedUniqueID"], message["BridgedUniqueid"], message["Link"].flatMap { uniqueidByName[$0] },
        ]
        .compactMap { $0 }.first { !$0.isEmpty }
        let isCaller =
            application == "dial" || application == "queue"
            || (application == nil && (channel.exten.map(CallTrackerCore.looksDialled) ?? false))
        let key = message.actionID ?? "resync"
        var inputs: [TrackerInput] = []
        let bridge = bridgedId.map { "link:" + [channel.uniqueid, $0].sorted().joined(separator: "+") }
        // A leg bridged with its caller keys its call by the caller's Uniqueid, the id the call had before.
        if !isCaller, let bridgedId { channel.linkedid = bridgedId }
        inputs.append(.resyncChannel(key: key, channel, bridge: bridge, isCaller: isCaller))
        if let bridgedId { inputs.append(.sameCall(bridgedId, channel.uniqueid)) }
        return inputs
    }
}
