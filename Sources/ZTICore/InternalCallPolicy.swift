/// Whether member-to-member calls reach the CRM (`crm.internal`).
public enum InternalCallPolicy: String, Sendable, Codable, CaseIterable {
    /// Internal calls stay in the spool only (the default).
    case skip
    /// Internal calls are delivered like the others.
    case send
}
