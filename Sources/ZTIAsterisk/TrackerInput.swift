import ZTICore

/// The family-neutral facts a family adapter extracts from AMI messages; the tracker core decides on these.
public enum TrackerInput: Sendable, Equatable {
    /// A channel exists (created, changed state or caller id, or seen in a snapshot).
    case channel(ChannelSnapshot)
    /// A dial leg started from `caller` (absent for an Originate's first leg) to `destination`.
    case dialBegin(caller: ChannelSnapshot?, destination: ChannelSnapshot, dialString: String?)
    /// The destination of a dial leg is alerting.
    case destinationRinging(ChannelSnapshot)
    /// A dial leg ended with `status` (ANSWER, BUSY, NOANSWER, CANCEL, …); `destination` is nil when the family
    /// does not say which leg (1.6–11 Dial End).
    case dialEnd(caller: ChannelSnapshot?, destination: ChannelSnapshot?, status: AMIDialStatus)
    /// A channel joined a bridge.
    case bridgeEnter(bridge: String, channel: ChannelSnapshot)
    /// A channel left a bridge.
    case bridgeLeave(bridge: String, channel: ChannelSnapshot)
    /// 1.4 has no dial end: a dialled leg that hung up before answering reports its outcome by its cause.
    case destinationHungUp(caller: String, destination: String, cause: Int)
    /// 1.4: a channel went on in its dialplan (`Newexten`): a Dial it made has returned.
    case dialplanStep(uniqueid: String, exten: String?)
    /// Two channels are one call (Local halves, a 1.x Link, a re-sync's bridged pair).
    case sameCall(String, String)
    /// A masquerade (1.4–11): `original` takes over `clone`'s party (its name, its bridge, its member's call), and
    /// the clone lives on only as a zombie that hangs up.
    case masquerade(original: String, clone: String)
    /// A channel was renamed.
    case rename(uniqueid: String, newName: String)
    /// A channel hung up with a Q.850 cause.
    case hangup(ChannelSnapshot, cause: Int?)
    /// The transferer handed its party to `target` (a blind transfer).
    case blindTransfer(transferer: ChannelSnapshot, target: String)
    /// An attended transfer: the transferer's two channels leave; `target` joins the transferee's call.
    case attendedTransfer(
        originalTransferer: ChannelSnapshot, secondTransferer: ChannelSnapshot, target: ChannelSnapshot?)
    /// A call pickup: the channel `picker` took over the ringing leg `target` (a Uniqueid).
    case pickup(picker: ChannelSnapshot, target: String)
    /// A re-sync list (`key` tells lists apart) begins: channels seen after this are not swept by it.
    case resyncBegin(key: String)
    /// A re-sync list (`key` tells lists apart) lists a channel: the call's caller, or a leg dialled from it.
    case resyncChannel(key: String, ChannelSnapshot, bridge: String?, isCaller: Bool)
    /// A re-sync list ended: tracked channels it did not list are gone.
    case resyncEnd(key: String)
    /// A click-to-dial request was sent for `extension`; the call whose first leg is its channel carries its id.
    case clickToDialSent(actionID: String, clickToDialId: String, channelPrefix: String, exten: String?)
    /// An Originate's first leg answered (`OriginateResponse` Success, whoever sent it): it goes on at `exten`.
    case originateAnswered(uniqueid: String, exten: String?)
    /// The PBX confirmed which channel a click-to-dial request created.
    case clickToDialChannel(actionID: String, uniqueid: String?, channel: String?)
}
