/// A `stall` fault of a simulator: its writers wait until it is over before writing.
struct StallFault: Sendable {
    private var until: ContinuousClock.Instant?

    /// Stalls the writers for `duration` from now.
    mutating func start(for duration: Duration) {
        until = ContinuousClock.now + duration
    }

    /// How long a writer must still wait; nil once the stall is over.
    mutating func remaining() -> Duration? {
        guard let until else { return nil }
        let now = ContinuousClock.now
        guard until > now else {
            self.until = nil
            return nil
        }
        return until - now
    }
}
