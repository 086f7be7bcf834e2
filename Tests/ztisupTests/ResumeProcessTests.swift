import Foundation
import Glibc
import Testing
import ZTICore
import ZTITestKit

/// Call state survives restarts: the real supervisor, workers and uploader against `zti-pbxsim ami`, killed or
/// stopped in the middle of calls. The spool is the one source of truth; a new worker resumes what it holds.
@Suite(.serialized) struct ResumeProcessTests {
    /// Every event in the spool, as `ztisup calls --json` lists them.
    static func spooled(_ conf: String) throws -> [CallEvent] {
        let listed = try ZTISupProcess.run(["calls", "--conf", conf, "--json"])
        let calls = (try? JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]]) ?? []
        return calls.flatMap { call in
            (call["events"] as? [[String: Any]] ?? []).compactMap { fields in
                guard let data = try? JSONSerialization.data(withJSONObject: fields) else { return nil }
                return try? CanonicalJSON.decode(CallEvent.self, from: data)
            }
        }
    }

    /// Polls the spool until `done` holds for its events (or `seconds` pass); returns the last look.
    static func spooled(_ conf: String, seconds: Double = 20, until done: ([CallEvent]) -> Bool) throws -> [CallEvent] {
        let deadline = Deadline(seconds: seconds)
        var events: [CallEvent] = []
        repeat {
            events = try spooled(conf)
            if done(events) { break }
            usleep(200_000)
        } while !deadline.passed
        return events
    }

    /// A scenario file (the simulator's format) in a fresh directory.
    static func scenario(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("zti-scn-\(UUID().uuidString).scn")
            .path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The ring-group scenario: 101 and 102 ring, 102 answers at 4 s and talks for a minute.
    static let ringGroup = URL(fileURLWithPath: WorkerProcessTests.transcripts).deletingLastPathComponent()
        .appendingPathComponent("Scenarios/ring-group.scn").path

    /// A family-12 simulator playing `scenario` once the first client logs in, `speed` times faster.
    static func simulator(_ scenario: String, speed: Int) throws -> (ChildProcess, Int) {
        try SimulatorCommandTests.start([
            "--family", "12", "--secret", "s3cret", "--speed", String(speed), "--scenario", scenario,
        ])
    }

    static func has(_ events: [CallEvent], _ member: String, _ state: CallState) -> Bool {
        events.contains { $0.extension == member && $0.state == state }
    }

    @Test func aWorkerKilledWhileACallIsAnsweredGoesOnWithTheSameTimesAndTheWholeTalkTime() throws {
        // 102 answers at 4 s and talks for a minute, five times faster than real time.
        let (simulator, port) = try Self.simulator(Self.ringGroup, speed: 5)
        defer { simulator.kill() }
        let conf = try SupervisorProcessTests.conf(port: port)
        let run = try SupervisorProcessTests.Run(conf: conf)
        defer { run.process.kill() }
        let up = try run.status { SupervisorProcessTests.group($0)["state"] as? String == "connected" }
        let answered = try Self.spooled(conf) { Self.has($0, "102", .answered) }
        #expect(Self.has(answered, "102", .answered))
        let back = try run.killWorker(in: up)
        #expect(SupervisorProcessTests.group(back)["restarts"] as? Int == 1)
        let events = try Self.spooled(conf) { Self.has($0, "102", .ended) }
        let mine = events.filter { $0.extension == "102" }
        #expect(mine.map(\.state) == [.ringing, .answered, .ended], "\(mine.map(\.id))")
        #expect(mine.allSatisfy { $0.attempt == 1 && $0.callId == mine.first?.callId })
        guard let answer = mine.first(where: { $0.state == .answered }), let end = mine.last, end.state == .ended
        else { return }
        #expect(end.startedAt == answer.startedAt)
        #expect(end.answeredAt == answer.answeredAt)
        #expect(end.cause == .normal)
        #expect((59...61).contains(end.talkSeconds ?? 0), "talk \(end.talkSeconds ?? -1) s")
        #expect(run.wait(for: "1 open lifecycles resumed"))
        // 101 lost the call to 102 before the kill: one end, answered elsewhere, and nothing after it.
        #expect(events.filter { $0.extension == "101" }.map(\.state) == [.ringing, .ended])
    }

    /// Two calls: c1 (101) hangs up while ztisup is down, c2 (102) is still up when it is back.
    static let twoCalls = """
        at 0     inbound c1 from 0312345678 to 0312340600
        at 0.1   ring c1 101
        at 0.2   inbound c2 from 0312345679 to 0312340601
        at 0.3   ring c2 102
        at 2     answer c1 101
        at 2.2   answer c2 102
        at 30    hangup c1
        at 60    hangup c2

        """

    @Test(arguments: [SIGKILL, SIGTERM])
    func aSupervisorStoppedMidCallAndStartedAgainClosesWhatEndedAndResumesWhatIsUp(signal: Int32) throws {
        // Four times faster: answers at 0.5 s, c1 ends at 7.5 s and c2 at 15 s.
        let (simulator, port) = try Self.simulator(try Self.scenario(Self.twoCalls), speed: 4)
        defer { simulator.kill() }
        let conf = try SupervisorProcessTests.conf(port: port)
        let first = try SupervisorProcessTests.Run(conf: conf)
        defer { first.process.kill() }
        let before = try Self.spooled(conf) { Self.has($0, "101", .answered) && Self.has($0, "102", .answered) }
        #expect(Self.has(before, "101", .answered) && Self.has(before, "102", .answered))
        // As systemd stops it (SIGTERM), or as a crash does (SIGKILL: the workers and the uploader die with it).
        first.process.signal(signal)
        _ = first.process.wait(seconds: 20)
        // c1 hangs up while nothing runs.
        usleep(7_000_000)
        let second = try SupervisorProcessTests.Run(conf: conf)
        defer { second.process.kill() }
        let events = try Self.spooled(conf, seconds: 25) { Self.has($0, "101", .ended) && Self.has($0, "102", .ended) }
        let c1 = events.filter { $0.extension == "101" }
        let c2 = events.filter { $0.extension == "102" }
        #expect(c1.map(\.state) == [.ringing, .answered, .ended], "\(c1.map(\.id))")
        #expect(c2.map(\.state) == [.ringing, .answered, .ended], "\(c2.map(\.id))")
        guard c1.count == 3, c2.count == 3 else { return }
        // c1's end was not seen: cause unknown, ended when it was last known (its answer), with its ring time.
        #expect(c1[2].cause == .unknown)
        #expect(c1[2].endedAt == c1[1].at)
        #expect(c1[2].ringSeconds == 1)
        #expect(c1[2].answeredAt == c1[1].answeredAt)
        // c2 went on: its end has its original times and the whole talk time.
        #expect(c2[2].cause == .normal)
        #expect(c2[2].startedAt == c2[1].startedAt)
        #expect(c2[2].answeredAt == c2[1].answeredAt)
        #expect((57...58).contains(c2[2].talkSeconds ?? 0), "talk \(c2[2].talkSeconds ?? -1) s")
        #expect(Set(c2.map(\.callId)).count == 1 && Set(c2.map(\.attempt)) == [1])
    }

    @Test func aGroupRemovedByAReloadHasItsOpenLifecyclesClosedByTheUploaderAfterTheBackstopTime() throws {
        let (simulator, port) = try Self.simulator(try Self.scenario(Self.twoCalls), speed: 4)
        defer { simulator.kill() }
        let conf = try SupervisorProcessTests.conf(port: port)
        // Low timers: the uploader waits call.max.open + pbx.resync.interval (3 s) for a supervisor to name it.
        let sales = try String(contentsOfFile: conf + "/groups/sales.properties", encoding: .utf8)
        try (sales + "call.max.open = 2s\npbx.resync.interval = 1s\n").write(
            toFile: conf + "/groups/sales.properties", atomically: true, encoding: .utf8)
        // The same PBX and members; a CRM user has one default extension, which stays in sales.
        try sales.replacingOccurrences(of: "user.alice.default = true\n", with: "")
            .replacingOccurrences(of: "group.name = Sales", with: "group.name = Support").write(
                toFile: conf + "/groups/support.properties", atomically: true, encoding: .utf8)
        let run = try SupervisorProcessTests.Run(conf: conf)
        defer { run.process.kill() }
        let open = try Self.spooled(conf) { events in
            events.contains { $0.group == "sales" && $0.extension == "102" && $0.state == .answered }
        }
        #expect(open.contains { $0.group == "sales" && $0.state == .answered })
        try FileManager.default.removeItem(atPath: conf + "/groups/sales.properties")
        run.process.signal(SIGHUP)
        #expect(run.wait(for: "1 removed (sales)"))
        let events = try Self.spooled(conf, seconds: 20) { events in
            events.filter { $0.group == "sales" && $0.extension == "102" }.contains { $0.state.isTerminal }
        }
        let closing = events.first { $0.group == "sales" && $0.extension == "102" && $0.state.isTerminal }
        #expect(closing?.state == .ended)
        #expect(closing?.cause == .unknown)
        #expect(closing?.rawCause?.contains("no supervisor has run group sales") == true)
        #expect(run.wait(for: "closed by the uploader: no supervisor has run group sales"))
        // The group that still runs is left alone: its call is still up.
        #expect(!events.contains { $0.group == "support" && $0.extension == "102" && $0.state.isTerminal })
    }

    @Test func aFinalQueuedInTheSupervisorWhenItsWorkerDiesIsDeliveredOnceAndNotEmittedAgain() throws {
        // The uploader runs as its own process (as under systemd), so the test can take it away.
        let (simulator, port) = try Self.simulator(Self.ringGroup, speed: 5)
        defer { simulator.kill() }
        let conf = try SupervisorProcessTests.conf(
            port: port, extra: "uploader.spawn = false\nuploader.socket = run/events.sock\nopen.timeout = 500ms\n")
        var uploader = try UploaderProcessTests.Uploader(conf: conf)
        defer { uploader.kill() }
        #expect(uploader.wait(for: "listening unix"))
        let run = try SupervisorProcessTests.Run(conf: conf)
        defer { run.process.kill() }
        let answered = try Self.spooled(conf) { Self.has($0, "102", .answered) }
        #expect(Self.has(answered, "102", .answered))
        // The uploader goes away; the call ends (12.8 s in): its end waits in the supervisor's buffer.
        uploader.kill()
        let queued = try run.status { ($0["buffer"] as? [String: Any])?["queued"] as? Int ?? 0 >= 1 }
        #expect((queued["buffer"] as? [String: Any])?["queued"] as? Int ?? 0 >= 1)
        // Its worker dies too; the next one starts without the open list (the uploader is away) and finds no call.
        _ = try run.killWorker(in: queued)
        uploader = try UploaderProcessTests.Uploader(conf: conf)
        let events = try Self.spooled(conf) { Self.has($0, "102", .ended) }
        let mine = events.filter { $0.extension == "102" }
        #expect(mine.map(\.state) == [.ringing, .answered, .ended], "\(mine.map(\.id))")
        #expect(mine.last?.cause == .normal)
        #expect((59...61).contains(mine.last?.talkSeconds ?? 0))
        // Nothing more comes for the call: the queued final was the only one.
        usleep(2_000_000)
        #expect(try Self.spooled(conf).filter { $0.extension == "102" }.count == 3)
    }

    @Test func anAnswerWhileNoWorkerRunsIsDatedAtTheReSyncThatFoundItAndTheEndKeepsThatDate() throws {
        let scenario = try Self.scenario(
            """
            at 0     inbound c1 from 0312345678 to 0312340600
            at 0.1   ring c1 101
            at 6     answer c1 101
            at 20    hangup c1

            """)
        let (simulator, port) = try Self.simulator(scenario, speed: 1)
        defer { simulator.kill() }
        // The worker is killed while 101 rings and comes back 8 s later: the answer at 6 s falls in the gap.
        let conf = try SupervisorProcessTests.conf(port: port, extra: "restart.backoff.floor = 8s\n")
        let run = try SupervisorProcessTests.Run(conf: conf)
        defer { run.process.kill() }
        let up = try run.status { SupervisorProcessTests.group($0)["state"] as? String == "connected" }
        let ringing = try Self.spooled(conf) { Self.has($0, "101", .ringing) }
        #expect(Self.has(ringing, "101", .ringing))
        kill(pid_t(SupervisorProcessTests.group(up)["pid"] as? Int ?? 0), SIGKILL)
        let events = try Self.spooled(conf, seconds: 40) { Self.has($0, "101", .ended) }
        let mine = events.filter { $0.extension == "101" }
        #expect(mine.map(\.state) == [.ringing, .answered, .ended], "\(mine.map(\.id))")
        guard mine.count == 3, let started = mine[0].startedAt, let answeredAt = mine[1].answeredAt else { return }
        // Dated at the re-sync after the 8 s gap, not at the answer 6 s in: a lower bound of the talk time.
        #expect(answeredAt.millisecondsSinceEpoch - started.millisecondsSinceEpoch >= 7_000)
        #expect(mine[1].startedAt == started)
        #expect(mine[2].answeredAt == answeredAt)
        #expect(mine[2].cause == .normal)
        #expect(mine[2].talkSeconds == answeredAt.wholeSeconds(until: mine[2].endedAt ?? answeredAt))
        #expect((mine[2].talkSeconds ?? 99) < 14)
    }

    @Test func aWorkerStartedWhileTheUploaderIsAwayHoldsBackWhatItAdoptsUntilTheOpenListComes() throws {
        let (simulator, port) = try Self.simulator(Self.ringGroup, speed: 4)
        defer { simulator.kill() }
        let conf = try SupervisorProcessTests.conf(
            port: port, extra: "uploader.spawn = false\nuploader.socket = run/events.sock\nopen.timeout = 300ms\n")
        var uploader = try UploaderProcessTests.Uploader(conf: conf)
        defer { uploader.kill() }
        #expect(uploader.wait(for: "listening unix"))
        let run = try SupervisorProcessTests.Run(conf: conf)
        defer { run.process.kill() }
        let up = try run.status { SupervisorProcessTests.group($0)["state"] as? String == "connected" }
        let answered = try Self.spooled(conf) { Self.has($0, "102", .answered) }
        #expect(Self.has(answered, "102", .answered))
        // The uploader goes away, then the worker: the next one starts without the open list and adopts 102's call.
        uploader.kill()
        _ = try run.killWorker(in: up)
        uploader = try UploaderProcessTests.Uploader(conf: conf)
        #expect(run.wait(for: "relaying the uploader's 1 open lifecycles"))
        let events = try Self.spooled(conf) { Self.has($0, "102", .ended) }
        let mine = events.filter { $0.extension == "102" }
        #expect(mine.map(\.state) == [.ringing, .answered, .ended], "\(mine.map(\.id))")
        guard mine.count == 3 else { return }
        #expect(mine[2].answeredAt == mine[1].answeredAt)
        #expect((59...61).contains(mine[2].talkSeconds ?? 0), "talk \(mine[2].talkSeconds ?? -1) s")
    }
}
