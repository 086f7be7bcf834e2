/// Asks a worker to flush what it can and exit.
public struct Shutdown: Sendable, Equatable, Codable {
    /// Why, for the worker's last log line.
    public let reason: String

    /// Creates a shutdown request.
    public init(reason: String) {
        self.reason = reason
    }
}
