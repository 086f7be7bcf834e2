import ZTICore

/// The answer to one action: its `Response:` message, and for list actions the events that carried its ActionID
/// up to the `…Complete` event.
public struct AMIReply: Sendable {
    /// The `Response:` message.
    public let response: AMIMessage
    /// The list items, for list actions.
    public let items: [AMIMessage]

    /// True for `Response: Success` (and the 1.4 `Pong`, `Follows`, `Events On/Off`).
    public var isSuccess: Bool {
        guard let value = response.response?.lowercased() else { return false }
        return value != "error" && value != "failure"
    }

    /// The `Message:` text, safe to print (control characters escaped, cut when long): it goes into log lines and
    /// status.
    public var message: String { Untrusted.shown(response["Message"] ?? "") }

    /// Refused for a write class the AMI user lacks (`Permission denied`).
    public var isPermissionDenied: Bool { message.lowercased().contains("permission denied") }

    /// An action this Asterisk does not have (`Invalid/unknown command`): 1.4 answers so to `CoreSettings`.
    public var isUnknownCommand: Bool { message.lowercased().contains("invalid/unknown command") }
}
