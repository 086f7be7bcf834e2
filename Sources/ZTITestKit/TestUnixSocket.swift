import Glibc

/// Blocking Unix sockets for tests and benchmarks, which play a peer (a supervisor, systemd's notify socket)
/// with plain system calls.
public enum TestUnixSocket {
    public enum Role: Sendable {
        case bind
        case connect
    }

    /// A socket of `type` bound or connected to `path`, with a receive timeout when `receiveTimeout` is given;
    /// nil when the path is too long for `sun_path` or the call fails (`errno` tells why).
    public static func open(_ type: __socket_type, _ role: Role, path: String, receiveTimeout seconds: Int? = 5)
        -> Int32?
    {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return nil }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        let fd = socket(AF_UNIX, Int32(type.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                switch role {
                case .bind: Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                case .connect: Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
        }
        guard status == 0 else {
            let saved = errno
            close(fd)
            errno = saved
            return nil
        }
        if let seconds {
            var timeout = timeval(tv_sec: seconds, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }
        return fd
    }
}
