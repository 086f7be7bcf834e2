/// One member extension's lifecycle in one call: what the spool groups an event's states by, and what the
/// delivery rules ("one missed per call", "nothing after the end") are decided over.
public struct LifecycleKey: Hashable, Sendable, CustomStringConvertible {
    public let group: String
    public let callId: String
    public let extensionNumber: String
    public let attempt: Int

    public init(group: String, callId: String, extensionNumber: String, attempt: Int) {
        self.group = group
        self.callId = callId
        self.extensionNumber = extensionNumber
        self.attempt = attempt
    }

    /// The lifecycle `event` belongs to.
    public init(_ event: CallEvent) {
        self.init(group: event.group, callId: event.callId, extensionNumber: event.extension, attempt: event.attempt)
    }

    /// `group/callId/extension/attempt`, as the spool stores it.
    public var description: String { "\(group)/\(callId)/\(extensionNumber)/\(attempt)" }
}
