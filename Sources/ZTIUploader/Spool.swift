import Foundation
import GRDB
import ZTICore

/// The durable spool: every call event the uploader acked, in SQLite (WAL), with its delivery state.
///
/// An event is committed here before its ACK goes out; its id is the primary key, so a re-sent event is
/// swallowed. Rows are `pending` until a sink delivers them, `delivered` after, or `dead` when the CRM refused
/// them for good. Delivered rows older than the retention are pruned.
public final class Spool: Sendable {
    /// A row's delivery state.
    public enum State: String, Sendable, Codable {
        case pending, delivered, dead
    }

    /// One spooled event.
    public struct Row: Sendable, Equatable {
        public let sequence: Int64
        public let event: CallEvent
        public let state: State
        public let attempts: Int
        public let lastError: String?
    }

    /// The path of the SQLite file.
    public let path: String
    private let pool: DatabasePool

    /// Opens (creating if needed) the spool at `path`, or opens it read-only for `ztisup calls`.
    ///
    /// - Throws: ``ZTIUploaderError`` naming the file and what is wrong with it.
    public init(path: String, readOnly: Bool = false) throws(ZTIUploaderError) {
        self.path = path
        var configuration = Configuration()
        configuration.readonly = readOnly
        configuration.busyMode = .timeout(5)
        do {
            if !readOnly {
                try FileManager.default.createDirectory(
                    atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true,
                    attributes: [.posixPermissions: 0o750])
            }
            pool = try DatabasePool(path: path, configuration: configuration)
            if !readOnly { try Self.migrator.migrate(pool) }
        } catch {
            throw Self.failure(error, path: path, doing: "open")
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE events (
                        sequence INTEGER PRIMARY KEY AUTOINCREMENT,
                        id TEXT NOT NULL UNIQUE,
                        groupKey TEXT NOT NULL,
                        callKey TEXT NOT NULL,
                        state TEXT NOT NULL,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        nextAttemptAt INTEGER NOT NULL,
                        lastError TEXT,
                        receivedAt INTEGER NOT NULL,
                        deliveredAt INTEGER,
                        eventAt INTEGER NOT NULL,
                        payload TEXT NOT NULL
                    );
                    CREATE INDEX eventsByState ON events(state, nextAttemptAt);
                    CREATE INDEX eventsByCall ON events(callKey, sequence);
                    CREATE VIEW calls AS
                        SELECT callKey, groupKey, MIN(eventAt) AS firstAt, MAX(eventAt) AS lastAt, COUNT(*) AS events,
                            SUM(state = 'pending') AS pending, SUM(state = 'dead') AS dead
                        FROM events GROUP BY callKey;
                    """)
        }
        migrator.registerMigration("v2") { db in
            // What was registered with the CRM for click-to-dial, per CRM user: a fingerprint (a hash of the URL,
            // the user and the secret, never the secret), so a restart re-registers only what changed.
            try db.execute(
                sql: """
                    CREATE TABLE registrations (
                        crmUser TEXT PRIMARY KEY,
                        fingerprint TEXT NOT NULL,
                        registeredAt INTEGER NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v3") { db in
            // The pending rows in order, whatever the number of delivered rows kept for the retention period:
            // the next deliverable rows are found by walking it, not by grouping the whole table.
            try db.execute(sql: "CREATE INDEX eventsPending ON events(sequence) WHERE state = 'pending'")
        }
        return migrator
    }

    /// The click-to-dial registrations: CRM user → fingerprint.
    public func registrations() throws(ZTIUploaderError) -> [String: String] {
        do {
            return try pool.read { db in
                var result: [String: String] = [:]
                for row in try GRDB.Row.fetchAll(db, sql: "SELECT crmUser, fingerprint FROM registrations") {
                    result[row["crmUser"]] = row["fingerprint"]
                }
                return result
            }
        } catch {
            throw Self.failure(error, path: path, doing: "read")
        }
    }

    /// Records (or, with nil, forgets) the registration of `crmUser`.
    public func setRegistration(_ crmUser: String, fingerprint: String?) throws(ZTIUploaderError) {
        do {
            try pool.write { db in
                if let fingerprint {
                    try db.execute(
                        sql:
                            "INSERT OR REPLACE INTO registrations (crmUser, fingerprint, registeredAt) VALUES (?, ?, ?)",
                        arguments: [crmUser, fingerprint, EventTime.now().millisecondsSinceEpoch])
                } else {
                    try db.execute(sql: "DELETE FROM registrations WHERE crmUser = ?", arguments: [crmUser])
                }
            }
        } catch {
            throw Self.failure(error, path: path, doing: "write to")
        }
    }

    /// Commits `events` in one transaction and returns how many were new (the rest were already spooled).
    public func append(_ events: [CallEvent], receivedAt: EventTime) throws(ZTIUploaderError) -> Int {
        try append(events.map { ($0, $0.canonicalJSON()) }, receivedAt: receivedAt)
    }

    /// Commits events with their JSON as received (already validated), in one transaction.
    public func append(_ events: [(event: CallEvent, json: String)], receivedAt: EventTime) throws(ZTIUploaderError)
        -> Int
    {
        do {
            return try pool.write { db in
                var inserted = 0
                let statement = try db.cachedStatement(
                    sql: """
                        INSERT OR IGNORE INTO events
                            (id, groupKey, callKey, state, nextAttemptAt, receivedAt, eventAt, payload)
                        VALUES (?, ?, ?, 'pending', ?, ?, ?, ?)
                        """)
                for (event, json) in events {
                    try statement.execute(arguments: [
                        event.id, event.group, "\(event.group)/\(event.callId)",
                        receivedAt.millisecondsSinceEpoch, receivedAt.millisecondsSinceEpoch,
                        event.at.millisecondsSinceEpoch, json,
                    ])
                    inserted += db.changesCount
                }
                return inserted
            }
        } catch {
            throw Self.failure(error, path: path, doing: "write to")
        }
    }

    /// The rows of calls with an event at or after `since`, in spool order; only dead rows with `deadOnly`.
    public func rows(since: EventTime? = nil, deadOnly: Bool = false) throws(ZTIUploaderError) -> [Row] {
        do {
            return try pool.read { db in
                var sql = "SELECT sequence, payload, state, attempts, lastError FROM events"
                var conditions: [String] = []
                var arguments: StatementArguments = []
                if deadOnly { conditions.append("state = 'dead'") }
                if let since {
                    conditions.append("callKey IN (SELECT callKey FROM calls WHERE lastAt >= ?)")
                    arguments += [since.millisecondsSinceEpoch]
                }
                if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
                sql += " ORDER BY sequence"
                return try GRDB.Row.fetchAll(db, sql: sql, arguments: arguments).compactMap { row -> Row? in
                    let payload: String = row["payload"]
                    guard let event = try? CanonicalJSON.decode(CallEvent.self, from: Array(payload.utf8)) else {
                        return nil
                    }
                    return Row(
                        sequence: row["sequence"], event: event, state: State(rawValue: row["state"]) ?? .pending,
                        attempts: row["attempts"], lastError: row["lastError"])
                }
            }
        } catch {
            throw Self.failure(error, path: path, doing: "read")
        }
    }

    /// For each call with pending rows, its first pending row (so a call's events go out in order), when due.
    public func nextDeliverable(now: EventTime, limit: Int) throws(ZTIUploaderError) -> [Row] {
        do {
            return try pool.read { db in
                try GRDB.Row.fetchAll(
                    db,
                    sql: """
                        SELECT e.sequence, e.payload, e.state, e.attempts, e.lastError
                        FROM events e INDEXED BY eventsPending
                        WHERE e.state = 'pending' AND e.nextAttemptAt <= ? AND NOT EXISTS (
                            SELECT 1 FROM events p
                            WHERE p.callKey = e.callKey AND p.state = 'pending' AND p.sequence < e.sequence)
                        ORDER BY e.sequence LIMIT ?
                        """, arguments: [now.millisecondsSinceEpoch, limit]
                ).compactMap(Self.row)
            }
        } catch {
            throw Self.failure(error, path: path, doing: "read")
        }
    }

    /// The pending rows of the call of `row` that come after it.
    public func laterPending(after row: Row) throws(ZTIUploaderError) -> [Row] {
        do {
            return try pool.read { db in
                try GRDB.Row.fetchAll(
                    db,
                    sql: """
                        SELECT sequence, payload, state, attempts, lastError FROM events
                        WHERE callKey = ? AND state = 'pending' AND sequence > ? ORDER BY sequence
                        """, arguments: ["\(row.event.group)/\(row.event.callId)", row.sequence]
                ).compactMap(Self.row)
            }
        } catch {
            throw Self.failure(error, path: path, doing: "read")
        }
    }

    /// The events of the call of `row` that went to the CRM before it (delivered, not skipped), in order.
    public func sentBefore(_ row: Row) throws(ZTIUploaderError) -> [CallEvent] {
        do {
            return try pool.read { db in
                try GRDB.Row.fetchAll(
                    db,
                    sql: """
                        SELECT sequence, payload, state, attempts, lastError FROM events
                        WHERE callKey = ? AND sequence < ? AND state = 'delivered'
                            AND (lastError IS NULL OR lastError NOT LIKE 'skipped:%')
                        ORDER BY sequence
                        """, arguments: ["\(row.event.group)/\(row.event.callId)", row.sequence]
                ).compactMap(Self.row).map(\.event)
            }
        } catch {
            throw Self.failure(error, path: path, doing: "read")
        }
    }

    /// Records the outcome of a delivery attempt.
    public func record(
        _ sequence: Int64, state: State, attempts: Int, nextAttemptAt: EventTime?, error: String?, at time: EventTime
    ) throws(ZTIUploaderError) {
        do {
            try pool.write { db in
                try db.execute(
                    sql: """
                        UPDATE events SET state = ?, attempts = ?, nextAttemptAt = ?, lastError = ?,
                            deliveredAt = CASE WHEN ? = 'delivered' THEN ? ELSE deliveredAt END
                        WHERE sequence = ?
                        """,
                    arguments: [
                        state.rawValue, attempts, nextAttemptAt?.millisecondsSinceEpoch ?? 0, error, state.rawValue,
                        time.millisecondsSinceEpoch, sequence,
                    ])
            }
        } catch {
            throw Self.failure(error, path: path, doing: "write to")
        }
    }

    static func row(_ row: GRDB.Row) -> Row? {
        let payload: String = row["payload"]
        guard let event = try? CanonicalJSON.decode(CallEvent.self, from: Array(payload.utf8)) else { return nil }
        return Row(
            sequence: row["sequence"], event: event, state: State(rawValue: row["state"]) ?? .pending,
            attempts: row["attempts"], lastError: row["lastError"])
    }

    /// Counts of rows per state.
    public func counts() throws(ZTIUploaderError) -> [State: Int] {
        do {
            return try pool.read { db in
                var counts: [State: Int] = [:]
                for row in try GRDB.Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM events GROUP BY state") {
                    if let state = State(rawValue: row["state"]) { counts[state] = row["n"] }
                }
                return counts
            }
        } catch {
            throw Self.failure(error, path: path, doing: "read")
        }
    }

