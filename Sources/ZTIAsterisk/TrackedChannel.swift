import ZTICore

/// What the tracker knows of one live channel.
struct TrackedChannel: Sendable {
    let uniqueid: String
    var name: ChannelName
    var state = AMIChannelState.down
    var callerNumber: String?
    var callerName: String?
    var connectedNumber: String?
    /// The first dialled-number-like `Exten` (the DID of a trunk channel, the digits a phone dialled).
    var exten: String?
    var context: String?
    var call: Int
    /// When the channel was last mentioned, so that a re-sync does not sweep a channel born during its list.
    var lastSeen = EventTime(millisecondsSinceEpoch: 0)
    /// Created by a dial leg (or an Originate), as opposed to a channel that called in.
    var isDestination = false
    /// The first leg of a click-to-dial request: the member's own phone, rung before the customer is dialled.
    var isOriginateLeg = false
    /// The channel dialled a leg.
    var isCaller = false
    /// The channel went Ringing (an outgoing channel whose far end alerted).
    var wasAlerted = false
    /// A `DialEnd ANSWER` named this channel as the destination.
    var destinationAnswered = false
    var bridges: Set<String> = []
    /// The channel it was last bridged with, for transfers that only show as a re-dial (1.4).
    var lastPartner: String?
    var clickToDialId: String?
    /// In a call the tracker split off (an attended transfer's consultation): its Linkedid, the customer call's,
    /// no longer says which call it belongs to.
    var isPinned = false

    /// True when the channel is a party's device, not a Local half or other plumbing.
    var isEndpoint: Bool { !name.isPlumbing }
}
