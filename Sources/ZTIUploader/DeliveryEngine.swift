import Logging
import Synchronization
import ZTICore

/// Delivers spooled events to a sink: in order within a call (only a call's first pending row is ever in
/// flight), concurrently across calls (up to `concurrency` requests, each of up to the sink's batch limit of
/// calls' first rows), dead-lettered when the CRM refuses them for good. A ringing already made
/// obsolete by a later terminal state of the same lifecycle is skipped, and counted.
///
/// The CRM failing is one condition, not one per call: the first retryable failure (408, 429, 5xx, a network
/// error) stops full-speed delivery, and then a single probe request is in flight at a time, from `retryMin`
/// apart doubling up to `probeMax` (never sooner than a `Retry-After`), rotating over calls so that one poison
/// event cannot stall the rest. The first answer that is not a retryable failure resumes full-speed delivery at
/// once: no event waits out a backoff of its own.
public final class DeliveryEngine: Sendable {
    /// Whether the CRM answers, as the engine last found it.
    public struct Health: Sendable, Equatable {
        /// Since when the CRM has been failing (nil: it answers).
        public var failingSince: EventTime?
        /// The pause before the next probe.
        public var probeInterval: Duration
        /// The CRM's last failure.
        public var lastError: String?
    }

    private let spool: Spool
    private let sink: any EventSink
    private let concurrency: Int
    private let retryMin: Duration
    private let probeMax: Duration
    private let logger: Logger
    private let wakeup = Wakeup()
    private let counters = Mutex<[String: Int]>([:])
    private let lastFailure = Mutex<String?>(nil)
    private let state: Mutex<Health>
    /// The call and event probed last, so that the next probe takes another.
    private let lastProbe = Mutex<(call: String, id: String)?>(nil)

    /// An engine delivering `spool` to `sink`.
    public init(
        spool: Spool, sink: any EventSink, concurrency: Int, retryMin: Duration, probeMax: Duration, logger: Logger
    ) {
        self.spool = spool
        self.sink = sink
        self.concurrency = max(1, concurrency)
        self.retryMin = retryMin
        self.probeMax = max(retryMin, probeMax)
        self.logger = logger
        state = Mutex(Health(failingSince: nil, probeInterval: retryMin))
    }

    /// Counts: delivered, retried, dead, skipped, probes.
    public var counts: [String: Int] { counters.withLock { $0 } }

    /// The CRM's last refusal or error, for status (cleared by the next delivery).
    public var lastError: String? { lastFailure.withLock { $0 } }

    /// Whether the CRM is failing, since when, and how often it is probed.
    public var health: Health { state.withLock { $0 } }

    /// New events were committed: look at once.
    public func poke() {
        wakeup.signal()
    }

    /// Delivers until cancelled.
    public func run() async {
        while !Task.isCancelled {
            if health.failingSince != nil {
                await probe()
                continue
            }
            let due: [Spool.Row]
            let batch = sink.batchLimit
            do {
                due = try spool.nextDeliverable(now: .now(), limit: concurrency * batch)
            } catch {
                logger.error("\(error.message)")
                try? await Task.sleep(for: .seconds(1))
                continue
            }
            if due.isEmpty {
                // A commit pokes at once; the long timeout only notices a `ztisup redeliver` run by another process.
                await wakeup.wait(timeout: Self.externalChangeInterval)
                continue
            }
            let failures = await withTaskGroup(of: (Duration?, String)?.self) { group in
                for start in stride(from: 0, to: due.count, by: batch) {
                    let rows = Array(due[start..<min(due.count, start + batch)])
                    group.addTask {
                        let outcome = batch == 1 ? await self.deliver(rows[0]) : await self.deliver(batch: rows)
                        if case .retry(let after, let reason) = outcome { return (after, reason) }
                        return nil
                    }
                }
                var failures: [(Duration?, String)] = []
                for await failure in group { if let failure { failures.append(failure) } }
                return failures
            }
            if let first = failures.first {
                let after = failures.compactMap(\.0).max()
                startFailing(reason: first.1, retryAfter: after)
            }
        }
    }

