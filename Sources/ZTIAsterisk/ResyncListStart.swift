/// The reply that opens a re-sync list (`CoreShowChannels`: `EventList: start`; `Status`: "Channel status will
/// follow"), which tells the tracker when the list began.
enum ResyncListStart {
    static func input(_ message: AMIMessage) -> TrackerInput? {
        guard message.kind == .response, let actionID = message.actionID, message.response?.lowercased() == "success"
        else { return nil }
        let text = message["Message"]?.lowercased() ?? ""
        guard message["EventList"]?.lowercased() == "start" || text.contains("will follow") else { return nil }
        return .resyncBegin(key: actionID)
    }
}
