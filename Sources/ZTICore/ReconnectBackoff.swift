/// Capped exponential backoff with jitter, as data: the delay before reconnect attempt `n` (from 1) is a random
/// value between half and all of `min(cap, floor × 2^(n-1))`, so that many workers do not reconnect in step.
public struct ReconnectBackoff: Sendable, Equatable {
    /// The first delay.
    public let floor: Duration
    /// The largest delay.
    public let cap: Duration

    /// Creates a policy.
    public init(floor: Duration = .seconds(1), cap: Duration = .seconds(30)) {
        self.floor = floor
        self.cap = max(floor, cap)
    }

    /// The largest delay for attempt `attempt` (1-based), before jitter.
    public func ceiling(attempt: Int) -> Duration {
        var delay = floor
        for _ in 1..<max(1, min(attempt, 40)) {
            delay = delay * 2
            if delay >= cap { return cap }
        }
        return min(delay, cap)
    }

    /// The delay for attempt `attempt`, with `unit` in `0...1` choosing where between half and all of the ceiling.
    public func delay(attempt: Int, unit: Double) -> Duration {
        let ceiling = ceiling(attempt: attempt)
        let fraction = 0.5 + 0.5 * min(1, max(0, unit))
        return ceiling * fraction
    }
}
