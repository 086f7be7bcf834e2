import Foundation
import ZTISupervisor

/// A ``SupervisorClock`` that moves only when a test advances it: backoffs and timeouts without waiting for them.
/// A sleeper wakes once the clock reaches its deadline, or at once with `CancellationError` when its task is
/// cancelled.
public final class ManualClock: SupervisorClock, @unchecked Sendable {
    private let lock = NSLock()
    private let base = ContinuousClock.now
    private var offset: Duration = .zero
    private var sleepers: [UUID: (deadline: Duration, continuation: CheckedContinuation<Void, any Error>)] = [:]

    public init() {}

    public var now: ContinuousClock.Instant { lock.withLock { base + offset } }

    public func sleep(for duration: Duration) async throws {
        let id = UUID()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let ready = lock.withLock { () -> Bool in
                    guard duration > .zero, !Task.isCancelled else { return true }
                    sleepers[id] = (offset + duration, continuation)
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            lock.withLock { sleepers.removeValue(forKey: id) }?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves the clock on by `duration` and wakes every sleeper whose deadline it reached.
    public func advance(by duration: Duration) {
        let due = lock.withLock { () -> [CheckedContinuation<Void, any Error>] in
            offset += duration
            let due = sleepers.filter { $0.value.deadline <= offset }
            for id in due.keys { sleepers[id] = nil }
            return due.values.map(\.continuation)
        }
        for continuation in due { continuation.resume() }
    }
}
