import Glibc

/// Who may connect to the event socket: root, the uploader's own user, and members of the peer group
/// (`uploader.peer.group`). Supervisor units hold the group as a supplementary group, which `SO_PEERCRED`'s gid
/// does not show, so membership is read with `SO_PEERGROUPS`.
public struct PeerPolicy: Sendable, Equatable {
    public let trustedUIDs: Set<UInt32>
    public let groupName: String
    /// The group's id, or nil when it does not exist here (or is gid 0, which is never accepted as a peer group:
    /// a zeroed group list must not look like membership).
    public let groupID: UInt32?

    public init(trustedUIDs: Set<UInt32>, groupName: String, groupID: UInt32?) {
        self.trustedUIDs = trustedUIDs
        self.groupName = groupName
        self.groupID = groupID == 0 ? nil : groupID
    }

    /// Root, the effective user, and `groupName` looked up in the group database.
    public static func resolve(groupName: String) -> PeerPolicy {
        PeerPolicy(trustedUIDs: [0, geteuid()], groupName: groupName, groupID: lookUpGroup(groupName))
    }

    /// Whether a peer with `uid` and supplementary `groups` may send events.
    public func admits(uid: UInt32, groups: [UInt32]) -> Bool {
        if trustedUIDs.contains(uid) { return true }
        guard let groupID else { return false }
        return groups.contains(groupID)
    }

    /// One line for the start-up log.
    public var summary: String {
        let users = trustedUIDs.sorted().map { "uid \($0)" }.joined(separator: ", ")
        guard let groupID else {
            return "event socket peers: \(users); group \(groupName) does not exist here, so no group is admitted"
        }
        return "event socket peers: \(users), and members of group \(groupName) (gid \(groupID))"
    }

    private static func lookUpGroup(_ name: String) -> UInt32? {
        var entry = group()
        var result: UnsafeMutablePointer<group>?
        var buffer = [CChar](repeating: 0, count: 16_384)
        let status = getgrnam_r(name, &entry, &buffer, buffer.count, &result)
        guard status == 0, result != nil else { return nil }
        return entry.gr_gid
    }
}
