import ZTICore

/// Decides the final result of each click-to-dial request from what the worker sees: the `Originate` it sent
/// (told by ``sent(actionID:clickToDialId:)``), the `OriginateResponse` (a failure is final:
/// the member's phone was not answered), and the call events of the request's outbound lifecycle (answered,
/// failed with a cause, or ended without an answer). A pure value: feed it, collect results.
public struct ClickToDialOutcomes: Sendable {
    /// The group results are reported for.
    public let group: String
    private var idsByActionID: [String: String] = [:]
    private var open: Set<String> = []

    /// Outcomes for the requests of `group`.
    public init(group: String) {
        self.group = group
    }

    /// Requests sent whose final result is not known yet.
    public var pendingCount: Int { open.count }

    /// Learns of a request whose `Originate` (with `actionID`) is about to be sent.
    public mutating func sent(actionID: String, clickToDialId: String) {
        idsByActionID[actionID] = clickToDialId
        open.insert(clickToDialId)
    }

    /// Settles a request whose Originate failed.
    public mutating func observe(_ message: AMIMessage) -> DialResult? {
        switch message.kind {
        case .event where message.isEvent(named: "OriginateResponse"):
            guard let actionID = message.actionID, let id = idsByActionID.removeValue(forKey: actionID) else {
                return nil
            }
            guard message["Response"]?.lowercased() == "failure", open.remove(id) != nil else { return nil }
            let status = ClickToDialOriginate.failure(reason: message["Reason"])
            return DialResult(clickToDialId: id, group: group, status: status, reason: Self.reason(status))
        default:
            return nil
        }
    }

    /// Settles a request from an event of its outbound lifecycle.
    public mutating func observe(_ event: CallEvent) -> DialResult? {
        guard let id = event.clickToDialId, open.contains(id), let status = ClickToDialOriginate.result(of: event)
        else { return nil }
        open.remove(id)
        return DialResult(
            clickToDialId: id, group: group, status: status, reason: status == .answered ? nil : Self.reason(status))
    }

    /// Settles a request the PBX never confirmed in time (the worker decides when).
    public mutating func expire(_ clickToDialId: String) -> DialResult? {
        guard open.remove(clickToDialId) != nil else { return nil }
        return DialResult(
            clickToDialId: clickToDialId, group: group, status: .failed, reason: "the PBX reported no outcome in time")
    }

    static func reason(_ status: DialStatus) -> String {
        switch status {
        case .noAnswer: "nobody answered"
        case .busy: "the line was busy"
        case .rejected: "the call was rejected"
        case .congestion: "the network was congested"
        case .unavailable: "the phone or line is unavailable"
        case .invalid: "the number is invalid"
        default: "the call failed"
        }
    }
}
