import ZTICore

/// The final `DIAL_RESULT` of each click-to-dial `MakeCall`, read from the CSTA events of its call at the member's
/// monitor: `answered` when the far end answers, the failure's cause, or `noAnswer` when the member's own phone is
/// never answered (CM clears the call before it is originated) or the far end never answers.
public struct AvayaDialOutcomes: Sendable {
    public let group: String
    private struct Pending: Sendable {
        let clickToDialId: String
        let member: String
        var originated = false
        var trunk = false
    }

    private var pending: [String: Pending] = [:]

    public init(group: String) {
        self.group = group
    }

    public var pendingCount: Int { pending.count }

    /// A `MakeCall` for `member` was answered with `callID`.
    public mutating func started(callID: String, member: String, clickToDialId: String) {
        pending[callID] = Pending(clickToDialId: clickToDialId, member: member)
    }

    /// The final result `event` (seen at `member`'s monitor) settles, if any.
    public mutating func observe(_ event: CSTAEvent, member: String) -> DialResult? {
        guard let callID = event.callID, var request = pending[callID], request.member == member else { return nil }
        func settle(_ status: DialStatus, _ reason: String?) -> DialResult {
            pending[callID] = nil
            return DialResult(clickToDialId: request.clickToDialId, group: group, status: status, reason: reason)
        }
        switch event.kind {
        case .originated:
            request.originated = true
        case .networkReached:
            request.trunk = true
        case .established:
            if request.originated, event.parties["answeringDevice"]?.isNumber(member) == false {
                return settle(.answered, nil)
            }
        case .failed:
            if event.parties["failingDevice"]?.isNumber(member) == false {
                let cause = event.cause.flatMap { CallCause(cstaCause: $0) } ?? .failed
                return settle(DialStatus(failure: cause), "the call failed (\(event.cause ?? "no cause given"))")
            }
        case .connectionCleared, .callCleared:
            let mine =
                event.kind == .callCleared || event.connectionDevice?.isNumber(member) == true
                || event.parties["releasingDevice"]?.isNumber(member) == true
            guard mine else { break }
            if !request.originated { return settle(.noAnswer, "the member's phone was not answered") }
            return settle(
                .noAnswer,
                request.trunk
                    ? "the trunk gave no answer signal before the call ended" : "nobody answered")
        default:
            break
        }
        pending[callID] = request
        return nil
    }

    /// Settles a request AES never gave an outcome for (the worker decides when).
    public mutating func expire(_ clickToDialId: String) -> DialResult? {
        guard let callID = pending.first(where: { $0.value.clickToDialId == clickToDialId })?.key else { return nil }
        pending[callID] = nil
        return DialResult(
            clickToDialId: clickToDialId, group: group, status: .failed, reason: "AES reported no outcome in time")
    }
}
