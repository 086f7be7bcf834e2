import Foundation
import Glibc
import Testing
import ZTICore
import ZTIProcess
import ZTISupervisor
import ZTITestKit

/// `ztisup worker` as a real process with its link on fd 3 (a socket pair), against `zti-pbxsim ami`.
@Suite(.serialized) struct WorkerProcessTests {
    /// The supervisor's end of a worker link, with plain blocking calls and a 5 s receive timeout.
    final class Link {
        let fd: Int32
        var decoder = FrameDecoder(receiver: .supervisor, sender: .worker)

        init(fd: Int32) {
            self.fd = fd
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }

        deinit { close(fd) }

        func send(_ frame: Frame) {
            let bytes = (try? FrameEncoder.encode(frame)) ?? []
            _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }

        /// The next frame, or nil when the link closed or 5 s passed without one.
        func next() -> Frame? {
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                if let frame = try? decoder.next() { return frame }
                let received = recv(fd, &buffer, buffer.count, 0)
                guard received > 0 else { return nil }
                decoder.feed(buffer[..<received])
            }
        }

        /// Frames until `done` says so (true) or nothing comes for 5 s (false); events are collected.
        func read(until done: (Frame) -> Bool) -> (Bool, [CallEvent]) {
            var events: [CallEvent] = []
            while let frame = next() {
                if case .event(let event, _) = frame { events.append(event) }
                if done(frame) { return (true, events) }
            }
            return (false, events)
        }

