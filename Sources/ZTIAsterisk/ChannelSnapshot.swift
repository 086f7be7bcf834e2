/// What an event says about one channel (a 12+ snapshot block, or the fields of an older event).
public struct ChannelSnapshot: Sendable, Equatable {
    public var uniqueid: String
    public var name: String?
    public var state: AMIChannelState?
    public var callerNumber: String?
    public var callerName: String?
    public var connectedNumber: String?
    public var exten: String?
    public var context: String?
    public var linkedid: String?

    /// Creates a snapshot.
    public init(
        uniqueid: String, name: String? = nil, state: AMIChannelState? = nil, callerNumber: String? = nil,
        callerName: String? = nil, connectedNumber: String? = nil, exten: String? = nil, context: String? = nil,
        linkedid: String? = nil
    ) {
        self.uniqueid = uniqueid
        self.name = name
        self.state = state
        self.callerNumber = callerNumber
        self.callerName = callerName
        self.connectedNumber = connectedNumber
        self.exten = exten
        self.context = context
        self.linkedid = linkedid
    }
}
