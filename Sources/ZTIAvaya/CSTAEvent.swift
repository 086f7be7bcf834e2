/// A CSTA call-control event from a device monitor, with what the tracker needs (§5 of the reference).
public struct CSTAEvent: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case serviceInitiated, originated, networkReached, delivered, established, failed, diverted, held, retrieved
        case connectionCleared, callCleared, transfered, conferenced, queued
    }

    /// A leg of a transfer or conference: the call it is now in, the one it was in, and its device.
    public struct ConnectionChange: Sendable, Equatable {
        public var newCallID: String?
        public var oldCallID: String?
        public var device: DMCCParty?

        public init(newCallID: String?, oldCallID: String?, device: DMCCParty?) {
            self.newCallID = newCallID
            self.oldCallID = oldCallID
            self.device = device
        }
    }

    public var kind: Kind
    public var monitorCrossRefID: String
    /// The CM call ID of the event's connection (small, reused by CM).
    public var callID: String?
    /// The device of the event's connection (for Delivered: the alerting leg).
    public var connectionDevice: DMCCParty?
    /// Party elements by their name: `callingDevice`, `calledDevice`, `alertingDevice`, `answeringDevice`,
    /// `releasingDevice`, `divertingDevice`, `newDestination`, `transferringDevice`, `transferredToDevice`, ….
    public var parties: [String: DMCCParty]
    /// The state of the monitored device's own connection: `alerting`, `connected`, `initiated`, `null`, ….
    public var localConnectionInfo: String?
    public var cause: String?
    /// The UCID, 20 digits, when the event carries one.
    public var ucid: String?
    /// Transfer and conference: the two calls that were merged.
    public var primaryOldCallID: String?
    public var secondaryOldCallID: String?
    public var connections: [ConnectionChange]

    public init(
        kind: Kind, monitorCrossRefID: String, callID: String? = nil, connectionDevice: DMCCParty? = nil,
        parties: [String: DMCCParty] = [:], localConnectionInfo: String? = nil, cause: String? = nil,
        ucid: String? = nil, primaryOldCallID: String? = nil, secondaryOldCallID: String? = nil,
        connections: [ConnectionChange] = []
    ) {
        self.kind = kind
        self.monitorCrossRefID = monitorCrossRefID
        self.callID = callID
        self.connectionDevice = connectionDevice
        self.parties = parties
        self.localConnectionInfo = localConnectionInfo
        self.cause = cause
        self.ucid = ucid
        self.primaryOldCallID = primaryOldCallID
        self.secondaryOldCallID = secondaryOldCallID
        self.connections = connections
    }

    /// The element holding each kind's own connection.
    static let connectionElement: [Kind: String] = [
        .serviceInitiated: "initiatedConnection", .originated: "originatedConnection",
        .networkReached: "outboundConnection", .delivered: "connection", .established: "establishedConnection",
        .failed: "failedConnection", .diverted: "connection", .held: "heldConnection",
        .retrieved: "retrievedConnection", .connectionCleared: "droppedConnection", .callCleared: "clearedCall",
        .queued: "queuedConnection",
    ]

    static let partyElements: Set<String> = [
        "callingDevice", "calledDevice", "alertingDevice", "answeringDevice", "releasingDevice", "divertingDevice",
        "newDestination", "transferringDevice", "transferredToDevice", "conferencingDevice", "addedParty",
        "lastRedirectionDevice", "failingDevice", "holdingDevice", "retrievingDevice", "originatingDevice",
        "initiatingDevice", "networkInterfaceUsed", "queue",
    ]

    /// Reads an event element (`DeliveredEvent`, …); nil for an element that is not a call-control event.
    ///
    /// - Throws: ``ZTIAvayaError`` (`xmlMalformed`) for an event without its `monitorCrossRefID`.
    public init?(_ element: DMCCElement) throws(ZTIAvayaError) {
        guard element.name.hasSuffix("Event"), let first = element.name.first else { return nil }
        let base = first.lowercased() + element.name.dropFirst().dropLast("Event".count)
        guard let kind = Kind(rawValue: base) else { return nil }
        let crossRef = element.child("monitorCrossRefID")?.trimmedText ?? ""
        guard !crossRef.isEmpty else {
            throw ZTIAvayaError(.xmlMalformed, "a \(element.name) without its monitorCrossRefID")
        }
        // One pass over the children: each party element's first occurrence is the one read.
        var parties: [String: DMCCParty] = [:]
        var seen: Set<String> = []
        for child in element.children where Self.partyElements.contains(child.name) && seen.insert(child.name).inserted
        {
            if let party = DMCCParty(child) { parties[child.name] = party }
        }
        let connection = Self.connectionElement[kind].flatMap { element.child($0) }
        var connections: [ConnectionChange] = []
        for list in ["transferredConnections", "conferenceConnections"] {
            for item in element.child(list)?.children ?? [] {
                connections.append(
                    ConnectionChange(
                        newCallID: item.child(at: "newConnection", "callID")?.trimmedText,
                        oldCallID: item.child(at: "oldConnection", "callID")?.trimmedText,
                        device: DMCCParty(item.child("endpoint"))
                            ?? DMCCParty(item.child(at: "newConnection", "deviceID"))))
            }
        }
        let ucid = element.first("globallyUniqueCallLinkageID")?.trimmedText
        self.init(
            kind: kind, monitorCrossRefID: crossRef,
            callID: (connection?.child("callID") ?? (kind == .callCleared ? connection : nil))?.trimmedText,
            connectionDevice: DMCCParty(connection?.child("deviceID")), parties: parties,
            localConnectionInfo: element.child("localConnectionInfo")?.trimmedText,
            cause: element.child("cause")?.trimmedText, ucid: ucid?.isEmpty == false ? ucid : nil,
            primaryOldCallID: element.child(at: "primaryOldCall", "callID")?.trimmedText,
            secondaryOldCallID: element.child(at: "secondaryOldCall", "callID")?.trimmedText,
            connections: connections)
    }
}
