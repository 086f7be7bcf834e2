/// The first frame a worker or supervisor sends on a link: who it is.
public struct Hello: Sendable, Equatable, Codable {
    /// The sender's role.
    public let role: PeerRole
    /// ``WireProtocol/version`` of the sender.
    public let protocolVersion: Int
    /// The sender's pid, for log lines only (pids are reused; decisions use socket credentials).
    public let pid: Int32
    /// The group of a worker.
    public let group: String?
    /// The groups a supervisor runs, so that the uploader routes `DIAL` to it.
    public let groups: [String]?

    /// Creates a hello.
    public init(
        role: PeerRole, pid: Int32, group: String? = nil, groups: [String]? = nil,
        protocolVersion: Int = WireProtocol.version
    ) {
        self.role = role
        self.protocolVersion = protocolVersion
        self.pid = pid
        self.group = group
        self.groups = groups
    }
}