    /// The CRM failed: full-speed delivery stops, and probing begins.
    private func startFailing(reason: String, retryAfter: Duration?) {
        let interval = max(retryMin, retryAfter ?? .zero)
        state.withLock { $0 = Health(failingSince: .now(), probeInterval: interval, lastError: reason) }
        logger.warning(
            "the CRM is failing (\(reason)); delivery pauses and one event is tried every \(interval), up to every \(probeMax) (crm.probe.max), until it answers"
        )
    }

    /// One probe after the pause: a deliverable event of another call than the last probe's.
    private func probe() async {
        try? await Task.sleep(for: health.probeInterval)
        if Task.isCancelled { return }
        let candidates: [Spool.Row]
        do {
            candidates = try spool.nextDeliverable(now: .now(), limit: 64)
        } catch {
            logger.error("\(error.message)")
            return
        }
        guard let row = Self.nextProbe(candidates, after: lastProbe.withLock { $0 }) else {
            recovered(note: "nothing left to deliver")
            return
        }
        lastProbe.withLock { $0 = ("\(row.event.group)/\(row.event.callId)", row.event.id) }
        count("probes")
        let outcome = sink.batchLimit > 1 ? await deliver(batch: [row]) : await deliver(row)
        if case .retry(let after, let reason) = outcome {
            let interval = state.withLock { health -> Duration in
                health.probeInterval = max(min(health.probeInterval * 2, probeMax), after ?? .zero)
                health.lastError = reason
                return health.probeInterval
            }
            logger.info("the CRM still fails (\(reason)); next try in \(interval)")
        } else {
            recovered(note: "it answered")
        }
    }

    private func recovered(note: String) {
        let since = state.withLock { health -> EventTime? in
            defer { health = Health(failingSince: nil, probeInterval: retryMin) }
            return health.failingSince
        }
        if let since {
            let seconds = since.wholeSeconds(until: .now())
            logger.info("the CRM is back after \(seconds) s (\(note)): delivering the backlog at full speed")
        }
    }

    /// The row to probe: the first of a call after `last`'s call in the candidates' order (wrapping around), and
    /// never the event probed last when another is there.
    static func nextProbe(_ candidates: [Spool.Row], after last: (call: String, id: String)?) -> Spool.Row? {
        guard let last else { return candidates.first }
        let calls = candidates.map { "\($0.event.group)/\($0.event.callId)" }
        let start = calls.firstIndex(of: last.call).map { $0 + 1 } ?? 0
        let rotated =
            Array(candidates[min(start, candidates.count)...]) + Array(candidates[..<min(start, candidates.count)])
        return rotated.first { $0.event.id != last.id } ?? rotated.first
    }

    /// How long an idle engine waits before it looks at the spool unasked (for changes made by another process).
    static let externalChangeInterval: Duration = .seconds(5)

    /// A ringing that could not go out at its first try and whose lifecycle has ended meanwhile is obsolete.
    private func isObsolete(_ row: Spool.Row) -> Bool {
        guard row.event.state == .ringing, row.attempts > 0, let later = try? spool.laterPending(after: row) else {
            return false
        }
        return later.contains {
            $0.event.extension == row.event.extension && $0.event.attempt == row.event.attempt
                && $0.event.state.isTerminal
        }
    }

    /// A request to the CRM, its duration measured (``UploaderMetrics``).
    private static func timed(_ request: () async -> DeliveryOutcome) async -> DeliveryOutcome {
        let start = ContinuousClock.now
        let outcome = await request()
        UploaderMetrics.crmRequest(took: ContinuousClock.now - start)
        return outcome
    }

