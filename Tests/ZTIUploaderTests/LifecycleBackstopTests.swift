import Foundation
import Logging
import Testing
import ZTICore

@testable import ZTIUploader

/// The uploader closes the open lifecycles of a group that no supervisor has named for its patience.
@Suite struct LifecycleBackstopTests {
    static let start = EventTime(millisecondsSinceEpoch: 1_764_000_000_000)

    static func at(_ seconds: Int64) -> EventTime { start.adding(.seconds(seconds)) }

    @Test func aGroupIsDueOnlyAfterItsPatienceWithoutASupervisorNamingIt() {
        let backstop = LifecycleBackstop(startedAt: Self.start) { $0 == "quick" ? .seconds(10) : .seconds(100) }
        let link = UUID()
        // Never sooner than the patience after the uploader's own start, named or not.
        #expect(backstop.due(["quick", "slow"], at: Self.at(9)).isEmpty)
        #expect(backstop.due(["quick", "slow"], at: Self.at(10)) == ["quick"])
        // Named by a connected supervisor: never due, however long.
        backstop.named(["quick"], link: link, at: Self.at(20))
        #expect(backstop.due(["quick"], at: Self.at(500)).isEmpty)
        // A reload's HELLO that no longer names it: due its patience after that HELLO.
        backstop.named(["other"], link: link, at: Self.at(600))
        #expect(backstop.due(["quick"], at: Self.at(609)).isEmpty)
        #expect(backstop.due(["quick"], at: Self.at(610)) == ["quick"])
        // The supervisor goes away: its groups were named until then.
        backstop.closed(link: link, at: Self.at(700))
        #expect(backstop.due(["other"], at: Self.at(799)).isEmpty)
        #expect(backstop.due(["other"], at: Self.at(800)) == ["other"])
    }

    @Test func aSweepClosesEachOpenLifecycleAsAReSyncWould() throws {
        let spool = try Spool(path: SpoolTests.temporaryPath())
        var answered = SpoolLifecycleTests.event("c1", .answered, extension: "102", at: 4, group: "gone")
        answered.answeredAt = answered.at
        _ = try spool.append(
            [
                Spool.Incoming(event: SpoolLifecycleTests.event("c1", .ringing, extension: "101", group: "gone")),
                Spool.Incoming(event: answered, resumeKey: "u.102"),
                Spool.Incoming(event: SpoolLifecycleTests.event("c2", .ringing, group: "kept")),
            ], receivedAt: Self.start)
        let backstop = LifecycleBackstop(startedAt: Self.start) { _ in .seconds(60) }
        backstop.named(["kept"], link: UUID(), at: Self.start)
        #expect(try backstop.sweep(spool, at: Self.at(59), logger: Logger(label: "test")) == 0)
        #expect(try backstop.sweep(spool, at: Self.at(60), logger: Logger(label: "test")) == 2)
        let closings = try spool.rows().filter { $0.event.group == "gone" && $0.event.state.isTerminal }.map(\.event)
        #expect(closings.map(\.id).sorted() == ["gone/c1/101/missed/1", "gone/c1/102/ended/1"])
        #expect(closings.allSatisfy { $0.cause == .unknown && $0.rawCause?.contains("no supervisor has run") == true })
        #expect(closings.first { $0.extension == "102" }?.endedAt == answered.at)
        #expect(try spool.groupsWithOpenLifecycles().keys.sorted() == ["kept"])
    }
}
