import ZTICore

/// The events a worker has sent and not yet seen acknowledged, in sending order: the delivery guarantee's
/// worker side. An event unacked for longer than the timeout is due to be sent again; when the buffer is full, a
/// non-terminal event (ringing, answered) makes room first, and a terminal one (ended, missed, failed,
/// transferred) is never dropped while a non-terminal one is held. A pure value over times.
public struct UnackedEvents: Sendable {
    public let capacity: Int
    private var entries: [String: (event: CallEvent, resumeKey: String?, sentAt: ContinuousClock.Instant, order: Int)] =
        [:]
    private var nextOrder = 0
    /// Events dropped for room, since the start.
    public private(set) var dropped = 0

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    public var count: Int { entries.count }

    /// Holds `event` (and the member's leg it came with), sent at `now`; returns the event dropped for room, if any.
    @discardableResult
    public mutating func add(_ event: CallEvent, resumeKey: String? = nil, sentAt now: ContinuousClock.Instant)
        -> CallEvent?
    {
        var evicted: CallEvent?
        if entries[event.id] == nil, entries.count >= capacity {
            let byAge = entries.values.sorted { $0.order < $1.order }
            // The oldest non-terminal goes first; only a buffer full of terminal events gives up its oldest.
            let victim = byAge.first { !$0.event.state.isTerminal } ?? byAge.first
            if let victim {
                if !event.state.isTerminal, victim.event.state.isTerminal {
                    // Nothing non-terminal to give up: the new non-terminal event is the one not kept.
                    dropped += 1
                    return event
                }
                entries[victim.event.id] = nil
                evicted = victim.event
                dropped += 1
            }
        }
        entries[event.id] = (event, resumeKey, now, entries[event.id]?.order ?? nextOrder)
        nextOrder += 1
        return evicted
    }

    /// Forgets acknowledged events.
    public mutating func acknowledge(_ ids: [String]) {
        for id in ids { entries[id] = nil }
    }

    /// The events unacked for `timeout` or longer at `now`, oldest first, marked as sent again at `now`.
    public mutating func due(now: ContinuousClock.Instant, timeout: Duration) -> [CallEvent] {
        dueEntries(now: now, timeout: timeout).map(\.event)
    }

    /// ``due(now:timeout:)`` with each event's resume key.
    public mutating func dueEntries(now: ContinuousClock.Instant, timeout: Duration) -> [QueuedEvent] {
        let due = entries.values.filter { now - $0.sentAt >= timeout }.sorted { $0.order < $1.order }
        for entry in due { entries[entry.event.id]?.sentAt = now }
        return due.map { QueuedEvent(event: $0.event, resumeKey: $0.resumeKey) }
    }

    /// Every held event, oldest first (to send again on a new link).
    public var all: [CallEvent] {
        entries.values.sorted { $0.order < $1.order }.map(\.event)
    }
}
