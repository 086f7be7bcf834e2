import Glibc
import NIOCore

/// The `SO_PEERCRED` of a Unix-socket peer (`struct ucred`, which Swift's Glibc does not export).
struct PeerCredentials: Sendable, Equatable {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0

    /// The credentials of `channel`'s peer, if the channel can tell.
    static func of(_ channel: any Channel) async -> PeerCredentials? {
        guard let provider = channel as? any SocketOptionProvider else { return nil }
        return try? await provider.unsafeGetSocketOption(
            level: .socket, name: NIOBSDSocket.Option(rawValue: SO_PEERCRED)
        ).get()
    }

    /// The peer's supplementary groups (`SO_PEERGROUPS`, Linux 4.13), taken when it connected; nil when the kernel
    /// cannot tell or the peer has more than 1,024 groups.
    static func supplementaryGroups(of channel: any Channel) async -> [UInt32]? {
        guard let provider = channel as? any SocketOptionProvider else { return nil }
        // NIO zero-fills the buffer and does not return the length, so entries past the list read as gid 0;
        // `PeerPolicy` never treats gid 0 as the peer group, which keeps that harmless.
        let list: PeerGroupList? = try? await provider.unsafeGetSocketOption(
            level: .socket, name: NIOBSDSocket.Option(rawValue: SO_PEERGROUPS)
        ).get()
        guard let list else { return nil }
        return (0..<list.gids.count).map { list.gids[$0] }.filter { $0 != 0 }
    }
}

/// The fixed-size buffer `SO_PEERGROUPS` writes into.
struct PeerGroupList: Sendable {
    var gids = InlineArray<1024, UInt32>(repeating: 0)
}
