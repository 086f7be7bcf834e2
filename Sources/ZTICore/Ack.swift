/// Event ids committed to the spool, with the group whose worker sent them: the uploader sends one per group, the
/// supervisor relays it to that group's worker without reading the ids.
public struct Ack: Sendable, Equatable, Codable {
    /// The acknowledged event ids.
    public let ids: [String]
    /// The group the events belong to (protocol 3 and later; an uploader of an earlier protocol leaves it out).
    public let group: String?

    /// Creates an ack.
    public init(ids: [String], group: String? = nil) {
        self.ids = ids
        self.group = group
    }
}
