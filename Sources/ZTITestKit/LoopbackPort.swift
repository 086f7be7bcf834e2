import Glibc

/// Loopback ports for tests and benchmarks that must name a port before anything listens on it.
public enum LoopbackPort {
    /// A 127.0.0.1 port nothing listens on now: bound to port 0, read back, and closed again (another process may
    /// take it before the caller does; the callers use it at once).
    public static func unused() throws(ChildProcessError) -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw ChildProcessError(what: "no loopback port: socket", errno: errno) }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(descriptor, socketAddress, length) == 0 && getsockname(descriptor, socketAddress, &length) == 0
            }
        }
        guard bound else { throw ChildProcessError(what: "no loopback port: bind 127.0.0.1:0", errno: errno) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
