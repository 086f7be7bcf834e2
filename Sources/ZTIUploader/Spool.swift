import Foundation
import GRDB
import Synchronization
import ZTICore

/// The durable spool: every call event the uploader acked, in SQLite (WAL), with its delivery state.
///
/// An event is committed here before its ACK goes out; its id is the primary key, so a re-sent event is
/// swallowed. Rows are `pending` until a sink delivers them, `delivered` after, or `dead` when the CRM refused
/// them for good. Delivered rows older than the retention are pruned.
public final class Spool: Sendable {
    /// A row's delivery state.
    public enum State: String, Sendable, Codable {
        /// `kept`: stored for `ztisup calls` only (`crm.sink = none`), never delivered. `skipped`: never sent, on
        /// purpose (obsolete by the call's end, or by the sink's policy); its reason is the row's last error.
        case pending, delivered, dead, kept, skipped
    }

    /// One spooled event.
    public struct Row: Sendable, Equatable {
        public let sequence: Int64
        public let event: CallEvent
        public let state: State
        public let attempts: Int
        public let lastError: String?
        /// The event's JSON as the spool holds it: what a sink that posts the event sends, as it is.
        public let payload: String

        public init(
            sequence: Int64, event: CallEvent, state: State, attempts: Int, lastError: String?, payload: String? = nil
        ) {
            self.sequence = sequence
            self.event = event
            self.state = state
            self.attempts = attempts
            self.lastError = lastError
            self.payload = payload ?? event.canonicalJSON()
        }
    }

    /// One event to commit: the event, its JSON as it will be stored and delivered, and the member's leg.
    public struct Incoming: Sendable {
        public let event: CallEvent
        public let json: String
        public let resumeKey: String?

        public init(event: CallEvent, json: String? = nil, resumeKey: String? = nil) {
            self.event = event
            self.json = json ?? event.canonicalJSON()
            self.resumeKey = resumeKey
        }
    }

    /// The path of the SQLite file.
    public let path: String
    private let pool: DatabasePool
    private let droppedAfterFinal = Mutex(0)
    /// The state new rows take: `pending` when a sink delivers them, `kept` when there is none.
    private let arrivalState: State

    /// Events dropped since the start because their lifecycle already had a final (one final per lifecycle).
    public var afterFinalDropped: Int { droppedAfterFinal.withLock { $0 } }

    /// Opens (creating if needed) the spool at `path`, or opens it read-only for `ztisup calls`.
    ///
    /// - Throws: ``ZTIUploaderError`` naming the file and what is wrong with it.
    public init(path: String, readOnly: Bool = false, delivering: Bool = true) throws(ZTIUploaderError) {
        self.path = path
        arrivalState = delivering ? .pending : .kept
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
        migrator.registerMigration("v4") { db in
            try migrateToLifecycles(db)
        }
        migrator.registerMigration("v5") { db in
            // Skipped rows were stored as delivered with a "skipped: " prefix on their reason: a state of their own.
            try db.execute(
                sql: """
                    UPDATE events SET state = 'skipped', lastError = substr(lastError, 10)
                    WHERE state = 'delivered' AND lastError LIKE 'skipped: %'
                    """)
        }
        return migrator
    }

    /// The click-to-dial registrations: CRM user → fingerprint.
    public func registrations() throws(ZTIUploaderError) -> [String: String] {
        return try reading { db in
            var result: [String: String] = [:]
            for row in try GRDB.Row.fetchAll(db, sql: "SELECT crmUser, fingerprint FROM registrations") {
                result[row["crmUser"]] = row["fingerprint"]
            }
            return result
        }
    }

    /// Records (or, with nil, forgets) the registration of `crmUser`.
    public func setRegistration(_ crmUser: String, fingerprint: String?) throws(ZTIUploaderError) {
        try writing { db in
            if let fingerprint {
                try db.execute(
                    sql:
                        "INSERT OR REPLACE INTO registrations (crmUser, fingerprint, registeredAt) VALUES (?, ?, ?)",
                    arguments: [crmUser, fingerprint, EventTime.now().millisecondsSinceEpoch])
            } else {
                try db.execute(sql: "DELETE FROM registrations WHERE crmUser = ?", arguments: [crmUser])
            }
        }
    }

    /// Commits `events` in one transaction and returns how many were new (the rest were already spooled, or
    /// came after their lifecycle's final).
    public func append(_ events: [CallEvent], receivedAt: EventTime) throws(ZTIUploaderError) -> Int {
        try append(events.map { Incoming(event: $0) }, receivedAt: receivedAt)
    }

