import Foundation
import Glibc
import Testing
import ZTICore
import ZTITestKit

/// Avaya call state survives restarts: the real supervisor, worker and uploader against `zti-pbxsim aes` with as
/// many TSAPI licences as stations, so that a session left behind would leave the new monitors without one.
@Suite(.serialized) struct AvayaResumeProcessTests {
    /// 3201 answers at 1 s and talks until 16 s (scenario time at speed 2: 2 s and 32 s).
    static let longCall = """
        at 0    inbound c1 from 0312345678 to 0312340600
        at 0.1  ring c1 3201
        at 2    answer c1 3201
        at 32   hangup c1 0312345678

        """

    /// A `ztisup run` configuration with the simulator's Avaya group only (`extra` appended to its file).
    static func conf(_ group: GroupConfig, extra: String = "") throws -> String {
        let conf = try UploaderProcessTests.conf("startup.timeout = 5s\nrestart.backoff.floor = 200ms\n")
        try (String(contentsOfFile: group.file, encoding: .utf8) + extra).write(
            toFile: conf + "/groups/east.properties", atomically: true, encoding: .utf8)
        return conf
    }

    static func east(_ report: [String: Any]) -> [String: Any] { SupervisorProcessTests.group(report, "east") }

    static func monitoring(_ report: [String: Any]) -> Bool {
        east(report)["state"] as? String == "connected" && (east(report)["monitored"] as? [String])?.count == 2
    }

    /// Plays the long call and waits until its answer is spooled.
    static func answered(_ conf: String, control: String) throws -> [CallEvent] {
        let scenario = try ResumeProcessTests.scenario(longCall)
        _ = ZTISupProcess.controlCommand(#"{"command":"play","file":"\#(scenario)"}"#, socket: control)
        return try ResumeProcessTests.spooled(conf) { ResumeProcessTests.has($0, "3201", .answered) }
    }

    /// The call's lifecycle once it ended: one ringing, one answered, one end with the same times.
    static func expectOneLifecycleWithTheWholeTalkTime(_ events: [CallEvent]) {
        let mine = events.filter { $0.extension == "3201" }
        #expect(mine.map(\.state) == [.ringing, .answered, .ended], "\(mine.map(\.id))")
        guard mine.count == 3, let answeredAt = mine[1].answeredAt else { return }
        #expect(Set(mine.map(\.callId)).count == 1 && Set(mine.map(\.attempt)) == [1])
        #expect(mine[2].cause == .normal)
        #expect(mine[2].startedAt == mine[1].startedAt && mine[2].answeredAt == answeredAt)
        // The talk time runs from the answer the first worker saw to the end the second one saw (15 s).
        #expect((14...16).contains(mine[2].talkSeconds ?? 0), "talk \(mine[2].talkSeconds ?? -1) s")
    }

    @Test func aKilledWorkersSessionIsRecoveredByTheNextAndItsCallGoesOn() throws {
        let (simulator, control, group) = try WorkerProcessTests.aesSimulator(["--licences", "2"], speed: 2)
        defer { simulator.kill() }
        let conf = try Self.conf(group)
        let run = try SupervisorProcessTests.Run(conf: conf)
        defer { run.process.kill() }
        let up = try run.status { Self.monitoring($0) }
        let session = Self.east(up)["session"] as? String
        #expect(session != nil)
        #expect(FileManager.default.fileExists(atPath: conf + "/run/east/aes-session"))
        #expect(try Self.answered(conf, control: control).contains { $0.extension == "3201" && $0.state == .answered })
        _ = try run.killWorker(in: up, group: "east")
        let back = try run.status { Self.monitoring($0) }
        // The same session, its monitors kept: no licence was needed twice.
        #expect(Self.east(back)["session"] as? String == session)
        #expect(Self.east(back)["monitored"] as? [String] == ["3201", "3202"])
        #expect((Self.east(back)["failedExtensions"] as? [String: String])?.keys.sorted() == ["4999"])
        #expect(run.wait(for: "AES session recovered"))
        #expect(run.wait(for: "1 open lifecycles resumed"))
        let events = try ResumeProcessTests.spooled(conf, seconds: 30) { ResumeProcessTests.has($0, "3201", .ended) }
        Self.expectOneLifecycleWithTheWholeTalkTime(events)
    }

    @Test func aSessionLostForLongerThanItsCleanupDelayGivesWayToANewOneAndTheCallGoesOn() throws {
        let (simulator, control, group) = try WorkerProcessTests.aesSimulator(["--licences", "2"], speed: 2)
        defer { simulator.kill() }
        let conf = try Self.conf(group, extra: "avaya.session.cleanupdelay = 2s\n")
        let first = try SupervisorProcessTests.Run(conf: conf)
        defer { first.process.kill() }
        let up = try first.status { Self.monitoring($0) }
        let session = Self.east(up)["session"] as? String
        _ = try Self.answered(conf, control: control)
        // A crash of the whole service (the worker killed outright, so its session is orphaned, not ended
        // politely): nothing runs while AES's cleanup delay passes and it drops the session.
        kill(pid_t(Self.east(up)["pid"] as? Int ?? 0), SIGKILL)
        first.process.signal(SIGKILL)
        _ = first.process.wait(seconds: 20)
        usleep(3_500_000)
        let second = try SupervisorProcessTests.Run(conf: conf)
        defer { second.process.kill() }
        let back = try second.status { Self.monitoring($0) }
        #expect(Self.east(back)["session"] as? String != session)
        // Both stations monitored again on two licences: the old session's monitors are gone.
        #expect(Self.east(back)["monitored"] as? [String] == ["3201", "3202"])
        #expect((Self.east(back)["failedExtensions"] as? [String: String])?.keys.sorted() == ["4999"])
        #expect(second.wait(for: "could not be recovered"), "\(second.log)")
        let events = try ResumeProcessTests.spooled(conf, seconds: 30) { ResumeProcessTests.has($0, "3201", .ended) }
        Self.expectOneLifecycleWithTheWholeTalkTime(events)
    }
}