    /// Several calls' first rows in one request: the outcome is the request's, recorded for every row at once.
    private func deliver(batch rows: [Spool.Row]) async -> DeliveryOutcome {
        var sending: [Spool.Row] = []
        for row in rows {
            if isObsolete(row) {
                record([row], .skipped(reason: "obsolete: the call had ended before it could be delivered"))
            } else {
                sending.append(row)
            }
        }
        guard !sending.isEmpty else { return .delivered }
        let outcome = await Self.timed { await sink.deliver(batch: sending.map { ($0.event, $0.payload) }) }
        record(sending, outcome)
        return outcome
    }

    @discardableResult
    private func deliver(_ row: Spool.Row) async -> DeliveryOutcome {
        let outcome: DeliveryOutcome
        if isObsolete(row) {
            outcome = .skipped(reason: "obsolete: the call had ended before it could be delivered")
        } else if sink.wantsHistory {
            let sent = (try? spool.sentBefore(row)) ?? []
            outcome = await Self.timed { await sink.deliver(row.event, sentBefore: sent) }
        } else {
            outcome = await Self.timed { await sink.deliver(row.event, stored: row.payload) }
        }
        record([row], outcome)
        return outcome
    }

    /// Records one outcome for rows sent in one request (one row, or a batch), in one transaction.
    private func record(_ rows: [Spool.Row], _ outcome: DeliveryOutcome) {
        let now = EventTime.now()
        let attempted = rows.map { (sequence: $0.sequence, attempts: $0.attempts + 1) }
        do {
            switch outcome {
            case .delivered:
                try spool.record(attempted, state: .delivered, error: nil, at: now)
                count("delivered", rows.count)
                lastFailure.withLock { $0 = nil }
            case .deliveredWithNote(let note):
                try spool.record(attempted, state: .delivered, error: note, at: now)
                count("delivered", rows.count)
            case .skipped(let reason):
                try spool.record(rows.map { ($0.sequence, $0.attempts) }, state: .skipped, error: reason, at: now)
                count("skipped", rows.count)
            case .refused(let reason):
                try spool.record(attempted, state: .dead, error: reason, at: now)
                count("dead", rows.count)
                lastFailure.withLock { $0 = reason }
                let what =
                    rows.count == 1
                    ? "event \(rows[0].event.id)" : "a batch of \(rows.count) events (first \(rows[0].event.id))"
                logger.warning("\(what) refused by the CRM, kept as a dead letter: \(reason)")
            case .retry(_, let reason):
                // The rows wait for the CRM as a whole, not on a backoff of their own.
                try spool.record(attempted, state: .pending, error: reason, at: now)
                count("retried", rows.count)
                lastFailure.withLock { $0 = reason }
            }
        } catch {
            logger.error("\(error.message)")
        }
    }

    private func count(_ key: String, _ amount: Int = 1) {
        counters.withLock { $0[key, default: 0] += amount }
    }
}

/// Wakes the delivery loop when events are committed; a signal with nobody waiting is kept for the next wait.
final class Wakeup: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
        /// The wait's timeout, cancelled when a signal comes first (so that no sleeper outlives its wait).
        var timer: Task<Void, Never>?
    }

    private let state = Mutex(State())

    func signal() {
        let (waiter, timer) = state.withLock { state -> (CheckedContinuation<Void, Never>?, Task<Void, Never>?) in
            guard let waiter = state.waiter else {
                state.pending = true
                return (nil, nil)
            }
            defer {
                state.waiter = nil
                state.timer = nil
            }
            return (waiter, state.timer)
        }
        timer?.cancel()
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
            let timer = Task {
                try? await Task.sleep(for: timeout)
                guard !Task.isCancelled else { return }
                // At worst this ends a later wait early: one more look at the spool.
                let waiter = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
                    defer {
                        state.waiter = nil
                        state.timer = nil
                    }
                    return state.waiter
                }
                waiter?.resume()
            }
            state.withLock { state in
                if state.waiter != nil { state.timer = timer } else { timer.cancel() }
            }
        }
    }
}
