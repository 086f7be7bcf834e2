/// `OPEN`: what the spool knows of a group's calls, for the worker that takes the group over. The spool is the one
/// source of truth for call state; a worker keeps none across its own restart.
///
/// It carries the last spooled event (and resume key) of each lifecycle that has a `ringing` or `answered` and no
/// final, and, for the group's recent calls, the highest attempt per extension and whether it has a final, so
/// that a resumed worker neither re-rings a member nor reuses an attempt. Sent in chunks of at most
/// ``WireProtocol/openChunkBytes``; the last has `last: true`.
public struct OpenLifecycles: Sendable, Equatable, Codable {
    /// One open lifecycle: its last spooled event and the member's leg on the PBX.
    public struct Lifecycle: Sendable, Equatable, Codable {
        public let event: CallEvent
        /// The member's leg (Asterisk: the device channel's Uniqueid; Avaya: the CM call and device).
        public let resumeKey: String?

        /// Creates an entry.
        public init(event: CallEvent, resumeKey: String?) {
            self.event = event
            self.resumeKey = resumeKey
        }
    }

    /// The highest ring attempt of one extension in one call, whether that attempt has its final, and its leg:
    /// a leg still up after its lifecycle ended (a member hearing the busy tone) is not a new attempt.
    public struct Attempt: Sendable, Equatable, Codable {
        public let callId: String
        public let `extension`: String
        public let attempt: Int
        public let final: Bool
        public let resumeKey: String?

        /// Creates an entry.
        public init(
            callId: String, extension extensionNumber: String, attempt: Int, final: Bool, resumeKey: String? = nil
        ) {
            self.callId = callId
            self.extension = extensionNumber
            self.attempt = attempt
            self.final = final
            self.resumeKey = resumeKey
        }
    }

    public let group: String
    public var lifecycles: [Lifecycle]
    public var attempts: [Attempt]
    /// True on the last chunk.
    public var last: Bool

    /// Creates an answer (or one chunk of it).
    public init(group: String, lifecycles: [Lifecycle] = [], attempts: [Attempt] = [], last: Bool = true) {
        self.group = group
        self.lifecycles = lifecycles
        self.attempts = attempts
        self.last = last
    }

    /// This answer cut into chunks whose JSON stays under `limit` bytes each (at least one chunk; only the last
    /// says `last`).
    public func chunked(limit: Int = WireProtocol.openChunkBytes) -> [OpenLifecycles] {
        var chunks: [OpenLifecycles] = []
        var current = OpenLifecycles(group: group, last: false)
        var size = 128 + group.utf8.count
        func close() {
            chunks.append(current)
            current = OpenLifecycles(group: group, last: false)
            size = 128 + group.utf8.count
        }
        for lifecycle in lifecycles {
            let cost = CanonicalJSON.data(lifecycle).count + 1
            if size + cost > limit, !current.lifecycles.isEmpty || !current.attempts.isEmpty { close() }
            current.lifecycles.append(lifecycle)
            size += cost
        }
        for attempt in attempts {
            let cost = CanonicalJSON.data(attempt).count + 1
            if size + cost > limit, !current.lifecycles.isEmpty || !current.attempts.isEmpty { close() }
            current.attempts.append(attempt)
            size += cost
        }
        current.last = true
        chunks.append(current)
        return chunks
    }

    /// Adds a following chunk.
    public mutating func merge(_ chunk: OpenLifecycles) {
        lifecycles += chunk.lifecycles
        attempts += chunk.attempts
        last = chunk.last
    }
}
