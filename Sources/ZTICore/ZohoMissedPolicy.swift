/// How many Zoho `missed` notifications a call nobody answered produces (`crm.zoho.missed`).
public enum ZohoMissedPolicy: String, Sendable, Codable, CaseIterable {
    /// One per call (the default).
    case percall
    /// One per member that rang.
    case permember
}
