/// A listening or connecting address: host name or IP literal, and port (0 means "any free port").
public struct HostPort: Sendable, Equatable, Codable, CustomStringConvertible {
    /// The host, without IPv6 brackets.
    public let host: String
    /// The port; 0 lets a listener pick one.
    public let port: Int

    /// Creates an address.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
