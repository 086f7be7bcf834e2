import CSystemd

/// The systemd watchdog settings of this process (`WatchdogSec=`, seen as `WATCHDOG_USEC`/`WATCHDOG_PID`).
public enum Watchdog {
    /// How often to send `WATCHDOG=1`: half of `WATCHDOG_USEC`; nil when the watchdog is off or meant for
    /// another pid (a child that inherited the environment).
    public static func pingInterval() -> Duration? {
        var microseconds: UInt64 = 0
        guard sd_watchdog_enabled(0, &microseconds) > 0, microseconds > 0 else { return nil }
        return .microseconds(Int64(microseconds / 2))
    }
}
