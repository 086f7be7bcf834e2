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

    /// Root and the uploader's own user may send events; others may not.
    var isTrusted: Bool { uid == 0 || uid == geteuid() }
}
