import Foundation
import Logging
import Synchronization
import ZTICore

/// "Nothing left ringing" where no worker runs for a group (removed by a reload, failed, its unit stopped): when
/// no connected supervisor has named the group in a `HELLO` for the group's `call.max.open` +
/// `pbx.resync.interval` (and never sooner than that after the uploader's own start), the uploader closes the
/// group's open lifecycles as a re-sync would, each ending when it was last known present.
public final class LifecycleBackstop: Sendable {
    private struct State {
        /// The groups each connected supervisor named in its latest HELLO.
        var links: [UUID: Set<String>] = [:]
        /// When each group was last named by a connected supervisor.
        var lastNamed: [String: EventTime] = [:]
    }

    private let state = Mutex(State())
    private let startedAt: EventTime
    /// How long a group may go unnamed before its open lifecycles are closed.
    private let limit: @Sendable (String) -> Duration

    /// A backstop whose clock starts at `startedAt`; `limit` gives each group's patience.
    public init(startedAt: EventTime = .now(), limit: @escaping @Sendable (String) -> Duration) {
        self.startedAt = startedAt
        self.limit = limit
    }

    /// A supervisor's HELLO on link `link` named `groups`.
    public func named(_ groups: [String], link: UUID, at now: EventTime = .now()) {
        state.withLock { state in
            for group in state.links[link] ?? [] { state.lastNamed[group] = now }
            state.links[link] = Set(groups)
            for group in groups { state.lastNamed[group] = now }
        }
    }

    /// Link `link` closed: its groups were named until now.
    public func closed(link: UUID, at now: EventTime = .now()) {
        state.withLock { state in
            for group in state.links.removeValue(forKey: link) ?? [] { state.lastNamed[group] = now }
        }
    }

    /// Of `groups` (those with open lifecycles), the ones that no supervisor has named for too long at `now`.
    public func due(_ groups: [String], at now: EventTime) -> [String] {
        state.withLock { state in
            let current = state.links.values.reduce(into: Set<String>()) { $0.formUnion($1) }
            return groups.filter { group in
                if current.contains(group) { return false }
                let since = max(state.lastNamed[group] ?? startedAt, startedAt)
                return now.millisecondsSinceEpoch - since.millisecondsSinceEpoch >= limit(group).wholeMilliseconds
            }.sorted()
        }
    }

    /// Closes the open lifecycles of every group that is due; returns how many were closed.
    @discardableResult
    public func sweep(_ spool: Spool, at now: EventTime = .now(), logger: Logger) throws(ZTIUploaderError) -> Int {
        let due = due(Array(try spool.groupsWithOpenLifecycles().keys), at: now)
        var closed = 0
        for group in due {
            let open = try spool.open(group: group, window: .zero, now: now)
            let reason = "closed by the uploader: no supervisor has run group \(group) for \(limit(group))"
            let closings = open.lifecycles.map { lifecycle in
                Spool.Incoming(
                    event: lifecycle.event.closedAbsent(at: lifecycle.event.at, reason: reason),
                    resumeKey: lifecycle.resumeKey)
            }
            for closing in closings {
                logger.info(
                    "\(closing.event.id): \(reason) (call.max.open + pbx.resync.interval)",
                    metadata: ["group": .string(group), "call": .string(closing.event.callId)])
            }
            closed += try spool.append(closings, receivedAt: now)
        }
        return closed
    }
}
