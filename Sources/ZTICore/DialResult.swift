/// The answer to a ``DialRequest`` (the `DIAL_RESULT` frame).
public struct DialResult: Sendable, Equatable, Codable {
    /// The request's id.
    public let clickToDialId: String
    /// The group the request was routed to, when known.
    public let group: String?
    /// What happened.
    public let status: DialStatus
    /// Why, for `refused` and failures: a line for the administrator and the CRM user.
    public let reason: String?

    /// Creates a result.
    public init(clickToDialId: String, group: String?, status: DialStatus, reason: String? = nil) {
        self.clickToDialId = clickToDialId
        self.group = group
        self.status = status
        self.reason = reason
    }
}