        /// True when the link ended (EOF) within 5 s.
        func closes() -> Bool {
            var byte: UInt8 = 0
            return recv(fd, &byte, 1, 0) == 0
        }
    }

    static let transcripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ZTIAsteriskTests/Transcripts").path

    /// A running simulator, its control socket, and a group file pointing at it.
    static func simulator(family: String = "12", _ extra: [String] = []) throws -> (ChildProcess, String, GroupConfig) {
        let directory = try UploaderProcessTests.conf()
        let control = directory + "/ami.sock"
        let (process, port) = try SimulatorCommandTests.start(
            ["--family", family, "--secret", "s3cret", "--control", control, "--speed", "100"] + extra)
        for _ in 0..<100 where !FileManager.default.fileExists(atPath: control) { usleep(20_000) }
        let properties =
            try String(contentsOfFile: transcripts + "/sales.properties", encoding: .utf8)
            .replacingOccurrences(of: "pbx.host = 192.0.2.10", with: "pbx.host = 127.0.0.1")
            + "pbx.port = \(port)\npbx.username = zti\npbx.password = s3cret\n"
        try properties.write(toFile: directory + "/sales.properties", atomically: true, encoding: .utf8)
        let (group, _) = try ConfigurationLoader.loadGroupFile(path: directory + "/sales.properties")
        return (process, control, group)
    }

    /// A worker spawned with the child end of a socket pair as fd 3.
    static func worker() throws -> (ChildProcess, Link) {
        let (parent, child) = try ProcessSpawner.socketPair()
        defer { close(child) }
        let process = try ChildProcess(
            ZTISupProcess.executable, ["worker", "--log-target", "stderr"], stderr: .pipe, link: child)
        return (process, Link(fd: parent))
    }

    static func settings(_ group: GroupConfig, ackTimeout: Duration = .milliseconds(500)) -> WorkerSettings {
        WorkerSettings(group: group, ackTimeout: ackTimeout, unackedMax: 1000, logLevel: .info)
    }

    static func connected(_ frame: Frame) -> Bool {
        if case .heartbeat(let heartbeat) = frame { return heartbeat.link == .connected }
        return false
    }

    @Test func itSaysHelloTracksCallsAndSendsUnackedEventsAgain() throws {
        let (simulator, control, group) = try Self.simulator()
        defer { simulator.kill() }
        let (worker, link) = try Self.worker()
        defer { worker.kill() }
        link.send(.config(Self.settings(group)))
        guard case .hello(let hello)? = link.next() else {
            Issue.record("no HELLO")
            return
        }
        #expect(hello.role == .worker)
        #expect(hello.group == "sales")
        #expect(hello.pid == worker.pid)
        let (up, _) = link.read(until: Self.connected)
        #expect(up)

        let reply = ZTISupProcess.controlCommand(
            #"{"command":"play","file":"\#(Self.transcripts)/12/inbound-answered.ami"}"#, socket: control)
        #expect(reply.contains(#""ok":true"#))
        let golden = try String(contentsOfFile: Self.transcripts + "/12/inbound-answered.jsonl", encoding: .utf8)
            .split(separator: "\n").compactMap { try? CanonicalJSON.decode(CallEvent.self, from: Array($0.utf8)).id }
        var seen: [String] = []
        _ = link.read { frame in
            if case .event(let event, _) = frame, !seen.contains(event.id) { seen.append(event.id) }
            return seen.count >= golden.count
        }
        #expect(seen == golden)
        // Nothing was acked: after ack.timeout (500 ms) the same events come again.
        var again: Set<String> = []
        _ = link.read { frame in
            if case .event(let event, _) = frame { again.insert(event.id) }
            return again.count >= golden.count
        }
        #expect(again == Set(golden))
        // Acked: they stop, and the heartbeat says none is waiting.
        link.send(.ack(Ack(ids: golden)))
        let (settled, _) = link.read { frame in
            if case .heartbeat(let heartbeat) = frame { return heartbeat.unacked == 0 && heartbeat.eventsOut == 3 }
            return false
        }
        #expect(settled)
        // The supervisor goes away: the worker ends by itself.
        close(link.fd)
        #expect(worker.wait(seconds: 10) == 0)
    }

    /// log.level reaches the worker in CONFIG and is what it logs at: the info line of the PBX link coming up is
    /// there at `info` and not at `warning`.
    @Test func theWorkerLogsAtTheLevelItsConfigSays() throws {
        let (simulator, _, group) = try Self.simulator()
        defer { simulator.kill() }
        for (level, shown) in [(LogLevelName.warning, false), (.info, true)] {
            let (worker, link) = try Self.worker()
            defer { worker.kill() }
            link.send(.config(WorkerSettings(group: group, ackTimeout: .seconds(5), unackedMax: 1000, logLevel: level)))
            let (up, _) = link.read(until: Self.connected)
            #expect(up)
            close(link.fd)
            let stderr = StderrReader(process: worker)
            stderr.readToEnd()
            #expect(worker.wait(seconds: 10) == 0)
            #expect(stderr.log.contains("PBX link of group sales up") == shown, "\(level): \(stderr.log)")
            #expect(stderr.log.contains("stopping: the link to the supervisor closed") == shown)
        }
    }

    @Test func aDialIsPlacedAndAnsweredTwice() throws {
        let (simulator, control, group) = try Self.simulator()
        defer { simulator.kill() }
        let (worker, link) = try Self.worker()
        defer { worker.kill() }
        link.send(.config(Self.settings(group)))
        #expect(link.read(until: Self.connected).0)
        #expect(
            ZTISupProcess.controlCommand(
                #"{"command":"originate","member":"answer","customer":"busy"}"#, socket: control
            ).contains(#""ok":true"#))
        link.send(
            .dial(
                DialRequest(clickToDialId: "c2d-1", group: "sales", extension: "101", user: "u", number: "90312345678"))
        )
        var results: [DialResult] = []
        _ = link.read { frame in
            if case .dialResult(let result) = frame { results.append(result) }
            return results.count >= 2
        }
        #expect(results.map(\.status) == [.accepted, .busy])
        #expect(results.allSatisfy { $0.clickToDialId == "c2d-1" && $0.group == "sales" })
        // A request for another group is refused at once.
        link.send(.dial(DialRequest(clickToDialId: "c2d-2", group: "other", extension: "101", user: "u", number: "1")))
        var refused: DialResult?
        _ = link.read { frame in
            if case .dialResult(let result) = frame, result.clickToDialId == "c2d-2" { refused = result }
            return refused != nil
        }
        #expect(refused?.status == .refused)
        #expect(refused?.reason == "DIAL for group other reached the worker of sales")
    }

    @Test func noDescriptorOfTheSupervisorLeaksIntoTheWorker() throws {
        // A socket the parent opened without close-on-exec, as careless code might.
        let leaky = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(leaky) }
        var info = stat()
        fstat(leaky, &info)
        let (simulator, _, group) = try Self.simulator()
        defer { simulator.kill() }
        let (worker, link) = try Self.worker()
        defer { worker.kill() }
        link.send(.config(Self.settings(group)))
        #expect(link.read(until: Self.connected).0)
        let descriptors = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(worker.pid)/fd")
        let targets = descriptors.compactMap {
            try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(worker.pid)/fd/\($0)")
        }
        #expect(!targets.contains("socket:[\(info.st_ino)]"))
        // fd 3 is the link.
        #expect(descriptors.contains("3"))
    }

    /// `zti-pbxsim aes` on a free port with a control socket, and an Avaya group of 3201, 3202 and 4999 (unknown to
    /// CM) on it.
    static func aesSimulator(_ arguments: [String] = [], speed: Int = 50) throws -> (ChildProcess, String, GroupConfig)
    {
        let directory = try UploaderProcessTests.conf()
        let control = directory + "/aes.sock"
        let process = try ChildProcess(
            SimulatorCommandTests.simulator,
            ["aes", "--listen", "127.0.0.1:0", "--control", control, "--speed", String(speed)] + arguments,
            stdout: .pipe)
        let text = process.readLine() ?? ""
        guard text.hasPrefix("listening aes 127.0.0.1:"), let port = Int(text.split(separator: ":").last ?? "") else {
            process.kill()
            throw POSIXError(.EPROTO)
        }
        for _ in 0..<100 where !FileManager.default.fileExists(atPath: control) { usleep(20_000) }
        try """
        pbx.type = avaya
        pbx.host = 127.0.0.1
        pbx.port = \(port)
        pbx.username = ctiuser
        pbx.password = secret
        avaya.switch = CM1
        avaya.tls = false
        number.countrycode = 81
        user.alice.crmuser = 4150868000000224005
        user.alice.extension = 3201
        user.bob.crmuser = 4150868000000224006
        user.bob.extension = 3202
        user.ghost.crmuser = 4150868000000224009
        user.ghost.extension = 4999

        """.write(toFile: directory + "/east.properties", atomically: true, encoding: .utf8)
        let (group, _) = try ConfigurationLoader.loadGroupFile(path: directory + "/east.properties")
        return (process, control, group)
    }

    @Test func anAvayaWorkerMonitorsTracksAndDialsThroughAES() throws {
        let (simulator, control, group) = try Self.aesSimulator()
        defer { simulator.kill() }
        let (worker, link) = try Self.worker()
        defer { worker.kill() }
        link.send(.config(Self.settings(group)))
        guard case .hello(let hello)? = link.next() else {
            Issue.record("no HELLO")
            return
        }
        #expect(hello.group == "east")
        var report: Heartbeat?
        _ = link.read { frame in
            if case .heartbeat(let heartbeat) = frame, heartbeat.monitored?.count == 2 { report = heartbeat }
            return report != nil
        }
        #expect(report?.link == .connected)
        #expect(report?.family == "aes")
        #expect(report?.pbxVersion == "privE")
        #expect(report?.session?.hasSuffix("-0") == true)
        #expect(report?.monitored == ["3201", "3202"])
        #expect(report?.failedExtensions?["4999"]?.contains("unknown to CM") == true)

        let scenario = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("ZTIAvayaTests/Scenarios/ring-group-answered-elsewhere.scn").path
        #expect(
            ZTISupProcess.controlCommand(#"{"command":"play","file":"\#(scenario)"}"#, socket: control)
                .contains(#""ok":true"#))
        var states: [String] = []
        _ = link.read { frame in
            if case .event(let event, _) = frame, !states.contains(event.id) { states.append(event.id) }
            return states.count >= 5
        }
        #expect(
            states.map { $0.split(separator: "/").dropFirst(2).prefix(2).joined(separator: " ") } == [
                "3201 ringing", "3202 ringing", "3201 ended", "3202 answered", "3202 ended",
            ])

        link.send(
            .dial(DialRequest(clickToDialId: "c2d-9", group: "east", extension: "3201", user: "u", number: "3202")))
        var results: [DialResult] = []
        _ = link.read { frame in
            if case .dialResult(let result) = frame { results.append(result) }
            return !results.isEmpty
        }
        #expect(results.first?.status == .accepted)
        link.send(
            .dial(
                DialRequest(clickToDialId: "c2d-10", group: "east", extension: "3201", user: "u", number: "+4930123456")
            ))
        _ = link.read { frame in
            if case .dialResult(let result) = frame, result.clickToDialId == "c2d-10" { results.append(result) }
            return results.count >= 2
        }
        #expect(results.last?.status == .refused, "\(results)")
    }

    /// `zti-pbxsim aes --load`: scenario calls at a rate, for a bounded time, once a monitor is up.
    @Test func theAESSimulatorsLoadReachesTheWorker() throws {
        let scenario = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("ZTIAvayaTests/Scenarios/inbound-answered.scn").path
        let (simulator, _, group) = try Self.aesSimulator(["--scenario", scenario, "--load", "10", "--duration", "1"])
        defer { simulator.kill() }
        let (worker, link) = try Self.worker()
        defer { worker.kill() }
        link.send(.config(Self.settings(group)))
        var ids: Set<String> = []
        _ = link.read { frame in
            if case .event(let event, _) = frame { ids.insert(event.id) }
            return ids.count >= 30
        }
        // Ten calls of three events each, every call its own UCID.
        #expect(ids.count == 30)
        #expect(Set(ids.map { $0.split(separator: "/")[1] }).count == 10)
    }

    @Test func anAvayaGroupWithAnUnreadablePasswordFileExits78() throws {
        let directory = try UploaderProcessTests.conf()
        try
            "pbx.type = avaya\npbx.host = 192.0.2.20\npbx.username = u\npbx.password.file = \(directory)/none\navaya.switch = cm1\nuser.a.crmuser = 1\nuser.a.extension = 3201\n"
            .write(toFile: directory + "/east.properties", atomically: true, encoding: .utf8)
        try "x\n".write(toFile: directory + "/none", atomically: true, encoding: .utf8)
        let (group, _) = try ConfigurationLoader.loadGroupFile(path: directory + "/east.properties")
        try FileManager.default.removeItem(atPath: directory + "/none")
        let (worker, link) = try Self.worker()
        link.send(.config(Self.settings(group)))
        #expect(worker.wait(seconds: 10) == 78)
        let log = String(
            decoding: ChildProcess.readAvailable(worker.standardError ?? -1, milliseconds: 1000), as: UTF8.self)
        #expect(log.contains("group east: cannot read the AES password file \(directory)/none"))
    }

    @Test func withoutALinkOnFd3ItSaysWhoStartsIt() throws {
        let outcome = try ZTISupProcess.run(["worker", "--log-target", "stderr"])
        #expect(outcome.status == 64)
        #expect(
            outcome.stderr.contains("ztisup worker is started by the supervisor (ztisup run), with its link on fd 3"))
    }
}
