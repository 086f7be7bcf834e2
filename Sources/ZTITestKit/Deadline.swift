import Glibc

/// A point in time on the monotonic clock, for bounded waits.
public struct Deadline {
    public let end: timespec

    public init(seconds: Double) {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let nanoseconds = Int(now.tv_nsec) + Int((seconds - seconds.rounded(.down)) * 1e9)
        end = timespec(
            tv_sec: now.tv_sec + Int(seconds.rounded(.down)) + nanoseconds / 1_000_000_000,
            tv_nsec: nanoseconds % 1_000_000_000)
    }

    public var remaining: Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(end.tv_sec - now.tv_sec) + Double(end.tv_nsec - now.tv_nsec) / 1e9
    }

    public var passed: Bool { remaining <= 0 }

    /// The time left as a `poll` timeout, at most 200 ms so that callers re-check their own conditions.
    public var pollMilliseconds: Int32 { Int32(max(0, min(200, remaining * 1000))) }
}
