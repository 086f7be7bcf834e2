import Synchronization

/// One logged-in AMI session of a pre-flight check (``AMIClient/probe(_:)``): actions are sent one at a time and
/// their replies awaited; the events the PBX sent meanwhile are kept, for what only events show (`Timestamp:`).
public struct AMIProbeSession: Sendable {
    /// The banner line, when the server sent one.
    public let banner: String?
    let send: @Sendable (String, [AMIHeader], Bool) async throws -> AMIReply
    let log: EventLog

    /// Sends `name` with `headers` and waits for its reply (with its list items when `list` is true).
    public func perform(_ name: String, _ headers: [AMIHeader] = [], list: Bool = false) async throws -> AMIReply {
        try await send(name, headers, list)
    }

    /// The events received since the login.
    public var events: [AMIMessage] { log.events.withLock { $0 } }

    /// What the session's reader appends events to, and the check reads.
    final class EventLog: Sendable {
        let events = Mutex<[AMIMessage]>([])
    }
}
