import Glibc
import Testing

@testable import ZTISupervisor

/// The restart policy as a pure function of (history, exit).
@Suite struct RestartTrackerTests {
    static let policy = RestartPolicy(floor: .seconds(1), cap: .seconds(8), intensity: 5, period: .seconds(60))

    @Test func backoffDoublesFromTheFloorToTheCap() {
        var tracker = RestartTracker(
            policy: RestartPolicy(floor: .seconds(1), cap: .seconds(8), intensity: 100, period: .seconds(600)))
        let start = ContinuousClock.now
        let delays = (0..<6).map { index in
            tracker.exited(status: 1, at: start + .seconds(index), uptime: .milliseconds(100))
        }
        #expect(
            delays == [1, 2, 4, 8, 8, 8].map { RestartTracker.Decision.restart(after: .seconds($0)) })
        #expect(tracker.total == 6)
    }

    @Test func aChildThatRanLongerThanThePeriodStartsFromTheFloorAgain() {
        var tracker = RestartTracker(policy: Self.policy)
        let start = ContinuousClock.now
        _ = tracker.exited(status: 1, at: start, uptime: .seconds(1))
        _ = tracker.exited(status: 1, at: start + .seconds(2), uptime: .seconds(1))
        #expect(
            tracker.exited(status: 137, at: start + .seconds(200), uptime: .seconds(190))
                == .restart(after: .seconds(1)))
    }

    @Test func pastTheIntensityTheChildFailsAndIsRetriedAfterThePeriod() {
        var tracker = RestartTracker(policy: Self.policy)
        let start = ContinuousClock.now
        for index in 0..<5 {
            guard
                case .restart = tracker.exited(status: 128 + SIGKILL, at: start + .seconds(index), uptime: .seconds(1))
            else {
                Issue.record("restart \(index) was not a restart")
                return
            }
        }
        #expect(
            tracker.exited(status: 128 + SIGKILL, at: start + .seconds(6), uptime: .seconds(1))
                == .failed(
                    retryAfter: .seconds(60), reason: "more than 5 restarts in 60.0 seconds (last: killed by signal 9)")
        )
        // After the retry the history starts again.
        #expect(
            tracker.exited(status: 1, at: start + .seconds(70), uptime: .seconds(1)) == .restart(after: .seconds(1)))
    }

    @Test func restartsOutsideThePeriodDoNotCount() {
        var tracker = RestartTracker(policy: Self.policy)
        let start = ContinuousClock.now
        for index in 0..<20 {
            let decision = tracker.exited(status: 1, at: start + .seconds(index * 30), uptime: .seconds(29))
            guard case .restart = decision else {
                Issue.record("exit \(index): \(decision)")
                return
            }
        }
    }

    @Test func exit78IsHeldUntilTheNextReload() {
        var tracker = RestartTracker(policy: Self.policy)
        #expect(
            tracker.exited(status: 78, at: .now, uptime: .seconds(1))
                == .hold(reason: "exited 78 (configuration error); not restarted until the next reload"))
        #expect(tracker.total == 0)
    }
}
