/// How a click-to-dial request is tied to its channels in every family: the worker's `Originate` carries
/// `Variable: ZTI_CLICKTODIAL=<id>`; the first channel named like its `Channel:` template, or the `Uniqueid`
/// of the matching `OriginateResponse`, is the member's first leg.
enum ClickToDialCorrelation {
    /// The channel variable that carries the click-to-dial id.
    static let variable = "ZTI_CLICKTODIAL"

    static func inputs(_ message: AMIMessage) -> [TrackerInput] {
        switch message.kind {
        case .action:
            guard message["Action"]?.lowercased() == "originate", let actionID = message.actionID,
                let channel = message["Channel"]
            else { return [] }
            for variable in message.values("Variable") {
                for assignment in variable.split(separator: ",") where assignment.hasPrefix(Self.variable + "=") {
                    let id = String(assignment.dropFirst(Self.variable.count + 1))
                    return [
                        .clickToDialSent(
                            actionID: actionID, clickToDialId: id, channelPrefix: channel, exten: message["Exten"])
                    ]
                }
            }
            return []
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
