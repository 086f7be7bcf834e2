import Logging
import ZTICore

/// Zoho's `clicktodialerror`: tells the user whose click did not become a call why (the member's phone was not
/// answered, the customer was busy, …), with the code from the architecture's cause table.
public enum ZohoClickToDialError {
    /// Zoho's code for a final result other than `answered`.
    public static func code(_ status: DialStatus) -> String {
        switch status {
        case .busy: "busy"
        case .noAnswer: "noanswer"
        case .rejected: "rejected"
        case .invalid: "invalid"
        case .unavailable, .congestion, .failed, .accepted, .refused, .answered: "notavailable"
        }
    }

    /// The form of the report.
    public static func fields(_ pending: DialRouter.Pending, _ result: DialResult) -> [(name: String, value: String)] {
        [
            ("code", code(result.status)), ("from", pending.request.extension), ("to", pending.requestedNumber),
            ("zohouser", pending.request.user),
            (
                "message",
                result.reason
                    ?? "the call from extension \(pending.request.extension) ended as \(result.status.rawValue)"
            ),
        ]
    }

    /// Reports a final result other than `answered`; tries three times when Zoho cannot be reached.
    public static func report(
        _ pending: DialRouter.Pending, _ result: DialResult, api: PhoneBridgeClient, logger: Logger
    ) async {
        guard result.status != .answered else { return }
        var delay: Duration = .seconds(1)
        for attempt in 1...3 {
            do {
                let reply = try await api.send(.POST, "clicktodialerror", fields: fields(pending, result))
                if reply.isSuccess {
                    logger.info(
                        "click-to-dial \(pending.request.clickToDialId): reported \(code(result.status)) to Zoho")
                    return
                }
                guard reply.status >= 500 || reply.status == 429 || reply.status == 408 else {
                    logger.warning(
                        "Zoho refused clicktodialerror for \(pending.request.clickToDialId): HTTP \(reply.status) \(reply.snippet)"
                    )
                    return
                }
            } catch {
                if attempt == 3 {
                    logger.warning("clicktodialerror for \(pending.request.clickToDialId) not sent: \(error.message)")
                }
            }
            try? await Task.sleep(for: delay)
            delay = delay * 2
        }
    }
}
