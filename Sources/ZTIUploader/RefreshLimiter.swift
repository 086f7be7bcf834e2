/// Zoho's cap on access tokens: at most `limit` refreshes in any `window` (10 in 10 minutes); one more blocks the
/// refresh token for the rest of the window, so the uploader never asks for it. A pure value over times.
public struct RefreshLimiter: Sendable, Equatable {
    public let limit: Int
    public let window: Duration
    private var recent: [ContinuousClock.Instant] = []

    public init(limit: Int, window: Duration) {
        self.limit = max(1, limit)
        self.window = window
    }

    /// When the next refresh may happen: `now` when it may happen now.
    public func nextAllowed(now: ContinuousClock.Instant) -> ContinuousClock.Instant {
        let inWindow = recent.filter { $0 > now - window }
        guard inWindow.count >= limit, let oldest = inWindow.first else { return now }
        return oldest + window
    }

    /// Records a refresh at `now`.
    public mutating func record(_ now: ContinuousClock.Instant) {
        recent = recent.filter { $0 > now - window } + [now]
    }
}
