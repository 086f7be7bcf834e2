/// Which way a call goes, from the group's point of view.
public enum CallDirection: String, Sendable, Codable, CaseIterable {
    /// An outside party called a member.
    case inbound
    /// A member called an outside party.
    case outbound
    /// A member called a member or another internal party.
    case `internal`
}
