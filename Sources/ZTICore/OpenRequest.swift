/// `OPEN_REQUEST`: a supervisor asks the uploader for the open lifecycles of a group before it starts the group's
/// worker (see ``OpenLifecycles``).
public struct OpenRequest: Sendable, Equatable, Codable {
    /// The group key.
    public let group: String

    /// Creates a request.
    public init(group: String) {
        self.group = group
    }
}