    /// When the oldest pending event was received, if any is pending.
    public func oldestPending() throws(ZTIUploaderError) -> EventTime? {
        do {
            return try pool.read { db in
                try Int64.fetchOne(db, sql: "SELECT MIN(receivedAt) FROM events WHERE state = 'pending'")
                    .map { EventTime(millisecondsSinceEpoch: $0) }
            }
        } catch {
            throw Self.failure(error, path: path, doing: "read")
        }
    }

    /// Puts dead rows back in the queue: the one with `id`, or all when `id` is nil. Returns how many.
    public func redeliver(id: String?) throws(ZTIUploaderError) -> Int {
        do {
            return try pool.write { db in
                if let id {
                    try db.execute(
                        sql:
                            "UPDATE events SET state = 'pending', attempts = 0, nextAttemptAt = 0 WHERE state = 'dead' AND id = ?",
                        arguments: [id])
                } else {
                    try db.execute(
                        sql: "UPDATE events SET state = 'pending', attempts = 0, nextAttemptAt = 0 WHERE state = 'dead'"
                    )
                }
                return db.changesCount
            }
        } catch {
            throw Self.failure(error, path: path, doing: "write to")
        }
    }

    /// Deletes delivered rows received before `before`; returns how many.
    public func prune(deliveredBefore before: EventTime) throws(ZTIUploaderError) -> Int {
        do {
            return try pool.write { db in
                try db.execute(
                    sql: "DELETE FROM events WHERE state = 'delivered' AND receivedAt < ?",
                    arguments: [before.millisecondsSinceEpoch])
                return db.changesCount
            }
        } catch {
            throw Self.failure(error, path: path, doing: "write to")
        }
    }

    /// A clear error for the administrator: corruption and a full disk are named as such.
    static func failure(_ error: any Error, path: String, doing: String) -> ZTIUploaderError {
        if let database = error as? DatabaseError {
            switch database.resultCode {
            case .SQLITE_CORRUPT, .SQLITE_NOTADB:
                return ZTIUploaderError(
                    .spoolCorrupt,
                    "the spool \(path) is damaged (\(database.message ?? "corrupt")); stop the uploader, move the file "
                        + "aside (keep it for recovery) and start again")
            case .SQLITE_FULL:
                return ZTIUploaderError(.spoolFull, "cannot \(doing) the spool \(path): the disk is full; free space")
            default:
                return ZTIUploaderError(
                    .spoolUnavailable,
                    "cannot \(doing) the spool \(path): \(database.message ?? "\(database.resultCode)")")
            }
        }
        return ZTIUploaderError(.spoolUnavailable, "cannot \(doing) the spool \(path): \(error)")
    }
}
