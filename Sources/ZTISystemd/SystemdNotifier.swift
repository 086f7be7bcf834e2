import CSystemd
import Glibc

/// Sends sd_notify messages to `$NOTIFY_SOCKET` through libsystemd's `sd_notify`.
///
/// Without `NOTIFY_SOCKET` every call is a no-op that returns false, so callers never need to check whether
/// they run under systemd.
public struct SystemdNotifier: Sendable {
    /// Creates a notifier.
    public init() {}

    /// Sends `messages` in one datagram.
    ///
    /// - Returns: true when sent, false when `NOTIFY_SOCKET` is unset.
    /// - Throws: ``ZTISystemdError/Code/notifyFailed`` with the errno when the socket refused the datagram.
    @discardableResult
    public func send(_ messages: [NotifyMessage]) throws(ZTISystemdError) -> Bool {
        let text = messages.flatMap(\.assignments).joined(separator: "\n")
        let result = sd_notify(0, text)
        if result < 0 {
            throw ZTISystemdError(
                .notifyFailed, "cannot notify systemd through $NOTIFY_SOCKET: \(String(cString: strerror(-result)))",
                errno: -result)
        }
        return result > 0
    }

    /// Sends one message; see ``send(_:)-(_)``.
    @discardableResult
    public func send(_ message: NotifyMessage) throws(ZTISystemdError) -> Bool {
        try send([message])
    }

    /// CLOCK_MONOTONIC now, in microseconds, for ``NotifyMessage/reloading(monotonicMicroseconds:)``.
    public static func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
    }
}
