/// Asks a supervisor (or the uploader) for its status.
public struct StatusRequest: Sendable, Equatable, Codable {
    /// Creates a request.
    public init() {}
}
