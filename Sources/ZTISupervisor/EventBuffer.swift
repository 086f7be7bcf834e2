import ZTICore

/// Events the supervisor holds while the uploader is away, at most `capacity`; when full the oldest goes (the
/// worker still holds it and sends it again), and the drop is counted. A pure value.
public struct EventBuffer: Sendable {
    public let capacity: Int
    private var events: [CallEvent] = []
    private var head = 0
    /// Events dropped for room since the start.
    public private(set) var dropped = 0

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    public var count: Int { events.count - head }

    /// Queues `event`; true when an older one was dropped for it.
    @discardableResult
    public mutating func append(_ event: CallEvent) -> Bool {
        var droppedOne = false
        if count >= capacity {
            head += 1
            dropped += 1
            droppedOne = true
        }
        events.append(event)
        if head > 1024, head * 2 > events.count {
            events.removeFirst(head)
            head = 0
        }
        return droppedOne
    }

    /// Everything queued, oldest first, and empties the buffer.
    public mutating func drain() -> [CallEvent] {
        defer {
            events = []
            head = 0
        }
        return Array(events[head...])
    }
}
