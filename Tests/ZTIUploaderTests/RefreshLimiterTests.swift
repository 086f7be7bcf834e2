import Testing

@testable import ZTIUploader

/// Zoho's access-token cap as a pure value: at most `limit` refreshes in any window.
@Suite struct RefreshLimiterTests {
    @Test func theLimitHoldsInAnySlidingWindow() {
        var limiter = RefreshLimiter(limit: 3, window: .seconds(600))
        let start = ContinuousClock.now
        for offset in [0, 10, 20] {
            #expect(limiter.nextAllowed(now: start + .seconds(offset)) == start + .seconds(offset))
            limiter.record(start + .seconds(offset))
        }
        // The fourth waits until the first leaves the window.
        #expect(limiter.nextAllowed(now: start + .seconds(30)) == start + .seconds(600))
        #expect(limiter.nextAllowed(now: start + .seconds(601)) == start + .seconds(601))
        limiter.record(start + .seconds(601))
        // Now the second is the oldest in the window.
        #expect(limiter.nextAllowed(now: start + .seconds(602)) == start + .seconds(610))
    }
}
