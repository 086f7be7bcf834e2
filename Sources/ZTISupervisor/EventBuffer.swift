import ZTICore

/// Events the supervisor holds while the uploader is away, at most `capacity`: when full, the oldest
/// non-final event goes (its worker still holds it and sends it again) and the drop is counted. A final (`ended`,
/// `missed`, `failed`, `transferred`) is never dropped: its worker may be gone, so it is kept even past the
/// capacity. A pure value.
public struct EventBuffer: Sendable {
    public let capacity: Int
    public private(set) var entries: [QueuedEvent] = []
    /// Events dropped for room since the start.
    public private(set) var dropped = 0

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    public var count: Int { entries.count }

    /// Queues `entry`; true when an older event was dropped for it.
    @discardableResult
    public mutating func append(_ entry: QueuedEvent) -> Bool {
        var droppedOne = false
        if entries.count >= capacity {
            if let victim = entries.firstIndex(where: { !$0.event.state.isTerminal }) {
                entries.remove(at: victim)
                dropped += 1
                droppedOne = true
            } else if !entry.event.state.isTerminal {
                // Nothing but finals queued: the new non-final event is the one not kept.
                dropped += 1
                return true
            }
        }
        entries.append(entry)
        return droppedOne
    }

    /// Everything queued, oldest first, and empties the buffer.
    public mutating func drain() -> [QueuedEvent] {
        defer { entries = [] }
        return entries
    }
}
