import Glibc

/// A call of the test kit failed (a child process could not be started, no loopback port was free): the call and
/// the system's reason.
public struct ChildProcessError: Error, CustomStringConvertible {
    public let what: String
    public let errno: Int32

    public init(what: String, errno: Int32) {
        self.what = what
        self.errno = errno
    }

    public var description: String { errno == 0 ? what : "\(what): \(String(cString: strerror(errno)))" }
}
