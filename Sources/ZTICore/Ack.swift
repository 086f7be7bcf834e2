/// Event ids committed to the spool; relayed unchanged from the uploader to the worker.
public struct Ack: Sendable, Equatable, Codable {
    /// The acknowledged event ids.
    public let ids: [String]

    /// Creates an ack.
    public init(ids: [String]) {
        self.ids = ids
    }
}
