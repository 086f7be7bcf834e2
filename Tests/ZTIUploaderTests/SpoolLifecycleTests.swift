import Foundation
import GRDB
import Testing
import ZTICore

@testable import ZTIUploader

/// The spool as the source of truth for call state: open lifecycles with their resume keys, one final per
/// lifecycle, and a previous release's spool migrated with its pending rows.
@Suite struct SpoolLifecycleTests {
    static func event(
        _ call: String, _ state: CallState, extension member: String = "101", attempt: Int = 1, at seconds: Int64 = 0,
        group: String = "sales"
    ) -> CallEvent {
        var event = CallEvent(
            group: group, pbx: .asterisk, callId: call, direction: .inbound, state: state, extension: member,
            attempt: attempt, at: EventTime(millisecondsSinceEpoch: 1_764_000_000_000 + seconds * 1000),
            from: "0312345678")
        event.startedAt = EventTime(millisecondsSinceEpoch: 1_764_000_000_000)
        return event
    }

    static func incoming(_ event: CallEvent, _ key: String?) -> Spool.Incoming {
        Spool.Incoming(event: event, resumeKey: key)
    }

    @Test func openListsTheLastEventAndResumeKeyOfEachLifecycleWithoutAFinal() throws {
        let spool = try Spool(path: SpoolTests.temporaryPath())
        _ = try spool.append(
            [
                Self.incoming(Self.event("c1", .ringing, extension: "101"), "u.101"),
                Self.incoming(Self.event("c1", .ringing, extension: "102"), "u.102"),
                Self.incoming(Self.event("c1", .answered, extension: "102", at: 4), "u.102"),
                Self.incoming(Self.event("c1", .ended, extension: "101", at: 4), "u.101"),
                Self.incoming(Self.event("c2", .ringing, extension: "103", group: "support"), "u.103"),
            ], receivedAt: .now())
        let open = try spool.open(group: "sales", window: .seconds(600))
        #expect(open.group == "sales")
        #expect(open.lifecycles.map(\.event.id) == ["sales/c1/102/answered/1"])
        #expect(open.lifecycles.map(\.resumeKey) == ["u.102"])
        #expect(
            open.attempts == [
                OpenLifecycles.Attempt(callId: "c1", extension: "101", attempt: 1, final: true, resumeKey: "u.101"),
                OpenLifecycles.Attempt(callId: "c1", extension: "102", attempt: 1, final: false, resumeKey: "u.102"),
            ])
        // The final closes it; the other group's lifecycle is its own.
        _ = try spool.append(
            [Self.incoming(Self.event("c1", .ended, extension: "102", at: 60), "u.102")], receivedAt: .now())
        #expect(try spool.open(group: "sales", window: .seconds(600)).lifecycles.isEmpty)
        #expect(try spool.open(group: "support", window: .seconds(600)).lifecycles.map(\.event.callId) == ["c2"])
        #expect(try spool.groupsWithOpenLifecycles().keys.sorted() == ["support"])
    }

    @Test func aLifecycleGetsOneFinalWhateverArrivesAfterIt() throws {
        let spool = try Spool(path: SpoolTests.temporaryPath())
        _ = try spool.append([Self.event("c3", .ringing), Self.event("c3", .missed, at: 20)], receivedAt: .now())
        // A restarted worker's different end, a late answer and the same final again: none is kept.
        var ended = Self.event("c3", .ended, at: 23)
        ended.cause = .normal
        let inserted = try spool.append(
            [ended, Self.event("c3", .answered, at: 21), Self.event("c3", .missed, at: 20)], receivedAt: .now())
        #expect(inserted == 0)
        #expect(spool.afterFinalDropped == 2)
        #expect(try spool.rows().map(\.event.state) == [.ringing, .missed])
        // A new attempt of the same member is a lifecycle of its own.
        #expect(try spool.append([Self.event("c3", .ringing, attempt: 2, at: 30)], receivedAt: .now()) == 1)
    }

    @Test func attemptsCoverOnlyCallsWithAnEventWithinTheWindow() throws {
        let spool = try Spool(path: SpoolTests.temporaryPath())
        let now = EventTime.now()
        _ = try spool.append(
            [Self.event("old", .ringing), Self.event("old", .missed)], receivedAt: now.adding(.seconds(-3600)))
        _ = try spool.append(
            [Self.event("new", .ringing, attempt: 1), Self.event("new", .missed, attempt: 1)], receivedAt: now)
        _ = try spool.append([Self.event("new", .ringing, attempt: 2)], receivedAt: now)
        let open = try spool.open(group: "sales", window: .seconds(600), now: now)
        #expect(open.attempts == [OpenLifecycles.Attempt(callId: "new", extension: "101", attempt: 2, final: false)])
        // The old call's lifecycle is closed; only the new attempt is open.
        #expect(open.lifecycles.map(\.event.id) == ["sales/new/101/ringing/2"])
    }

    @Test func aSpoolOfThePreviousReleaseOpensWithItsPendingRowsAndOpenLifecycles() throws {
        let path = SpoolTests.temporaryPath()
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        // The previous release's schema (migrations v1 to v3) and rows as it wrote them.
        do {
            let queue = try DatabaseQueue(path: path)
            try Spool.migrator.migrate(queue, upTo: "v3")
            try queue.write { db in
                for (sequence, event) in [
                    Self.event("p1", .ringing), Self.event("p1", .answered, at: 3), Self.event("p2", .ringing),
                    Self.event("p2", .missed, at: 9),
                ].enumerated() {
                    try db.execute(
                        sql: """
                            INSERT INTO events (id, groupKey, callKey, state, nextAttemptAt, receivedAt, eventAt, payload)
                            VALUES (?, ?, ?, ?, 0, ?, ?, ?)
                            """,
                        arguments: [
                            event.id, event.group, "sales/\(event.callId)", sequence == 0 ? "delivered" : "pending",
                            EventTime.now().millisecondsSinceEpoch, event.at.millisecondsSinceEpoch,
                            event.canonicalJSON(),
                        ])
                }
            }
        }
        let spool = try Spool(path: path)
        #expect(try spool.counts() == [.delivered: 1, .pending: 3])
        let due = try spool.nextDeliverable(now: .now(), limit: 10)
        #expect(due.map(\.event.id) == ["sales/p1/101/answered/1", "sales/p2/101/ringing/1"])
        let open = try spool.open(group: "sales", window: .seconds(600))
        #expect(open.lifecycles.map(\.event.id) == ["sales/p1/101/answered/1"])
        #expect(open.lifecycles.first?.resumeKey == nil)
        // The migrated rows follow the new rules: p2 has its final already.
        #expect(try spool.append([Self.event("p2", .ended, at: 10)], receivedAt: .now()) == 0)
    }

    /// A spool of the release before v5 kept skipped rows as delivered, with "skipped: " before their reason: they
    /// become rows of the skipped state, with the reason alone, and are counted apart from the delivered ones.
    @Test func skippedRowsOfThePreviousReleaseGetTheirOwnState() throws {
        let path = SpoolTests.temporaryPath()
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        do {
            let queue = try DatabaseQueue(path: path)
            try Spool.migrator.migrate(queue, upTo: "v4")
            try queue.write { db in
                for (event, error) in [
                    (Self.event("s1", .ringing), "skipped: obsolete: the call had ended before it could be delivered"),
                    (Self.event("s1", .ended, at: 5), nil), (Self.event("s2", .ringing), "sent as ended: a note"),
                ] {
                    try db.execute(
                        sql: """
                            INSERT INTO events (id, groupKey, callKey, state, nextAttemptAt, receivedAt, eventAt, payload,
                                lastError, lifecycleKey, final)
                            VALUES (?, ?, ?, 'delivered', 0, ?, ?, ?, ?, ?, ?)
                            """,
                        arguments: [
                            event.id, event.group, "sales/\(event.callId)", EventTime.now().millisecondsSinceEpoch,
                            event.at.millisecondsSinceEpoch, event.canonicalJSON(), error,
                            LifecycleKey(event).description, event.state.isTerminal,
                        ])
                }
            }
        }
        let spool = try Spool(path: path)
        #expect(try spool.counts() == [.delivered: 2, .skipped: 1])
        let rows = try spool.rows()
        let skipped = try #require(rows.first { $0.state == .skipped })
        #expect(skipped.event.id == "sales/s1/101/ringing/1")
        #expect(skipped.lastError == "obsolete: the call had ended before it could be delivered")
        #expect(rows.first { $0.event.id == "sales/s2/101/ringing/1" }?.lastError == "sent as ended: a note")
    }
}
