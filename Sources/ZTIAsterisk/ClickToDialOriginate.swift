import FoundationEssentials
import ZTICore

/// Builds the `Originate` of a click-to-dial request: the member's phone is called first on the group's channel
/// template; once it answers, the number is dialled in the originate context. Always `Async`.
public enum ClickToDialOriginate {
    /// The action for `request`, whose number is final: it is re-checked here and never prefixed.
    ///
    /// - Throws: ``ZTICoreError`` when the request breaks the dial rules, ``ZTIAsteriskError`` when the action
    ///   cannot be encoded safely.
    public static func action(for request: DialRequest, settings: OriginateSettings, actionID: String) throws
        -> AMIAction
    {
        try request.validate()
        let channel = settings.channel.replacing("{ext}", with: request.extension)
        let milliseconds =
            settings.timeout.components.seconds * 1000
            + settings.timeout.components.attoseconds / 1_000_000_000_000_000
        return AMIAction(
            "Originate", actionID: actionID,
            headers: [
                AMIHeader("Channel", channel), AMIHeader("Context", settings.context),
                AMIHeader("Exten", request.number), AMIHeader("Priority", "1"),
                // The member's phone shows the number it is about to call; the member's own number stays the
                // caller id the far end sees (unless the dialplan sets another).
                AMIHeader("CallerID", "\"\(request.number)\" <\(request.extension)>"),
                AMIHeader("Timeout", String(milliseconds)), AMIHeader("Async", "true"),
            ],
            variables: [(ClickToDialCorrelation.variable, request.clickToDialId)])
    }

    /// The final result an `OriginateResponse: Failure` reports (its `Reason` is the first leg's outcome).
    public static func failure(reason: String?) -> DialStatus {
        switch reason {
        case "1": .rejected
        case "3": .noAnswer
        case "5": .busy
        case "8": .congestion
        default: .failed
        }
    }

    /// The final result a call event of the request's outbound lifecycle decides, if it decides one.
    public static func result(of event: CallEvent) -> DialStatus? {
        switch event.state {
        case .answered: .answered
        case .failed: DialStatus(failure: event.cause ?? .failed)
        case .ended: .noAnswer
        case .ringing, .missed, .transferred: nil
        }
    }
}
