import Foundation
import GRDBSQLite
import Glibc
import Testing
import ZTICore

@testable import ZTIUploader

/// The spool on a real SQLite file.
@Suite struct SpoolTests {
    static func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("zti-spool-\(UUID().uuidString)/spool.sqlite")
            .path
    }

    static func event(_ call: String, _ state: CallState, attempt: Int = 1, at: Int64 = 0) -> CallEvent {
        CallEvent(
            group: "sales", pbx: .asterisk, callId: call, direction: .inbound, state: state, extension: "101",
            attempt: attempt, at: EventTime(millisecondsSinceEpoch: at), from: "0312345678")
    }

    @Test func eventsAreKeptInOrderAndDuplicatesSwallowed() throws {
        let spool = try Spool(path: Self.temporaryPath())
        let events = [Self.event("1.1", .ringing), Self.event("1.1", .answered), Self.event("1.2", .ringing)]
        #expect(try spool.append(events, receivedAt: .now()) == 3)
        #expect(try spool.append([events[1], Self.event("1.1", .ended)], receivedAt: .now()) == 1)
        let rows = try spool.rows()
        #expect(rows.map(\.event.id) == events.map(\.id) + ["sales/1.1/101/ended/1"])
        #expect(rows.allSatisfy { $0.state == .pending && $0.attempts == 0 })
        #expect(try spool.counts() == [.pending: 4])
    }

    @Test func aReadOnlySpoolSeesWhatTheWriterCommitted() throws {
        let path = Self.temporaryPath()
        let writer = try Spool(path: path)
        _ = try writer.append([Self.event("2.1", .ringing)], receivedAt: .now())
        let reader = try Spool(path: path, readOnly: true)
        #expect(try reader.rows().map(\.event.callId) == ["2.1"])
        _ = try writer.append([Self.event("2.2", .ringing)], receivedAt: .now())
        #expect(try reader.rows().count == 2)
        #expect(throws: ZTIUploaderError.self) { try reader.append([Self.event("2.3", .ringing)], receivedAt: .now()) }
    }

    @Test func sinceFiltersWholeCalls() throws {
        let spool = try Spool(path: Self.temporaryPath())
        _ = try spool.append(
            [
                Self.event("3.1", .ringing, at: 1000), Self.event("3.2", .ringing, at: 5000),
                Self.event("3.1", .missed, at: 9000),
            ],
            receivedAt: .now())
        #expect(
            try spool.rows(since: EventTime(millisecondsSinceEpoch: 8000)).map(\.event.state) == [.ringing, .missed])
    }

    @Test func redeliverAndPrune() throws {
        let path = Self.temporaryPath()
        let spool = try Spool(path: path)
        _ = try spool.append(
            [Self.event("4.1", .ringing), Self.event("4.1", .missed)], receivedAt: EventTime(millisecondsSinceEpoch: 1))
        #expect(try spool.redeliver(id: nil) == 0)
        // What delivery will do: a dead row and a delivered one.
        var db: OpaquePointer?
        sqlite3_open(path, &db)
        sqlite3_exec(
            db,
            "UPDATE events SET state='dead' WHERE id LIKE '%missed%'; UPDATE events SET state='delivered' WHERE id LIKE '%ringing%'",
            nil, nil, nil)
        sqlite3_close(db)
        #expect(try spool.rows(deadOnly: true).map(\.event.state) == [.missed])
        #expect(try spool.redeliver(id: "sales/4.1/101/missed/1") == 1)
        #expect(try spool.counts() == [.pending: 1, .delivered: 1])
        #expect(try spool.prune(deliveredBefore: EventTime(millisecondsSinceEpoch: 2)) == 1)
        #expect(try spool.counts() == [.pending: 1])
    }

    @Test func aDamagedFileIsNamedAsSuch() throws {
        let path = Self.temporaryPath()
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(repeating: 0x41, count: 8192).write(to: URL(fileURLWithPath: path))
        do {
            _ = try Spool(path: path)
            Issue.record("a damaged spool opened")
        } catch {
            #expect(error.code == .spoolCorrupt)
            #expect(error.message.contains("is damaged"))
            #expect(error.message.contains(path))
        }
    }
}
