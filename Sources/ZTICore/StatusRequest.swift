/// Asks a supervisor (or the uploader) for its status.
public struct StatusRequest: Sendable, Equatable, Codable {
    /// Asks the uploader to check the CRM with what it already holds (Zoho: its current access token, never
    /// refreshed for this) and to put the result in its `STATUS` (`crmCheck`), for `ztisup check-config --connect`.
    /// Absent from the supervisors' periodic requests; an uploader of protocol 3 or earlier ignores it.
    public var checkCRM: Bool?

    /// Creates a request.
    public init(checkCRM: Bool? = nil) {
        self.checkCRM = checkCRM
    }
}
