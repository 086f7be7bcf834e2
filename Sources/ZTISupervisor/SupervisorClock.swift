/// The supervisor's time: now, and waiting. ``SystemClock`` is the real one; the test kit has a manual clock
/// that tests advance, so backoffs and timeouts are tested without waiting for them.
public protocol SupervisorClock: Sendable {
    var now: ContinuousClock.Instant { get }
    func sleep(for duration: Duration) async throws
}

/// The continuous clock.
public struct SystemClock: SupervisorClock {
    public init() {}

    public var now: ContinuousClock.Instant { ContinuousClock.now }

    public func sleep(for duration: Duration) async throws {
        try await Task.sleep(for: duration)
    }
}
