/// One assignment (or pair) of the sd_notify protocol that ztisup sends.
public enum NotifyMessage: Sendable, Equatable {
    /// `READY=1`: start-up or reload finished.
    case ready
    /// `RELOADING=1` with `MONOTONIC_USEC=`, the CLOCK_MONOTONIC time of the reload in microseconds.
    case reloading(monotonicMicroseconds: UInt64)
    /// `STOPPING=1`.
    case stopping
    /// `STATUS=`: one line for `systemctl status`; line breaks are replaced by spaces.
    case status(String)
    /// `WATCHDOG=1`.
    case watchdog
    /// `ERRNO=`: the failure reason of a fatal exit.
    case errno(Int32)
    /// `EXTEND_TIMEOUT_USEC=`.
    case extendTimeout(microseconds: UInt64)

    /// The `KEY=VALUE` lines of this message.
    public var assignments: [String] {
        switch self {
        case .ready: ["READY=1"]
        case .reloading(let microseconds): ["RELOADING=1", "MONOTONIC_USEC=\(microseconds)"]
        case .stopping: ["STOPPING=1"]
        case .status(let text):
            ["STATUS=" + String(text.map { $0 == "\n" || $0 == "\r" || $0 == "\r\n" ? " " : $0 })]
        case .watchdog: ["WATCHDOG=1"]
        case .errno(let code): ["ERRNO=\(code)"]
        case .extendTimeout(let microseconds): ["EXTEND_TIMEOUT_USEC=\(microseconds)"]
        }
    }
}
