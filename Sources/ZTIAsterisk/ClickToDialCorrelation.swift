/// How a click-to-dial request is tied to its channels in every family: the worker's `Originate` carries
/// `Variable: ZTI_CLICKTODIAL=<id>`; the first channel named like its `Channel:` template, or the `Uniqueid`
/// of the matching `OriginateResponse`, is the member's first leg.
public enum ClickToDialCorrelation {
    /// The channel variable that carries the click-to-dial id.
    public static let variable = "ZTI_CLICKTODIAL"

    /// What the tracker learns from the worker's own `Originate` before it goes: the request's id, the channel
    /// template its first leg is named after, and the number. The worker tells its tracker directly; a transcript
    /// that recorded the action (`ztisup replay`) gives the same input through the same rule.
    public static func sent(_ action: AMIAction) -> TrackerInput? {
        sent(
            name: action.name, actionID: action.actionID,
            headers: action.headers + action.variables.map { AMIHeader("Variable", "\($0.name)=\($0.value)") })
    }

    private static func sent(name: String?, actionID: String?, headers: [AMIHeader]) -> TrackerInput? {
        guard name?.lowercased() == "originate", let actionID,
            let channel = headers.first(where: { $0.name.lowercased() == "channel" })?.value
        else { return nil }
        let exten = headers.first { $0.name.lowercased() == "exten" }?.value
        for header in headers where header.name.lowercased() == "variable" {
            for assignment in header.value.split(separator: ",") where assignment.hasPrefix(Self.variable + "=") {
                let id = String(assignment.dropFirst(Self.variable.count + 1))
                return .clickToDialSent(actionID: actionID, clickToDialId: id, channelPrefix: channel, exten: exten)
            }
        }
        return nil
    }

    static func inputs(_ message: AMIMessage) -> [TrackerInput] {
        switch message.kind {
        case .action:
            return sent(name: message["Action"], actionID: message.actionID, headers: message.headers).map { [$0] }
                ?? []
        case .event:
            var inputs: [TrackerInput] = []
            // Any client's Originate (a CRM connector's click-to-dial too): its leg goes on at the Exten it gave.
            if message["Response"]?.lowercased() == "success", let uniqueid = message["Uniqueid"] {
                inputs.append(.originateAnswered(uniqueid: uniqueid, exten: message["Exten"]))
            }
            guard let actionID = message.actionID else { return inputs }
            return inputs + [
                .clickToDialChannel(actionID: actionID, uniqueid: message["Uniqueid"], channel: message["Channel"])
            ]
        default:
            return []
        }
    }
}