    /// Commits events in one transaction; returns how many were new. An event whose lifecycle already has a final
    /// (`ended`, `missed`, `failed`, `transferred`) is dropped and counted: one final per lifecycle, whatever a
    /// restarted worker sends. The open-lifecycle table follows each commit.
    public func append(_ events: [Incoming], receivedAt: EventTime) throws(ZTIUploaderError) -> Int {
        let (inserted, dropped) = try writing { db -> (Int, Int) in
            var inserted = 0
            var dropped = 0
            let insert = try db.cachedStatement(
                sql: """
                    INSERT OR IGNORE INTO events
                        (id, groupKey, callKey, state, nextAttemptAt, receivedAt, eventAt, payload, lifecycleKey,
                         resumeKey, final)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            let finalExists = try db.cachedStatement(
                sql: "SELECT 1 FROM events WHERE lifecycleKey = ? AND final = 1 AND id <> ? LIMIT 1")
            let closeOpen = try db.cachedStatement(sql: "DELETE FROM openLifecycles WHERE lifecycleKey = ?")
            let keepOpen = try db.cachedStatement(
                sql: """
                    INSERT INTO openLifecycles (lifecycleKey, groupKey, sequence, resumeKey, lastReceivedAt)
                    VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT(lifecycleKey) DO UPDATE SET sequence = excluded.sequence,
                        resumeKey = COALESCE(excluded.resumeKey, openLifecycles.resumeKey),
                        lastReceivedAt = excluded.lastReceivedAt
                    """)
            for incoming in events {
                let event = incoming.event
                let lifecycle = LifecycleKey(event).description
                if try Bool.fetchOne(finalExists, arguments: [lifecycle, event.id]) == true {
                    dropped += 1
                    continue
                }
                try insert.execute(arguments: [
                    event.id, event.group, "\(event.group)/\(event.callId)", arrivalState.rawValue,
                    receivedAt.millisecondsSinceEpoch, receivedAt.millisecondsSinceEpoch,
                    event.at.millisecondsSinceEpoch, incoming.json, lifecycle, incoming.resumeKey,
                    event.state.isTerminal,
                ])
                guard db.changesCount > 0 else { continue }
                inserted += 1
                if event.state.isTerminal {
                    try closeOpen.execute(arguments: [lifecycle])
                } else {
                    try keepOpen.execute(arguments: [
                        lifecycle, event.group, db.lastInsertedRowID, incoming.resumeKey,
                        receivedAt.millisecondsSinceEpoch,
                    ])
                }
            }
            return (inserted, dropped)
        }
        if dropped > 0 { droppedAfterFinal.withLock { $0 += dropped } }
        return inserted
    }

    /// What `OPEN` tells a group's next worker: the last event and resume key of each open lifecycle, and for the
    /// calls with an event received within `window`, the highest attempt per extension and whether it has a final.
    public func open(group: String, window: Duration, now: EventTime = .now()) throws(ZTIUploaderError)
        -> OpenLifecycles
    {
        return try reading { db in
            let lifecycles = try GRDB.Row.fetchAll(
                db,
                sql: """
                    SELECT e.payload, o.resumeKey FROM openLifecycles o JOIN events e ON e.sequence = o.sequence
                    WHERE o.groupKey = ? ORDER BY o.sequence
                    """, arguments: [group]
            ).compactMap { row -> OpenLifecycles.Lifecycle? in
                let payload: String = row["payload"]
                guard let event = try? CallEventJSON.decode(payload.utf8) else {
                    return nil
                }
                return OpenLifecycles.Lifecycle(event: event, resumeKey: row["resumeKey"])
            }
            let since = now.millisecondsSinceEpoch - window.wholeMilliseconds
            var highest: [String: OpenLifecycles.Attempt] = [:]
            for row in try GRDB.Row.fetchAll(
                db,
                sql: """
                    SELECT lifecycleKey, MAX(final) AS final, MAX(resumeKey) AS resumeKey FROM events
                    WHERE callKey IN (
                        SELECT DISTINCT callKey FROM events INDEXED BY eventsByGroupReceived
                        WHERE groupKey = ? AND receivedAt >= ?)
                    GROUP BY lifecycleKey
                    """, arguments: [group, since])
            {
                let key: String = row["lifecycleKey"]
                let parts = key.split(separator: "/", omittingEmptySubsequences: false)
                guard parts.count == 4, let attempt = Int(parts[3]) else { continue }
                let entry = OpenLifecycles.Attempt(
                    callId: String(parts[1]), extension: String(parts[2]), attempt: attempt,
                    final: (row["final"] as Int?) == 1, resumeKey: row["resumeKey"])
                let slot = entry.callId + "/" + entry.extension
                if let known = highest[slot], known.attempt >= attempt { continue }
                highest[slot] = entry
            }
            let attempts = highest.values.sorted {
                ($0.callId, $0.extension, $0.attempt) < ($1.callId, $1.extension, $1.attempt)
            }
            return OpenLifecycles(group: group, lifecycles: lifecycles, attempts: attempts)
        }
    }

    /// The groups with open lifecycles, and when each group's newest open lifecycle last heard of.
    public func groupsWithOpenLifecycles() throws(ZTIUploaderError) -> [String: EventTime] {
        return try reading { db in
            var result: [String: EventTime] = [:]
            for row in try GRDB.Row.fetchAll(
                db, sql: "SELECT groupKey, MAX(lastReceivedAt) AS last FROM openLifecycles GROUP BY groupKey")
            {
                result[row["groupKey"]] = EventTime(millisecondsSinceEpoch: row["last"])
            }
            return result
        }
    }

    /// Migration v4: each row knows its lifecycle, whether it is a final, and the member's leg (resume key); the
    /// open lifecycles get a table of their own, filled from the rows a previous release spooled.
    static func migrateToLifecycles(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE events ADD COLUMN lifecycleKey TEXT;
                ALTER TABLE events ADD COLUMN resumeKey TEXT;
                ALTER TABLE events ADD COLUMN final INTEGER NOT NULL DEFAULT 0;
                CREATE TABLE openLifecycles (
                    lifecycleKey TEXT PRIMARY KEY,
                    groupKey TEXT NOT NULL,
                    sequence INTEGER NOT NULL,
                    resumeKey TEXT,
                    lastReceivedAt INTEGER NOT NULL
                );
                CREATE INDEX openLifecyclesByGroup ON openLifecycles(groupKey);
                """)
        let update = try db.makeStatement(sql: "UPDATE events SET lifecycleKey = ?, final = ? WHERE sequence = ?")
        for row in try GRDB.Row.fetchAll(db, sql: "SELECT sequence, id FROM events") {
            let id: String = row["id"]
            let parts = id.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 5, let state = CallState(rawValue: String(parts[3])) else { continue }
            let key = [parts[0], parts[1], parts[2], parts[4]].joined(separator: "/")
            try update.execute(arguments: [key, state.isTerminal, row["sequence"] as Int64])
        }
        try db.execute(
            sql: """
                CREATE INDEX eventsByLifecycle ON events(lifecycleKey, final);
                CREATE INDEX eventsByGroupReceived ON events(groupKey, receivedAt);
                INSERT INTO openLifecycles (lifecycleKey, groupKey, sequence, resumeKey, lastReceivedAt)
                    SELECT lifecycleKey, groupKey, MAX(sequence), NULL, MAX(receivedAt) FROM events
                    WHERE lifecycleKey IS NOT NULL GROUP BY lifecycleKey HAVING MAX(final) = 0;
                -- Pending rows no longer wait on a backoff of their own: the CRM is retried as a whole.
                UPDATE events SET nextAttemptAt = 0 WHERE state = 'pending';
                """)
    }

    /// The rows of calls with an event at or after `since`, in spool order; only dead rows with `deadOnly`.
    public func rows(since: EventTime? = nil, deadOnly: Bool = false) throws(ZTIUploaderError) -> [Row] {
        return try reading { db in
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
            return try GRDB.Row.fetchAll(db, sql: sql, arguments: arguments).compactMap(Self.row)
        }
    }

    /// For each call with pending rows, its first pending row (so a call's events go out in order), when due.
    public func nextDeliverable(now: EventTime, limit: Int) throws(ZTIUploaderError) -> [Row] {
        return try reading { db in
            // Cached: delivery asks this after every commit, and compiling it cost more than running it.
            try GRDB.Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        SELECT e.sequence, e.payload, e.state, e.attempts, e.lastError
                        FROM events e INDEXED BY eventsPending
                        WHERE e.state = 'pending' AND e.nextAttemptAt <= ? AND NOT EXISTS (
                            SELECT 1 FROM events p
                            WHERE p.callKey = e.callKey AND p.state = 'pending' AND p.sequence < e.sequence)
                        ORDER BY e.sequence LIMIT ?
                        """), arguments: [now.millisecondsSinceEpoch, limit]
            ).compactMap(Self.row)
        }
    }

    /// The pending rows of the call of `row` that come after it.
    public func laterPending(after row: Row) throws(ZTIUploaderError) -> [Row] {
        try rowsOfCall(of: row, "state = 'pending' AND sequence > ?")
    }

    /// The events of the call of `row` that went to the CRM before it (delivered), in order.
    public func sentBefore(_ row: Row) throws(ZTIUploaderError) -> [CallEvent] {
        try rowsOfCall(of: row, "state = 'delivered' AND sequence < ?").map(\.event)
    }

    /// The rows of the call of `row` that meet `condition` (whose `?` is `row`'s sequence), in order.
    private func rowsOfCall(of row: Row, _ condition: String) throws(ZTIUploaderError) -> [Row] {
        try reading { db in
            try GRDB.Row.fetchAll(
                db,
                sql: "SELECT sequence, payload, state, attempts, lastError FROM events WHERE callKey = ? AND "
                    + condition + " ORDER BY sequence",
                arguments: ["\(row.event.group)/\(row.event.callId)", row.sequence]
            ).compactMap(Self.row)
        }
    }

    /// Records one outcome for the rows of one request (one row, or a batch the CRM took or refused as a whole), in
    /// one transaction; a pending row is due again at once (the engine decides when).
    public func record(
        _ rows: [(sequence: Int64, attempts: Int)], state: State, error: String?, at time: EventTime
    ) throws(ZTIUploaderError) {
        try writing { db in
            for (sequence, attempts) in rows {
                try Self.update(db, sequence, state: state, attempts: attempts, error: error, at: time)
            }
        }
    }

    private static func update(
        _ db: GRDB.Database, _ sequence: Int64, state: State, attempts: Int, error: String?, at time: EventTime
    ) throws {
        try db.cachedStatement(
            sql: """
                UPDATE events SET state = ?, attempts = ?, nextAttemptAt = 0, lastError = ?,
                    deliveredAt = CASE WHEN ? = 'delivered' THEN ? ELSE deliveredAt END
                WHERE sequence = ?
                """
        ).execute(
            arguments: [state.rawValue, attempts, error, state.rawValue, time.millisecondsSinceEpoch, sequence])
    }

    static func row(_ row: GRDB.Row) -> Row? {
        let payload: String = row["payload"]
        guard let event = try? CallEventJSON.decode(payload.utf8) else { return nil }
        return Row(
            sequence: row["sequence"], event: event, state: State(rawValue: row["state"]) ?? .pending,
            attempts: row["attempts"], lastError: row["lastError"], payload: payload)
    }

    /// Counts of rows per state.
    public func counts() throws(ZTIUploaderError) -> [State: Int] {
        return try reading { db in
            var counts: [State: Int] = [:]
            for row in try GRDB.Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM events GROUP BY state") {
                if let state = State(rawValue: row["state"]) { counts[state] = row["n"] }
            }
            return counts
        }
    }

    /// When the oldest pending event was received, if any is pending.
    public func oldestPending() throws(ZTIUploaderError) -> EventTime? {
        return try reading { db in
            try Int64.fetchOne(db, sql: "SELECT MIN(receivedAt) FROM events WHERE state = 'pending'")
                .map { EventTime(millisecondsSinceEpoch: $0) }
        }
    }

    /// The counts `STATUS` and `/metrics` report: rows per state, and the age of the oldest pending.
    public func statusCounts() throws(ZTIUploaderError) -> UploaderStatus.SpoolCounts {
        let counts = try counts()
        var spoolCounts = UploaderStatus.SpoolCounts(
            pending: counts[.pending] ?? 0, delivered: counts[.delivered] ?? 0, skipped: counts[.skipped] ?? 0,
            dead: counts[.dead] ?? 0, kept: counts[.kept] ?? 0, afterFinalDropped: afterFinalDropped)
        if let oldest = try oldestPending() {
            let age = max(0, EventTime.now().millisecondsSinceEpoch - oldest.millisecondsSinceEpoch) / 1000
            spoolCounts.oldestPendingAgeSeconds = Int(age)
        }
        return spoolCounts
    }

    /// Puts dead rows back in the queue: the one with `id`, or all when `id` is nil. Returns how many.
    public func redeliver(id: String?) throws(ZTIUploaderError) -> Int {
        return try writing { db in
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
    }

    /// Deletes delivered rows received before `before`; returns how many.
    public func prune(deliveredBefore before: EventTime) throws(ZTIUploaderError) -> Int {
        return try writing { db in
            try db.execute(
                sql: "DELETE FROM events WHERE state IN ('delivered', 'skipped') AND receivedAt < ?",
                arguments: [before.millisecondsSinceEpoch])
            return db.changesCount
        }
    }

    /// Runs `body` in a read transaction; a failure is an error naming the spool file.
    private func reading<T>(_ body: (Database) throws -> T) throws(ZTIUploaderError) -> T {
        do {
            return try pool.read(body)
        } catch {
            throw Self.failure(error, path: path, doing: "read")
        }
    }

    /// Runs `body` in a write transaction; a failure is an error naming the spool file.
    private func writing<T>(_ body: (Database) throws -> T) throws(ZTIUploaderError) -> T {
        do {
            return try pool.write(body)
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
