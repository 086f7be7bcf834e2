import Logging
import Synchronization
import ZTICore

/// Delivers spooled events to a sink: in order within a call (only a call's first pending row is ever in
/// flight), concurrently across calls, retried with capped exponential backoff and jitter (never sooner than a
/// `Retry-After`), dead-lettered when the CRM refuses them for good. A ringing already made obsolete by a later
/// terminal state of the same lifecycle is skipped, and counted.
public final class DeliveryEngine: Sendable {
    private let spool: Spool
    private let sink: any EventSink
    private let concurrency: Int
    private let retryMin: Duration
    private let retryMax: Duration
    private let logger: Logger
    private let wakeup = Wakeup()
    private let counters = Mutex<[String: Int]>([:])
    private let lastFailure = Mutex<String?>(nil)

    /// An engine delivering `spool` to `sink`.
    public init(
        spool: Spool, sink: any EventSink, concurrency: Int, retryMin: Duration, retryMax: Duration, logger: Logger
    ) {
        self.spool = spool
        self.sink = sink
        self.concurrency = max(1, concurrency)
        self.retryMin = retryMin
        self.retryMax = max(retryMin, retryMax)
        self.logger = logger
    }

    /// Counts: delivered, retried, dead, skipped.
    public var counts: [String: Int] { counters.withLock { $0 } }

    /// The CRM's last refusal or error, for status (cleared by the next delivery).
    public var lastError: String? { lastFailure.withLock { $0 } }

    /// New events were committed: look at once.
    public func poke() {
        wakeup.signal()
    }

    /// Delivers until cancelled.
    public func run() async {
        while !Task.isCancelled {
            let due: [Spool.Row]
            do {
                due = try spool.nextDeliverable(now: .now(), limit: concurrency)
            } catch {
                logger.error("\(error.message)")
                try? await Task.sleep(for: .seconds(1))
                continue
            }
            if due.isEmpty {
                // Idle: wait for new events, or look again in a moment for a retry that fell due.
                await wakeup.wait(timeout: .milliseconds(200))
                continue
            }
            await withTaskGroup(of: Void.self) { group in
                for row in due {
                    group.addTask { await self.deliver(row) }
                }
            }
        }
    }

    private func deliver(_ row: Spool.Row) async {
        var outcome: DeliveryOutcome
        // A ringing that could not go out at its first try and whose lifecycle has ended meanwhile is obsolete.
        if row.event.state == .ringing, row.attempts > 0, let later = try? spool.laterPending(after: row),
            later.contains(where: {
                $0.event.extension == row.event.extension && $0.event.attempt == row.event.attempt
                    && $0.event.state.isTerminal
            })
        {
            outcome = .skipped(reason: "obsolete: the call had ended before it could be delivered")
        } else if sink.wantsHistory {
            let sent = (try? spool.sentBefore(row)) ?? []
            outcome = await sink.deliver(row.event, sentBefore: sent)
        } else {
            outcome = await sink.deliver(row.event)
        }
        let now = EventTime.now()
        do {
            switch outcome {
            case .delivered:
                try spool.record(
                    row.sequence, state: .delivered, attempts: row.attempts + 1, nextAttemptAt: nil, error: nil, at: now
                )
                count("delivered")
                lastFailure.withLock { $0 = nil }
            case .deliveredWithNote(let note):
                try spool.record(
                    row.sequence, state: .delivered, attempts: row.attempts + 1, nextAttemptAt: nil, error: note,
                    at: now)
                count("delivered")
            case .skipped(let reason):
                try spool.record(
                    row.sequence, state: .delivered, attempts: row.attempts, nextAttemptAt: nil,
                    error: "skipped: " + reason, at: now)
                count("skipped")
            case .refused(let reason):
                try spool.record(
                    row.sequence, state: .dead, attempts: row.attempts + 1, nextAttemptAt: nil, error: reason, at: now)
                count("dead")
                lastFailure.withLock { $0 = reason }
                logger.warning("event \(row.event.id) refused by the CRM, kept as a dead letter: \(reason)")
            case .retry(let after, let reason):
                let attempts = row.attempts + 1
                var delay = backoff(attempts)
                if let after, after > delay { delay = after }
                let next = EventTime(millisecondsSinceEpoch: now.millisecondsSinceEpoch + delay.wholeMilliseconds)
                try spool.record(
                    row.sequence, state: .pending, attempts: attempts, nextAttemptAt: next, error: reason, at: now)
                count("retried")
                lastFailure.withLock { $0 = reason }
                logger.info("event \(row.event.id) will be retried in \(delay): \(reason)")
            }
        } catch {
            logger.error("\(error.message)")
        }
    }

    /// `retryMin × 2^(attempts-1)`, capped at `retryMax`, then between half and all of it.
    func backoff(_ attempts: Int) -> Duration {
        var delay = retryMin
        for _ in 1..<max(1, min(attempts, 40)) where delay < retryMax { delay = delay * 2 }
        return min(delay, retryMax) * Double.random(in: 0.5...1)
    }

    private func count(_ key: String) {
        counters.withLock { $0[key, default: 0] += 1 }
    }

}

/// Wakes the delivery loop when events are committed; a signal with nobody waiting is kept for the next wait.
final class Wakeup: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.pending = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    func wait(timeout: Duration) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state -> Bool in
                if state.pending {
                    state.pending = false
                    return true
                }
                state.waiter = continuation
                return false
            }
            if now {
                continuation.resume()
                return
            }
            Task {
                try? await Task.sleep(for: timeout)
                // At worst this ends a later wait early: one more look at the spool.
                let waiter = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
                    defer { state.waiter = nil }
                    return state.waiter
                }
                waiter?.resume()
            }
        }
    }
}
