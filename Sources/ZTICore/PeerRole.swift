/// The role of a process at one end of a ztisup socket.
public enum PeerRole: String, Sendable, Codable, CaseIterable {
    /// `ztisup worker`: one per group, on fd 3 of its supervisor.
    case worker
    /// `ztisup run`: the umbrella or a per-group supervisor.
    case supervisor
    /// `ztisup uploader`: the token holder.
    case uploader
    /// `ztisup status`, `ztisup dial` and other client commands on `control.sock`.
    case cli
}
