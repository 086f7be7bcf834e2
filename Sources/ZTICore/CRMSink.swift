/// Where the uploader delivers call events (`crm.sink`).
public enum CRMSink: String, Sendable, Codable, CaseIterable {
    /// Zoho PhoneBridge v3.
    case zoho
    /// A generic JSON webhook, signed with HMAC-SHA256.
    case webhook
    /// Zammad's CTI webhook (a preset of the generic webhook).
    case zammad
    /// No CRM: calls stay in the local spool.
    case none
}
