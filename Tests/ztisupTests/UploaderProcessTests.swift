import Foundation
import Glibc
import Testing
import ZTICore
import ZTITestKit

/// `ztisup uploader` as a real process, with a real Unix socket and a real SQLite spool.
@Suite(.serialized) struct UploaderProcessTests {
    /// A configuration directory for a local-only uploader.
    static func conf(_ extra: String = "") throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("zti-up-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path + "/groups", withIntermediateDirectories: true)
        try ("crm.sink = none\nruntime.dir = run\nstate.dir = state\n" + extra).write(
            toFile: path + "/zti.properties", atomically: true, encoding: .utf8)
        try
            "pbx.type = asterisk\npbx.host = h\npbx.username = u\npbx.password = p\nuser.a.crmuser = 1\nuser.a.extension = 101\n"
            .write(toFile: path + "/groups/sales.properties", atomically: true, encoding: .utf8)
        return path
    }

    /// A running uploader and everything it wrote to stderr.
    final class Uploader {
        let process: ChildProcess
        let reader: StderrReader
        var log: String { reader.log }

        init(conf: String) throws {
            process = try ChildProcess(
                ZTISupProcess.executable, ["uploader", "--conf", conf, "--log-target", "stderr"], stderr: .pipe)
            reader = StderrReader(process: process)
        }

        /// Reads stderr until `text` appears (or the process ends, or 15 s pass).
        func wait(for text: String) -> Bool { reader.wait(for: text) }

        func kill() { process.kill() }

        /// Kills the uploader and reads what it wrote to the end, so that a check of the whole log sees it all.
        func stopAndReadLog() -> String {
            process.kill()
            reader.readToEnd()
            return log
        }
    }

    /// A supervisor's side of the event socket.
    final class Supervisor {
        let fd: Int32
        var decoder = FrameDecoder(receiver: .supervisor, sender: .uploader)
        /// The uploader's answer to this supervisor's HELLO, kept aside from the other frames.
        var uploaderHello: Hello?

        init?(path: String) {
            guard let connected = TestUnixSocket.open(SOCK_STREAM, .connect, path: path) else { return nil }
            fd = connected
        }

        deinit { close(fd) }

        func send(_ frames: [Frame]) -> Bool {
            var bytes: [UInt8] = []
            for frame in frames { bytes += (try? FrameEncoder.encode(frame)) ?? [] }
            return bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                == bytes.count
        }

        /// The next frame from the uploader, or nil when the link closes or 5 s pass without one.
        func nextFrame() -> Frame? {
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                if let frame = try? decoder.next() {
                    if case .hello(let hello) = frame {
                        uploaderHello = hello
                        continue
                    }
                    return frame
                }
                let received = recv(fd, &buffer, buffer.count, 0)
                guard received > 0 else { return nil }
                decoder.feed(buffer[..<received])
            }
        }

        /// ACKed ids until `count` have come, the link closes, or 5 s pass.
        func acks(atLeast count: Int) -> [String] {
            var ids: [String] = []
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while ids.count < count {
                let received = recv(fd, &buffer, buffer.count, 0)
                guard received > 0 else { break }
                decoder.feed(buffer[..<received])
                while let frame = try? decoder.next() {
                    switch frame {
                    case .ack(let ack): ids += ack.ids
                    case .hello(let hello): uploaderHello = hello
                    default: continue
                    }
                }
            }
            return ids
        }
    }

    /// A supervisor's HELLO naming the groups of `events`, then the events (an uploader takes no event before it).
    static func helloThen(_ events: some Collection<CallEvent>) -> [Frame] {
        [.hello(Hello(role: .supervisor, pid: getpid(), groups: Set(events.map(\.group)).sorted()))]
            + events.map { Frame.event($0, resumeKey: nil) }
    }

    static func events(_ range: Range<Int>) -> [CallEvent] {
        range.map { index in
            CallEvent(
                group: "sales", pbx: .asterisk, callId: "1732526400.\(index / 3)", direction: .inbound,
                state: [CallState.ringing, .answered, .ended][index % 3], extension: "101", attempt: 1,
                at: EventTime(millisecondsSinceEpoch: 1_732_526_400_000 + Int64(index)), from: "0312345678")
        }
    }

    @Test func eventsAreAckedAfterTheSpoolCommitAndDuplicatesSwallowed() throws {
        let conf = try Self.conf()
        let uploader = try Uploader(conf: conf)
        defer { uploader.kill() }
        #expect(uploader.wait(for: "listening unix \(conf)/run/events.sock"))
        let supervisor = try #require(Supervisor(path: conf + "/run/events.sock"))
        let events = Self.events(0..<300)
        #expect(
            supervisor.send(
                [.hello(Hello(role: .supervisor, pid: getpid(), groups: ["sales"]))]
                    + events.map { Frame.event($0, resumeKey: nil) }))
        #expect(Set(supervisor.acks(atLeast: 300)) == Set(events.map(\.id)))
        #expect(supervisor.send(events[..<30].map { Frame.event($0, resumeKey: nil) }))
        #expect(supervisor.acks(atLeast: 30).count == 30)
        let calls = try ZTISupProcess.run(["calls", "--conf", conf])
        #expect(calls.status == 0)
        #expect(calls.stdout.split(separator: "\n").count == 100)
        #expect(calls.stdout.contains("sales  1732526400.0  inbound  0312345678 → ?  101:ended"))
        let json = try ZTISupProcess.run(["calls", "--conf", conf, "--json"])
        let parsed = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
        #expect(parsed?.count == 100)
        #expect(try ZTISupProcess.run(["calls", "--conf", conf, "--dead"]).stderr == "no dead letters\n")
    }

    @Test func aForbiddenFrameClosesTheConnectionButKeepsWhatCameBefore() throws {
        let conf = try Self.conf()
        let uploader = try Uploader(conf: conf)
        defer { uploader.kill() }
        #expect(uploader.wait(for: "listening unix"))
        let supervisor = try #require(Supervisor(path: conf + "/run/events.sock"))
        let events = Self.events(0..<3)
        #expect(
            supervisor.send(
                [Frame.hello(Hello(role: .supervisor, pid: getpid(), groups: ["sales"]))]
                    + events.map { Frame.event($0, resumeKey: nil) }
                    + [.shutdown(Shutdown(reason: "not allowed"))]))
        #expect(supervisor.acks(atLeast: 3).count == 3)
        #expect(uploader.wait(for: "closing a supervisor connection: the supervisor sent a SHUTDOWN frame"))
        #expect(Supervisor(path: conf + "/run/events.sock") != nil)
    }

    @Test func itAnswersHelloWithItsVersionAndOpenAfterCommittingWhatCameBefore() throws {
        let conf = try Self.conf()
        let uploader = try Uploader(conf: conf)
        defer { uploader.kill() }
        #expect(uploader.wait(for: "listening unix"))
        let supervisor = try #require(Supervisor(path: conf + "/run/events.sock"))
        let events = Self.events(0..<5)
        // Sent in one write: the OPEN answer must include the events before the request.
        #expect(
            supervisor.send(
                [.hello(Hello(role: .supervisor, pid: getpid(), groups: ["sales"]))]
                    + events.map { Frame.event($0, resumeKey: "leg-\($0.callId)") }
                    + [.openRequest(OpenRequest(group: "sales"))]))
        guard case .ack(let ack)? = supervisor.nextFrame() else {
            Issue.record("no ACK")
            return
        }
        #expect(ack.ids.count == 5)
        guard case .open(let open)? = supervisor.nextFrame() else {
            Issue.record("no OPEN")
            return
        }
        #expect(supervisor.uploaderHello?.role == .uploader)
        #expect(supervisor.uploaderHello?.protocolVersion == WireProtocol.version)
        // Events 3 and 4 are the second call's ringing and answered: its lifecycle is open, with its leg.
        #expect(open.last)
        #expect(open.lifecycles.map(\.event.id) == [events[4].id])
        #expect(open.lifecycles.map(\.resumeKey) == ["leg-\(events[4].callId)"])
        #expect(open.attempts.map(\.final) == [true, false])

        // A supervisor of protocol 1 gets no HELLO, which it would not accept: its first answer is STATUS.
        let old = try #require(Supervisor(path: conf + "/run/events.sock"))
        #expect(
            old.send([
                .hello(Hello(role: .supervisor, pid: getpid(), groups: ["sales"], protocolVersion: 1)),
                .statusRequest(StatusRequest()),
            ]))
        var raw = [UInt8](repeating: 0, count: 65_536)
        let received = recv(old.fd, &raw, raw.count, 0)
        #expect(received > 5 && raw[4] == FrameType.status.rawValue)
        #expect(uploader.wait(for: "speaks protocol 1, this uploader \(WireProtocol.version)"))
    }

    @Test func anEventForAGroupItsHelloDidNotNameClosesTheConnection() throws {
        let conf = try Self.conf()
        let uploader = try Uploader(conf: conf)
        defer { uploader.kill() }
        #expect(uploader.wait(for: "listening unix"))
        let supervisor = try #require(Supervisor(path: conf + "/run/events.sock"))
        var stranger = Self.events(0..<1)[0]
        stranger = CallEvent(
            group: "support", pbx: .asterisk, callId: stranger.callId, direction: .inbound, state: .ringing,
            extension: "201", attempt: 1, at: stranger.at)
        #expect(
            supervisor.send([
                .hello(Hello(role: .supervisor, pid: getpid(), groups: ["sales"])),
                .event(Self.events(0..<1)[0], resumeKey: nil), .event(stranger, resumeKey: nil),
            ]))
        #expect(supervisor.acks(atLeast: 1) == [Self.events(0..<1)[0].id])
        #expect(uploader.wait(for: "is for group support, which the supervisor's HELLO did not name (sales)"))
        #expect(supervisor.nextFrame() == nil)
    }

    @Test func anEventBeforeAnyHelloClosesTheConnectionAndNothingOfItIsStored() throws {
        let conf = try Self.conf()
        let uploader = try Uploader(conf: conf)
        defer { uploader.kill() }
        #expect(uploader.wait(for: "listening unix"))
        let early = try #require(Supervisor(path: conf + "/run/events.sock"))
        let event = Self.events(0..<1)[0]
        #expect(early.send([.event(event, resumeKey: nil)]))
        #expect(
            uploader.wait(for: "came before any HELLO: a supervisor names its groups first; nothing of it was stored"))
        #expect(early.nextFrame() == nil)
        // Nothing was spooled: `ztisup calls` lists no call, and a supervisor that says HELLO sees nothing pending.
        let calls = try ZTISupProcess.run(["calls", "--conf", conf])
        #expect(calls.status == 0)
        #expect(!calls.stdout.contains(event.callId))
        let later = try #require(Supervisor(path: conf + "/run/events.sock"))
        #expect(
            later.send([
                .hello(Hello(role: .supervisor, pid: getpid(), groups: ["sales"])), .statusRequest(StatusRequest()),
            ]))
        var report: UploaderStatus?
        for _ in 0..<3 {
            if case .uploaderStatus(let value)? = later.nextFrame() {
                report = value
                break
            }
        }
        guard let spool = report?.spool else {
            Issue.record("no STATUS with the spool")
            return
        }
        #expect(spool.pending == 0)
        #expect(spool.delivered == 0)
    }

    @Test func killedRepeatedlyItLosesNothingItAcked() throws {
        let conf = try Self.conf()
        let all = Self.events(0..<3000)
        var acked = Set<String>()
        var kills = 0
        var generator = SystemRandomNumberGenerator()
        // A bounded stream of 3,000 events. Each round sends up to 500 unacked events at once and kills the
        // uploader with SIGKILL 1 to 25 ms later, mid-stream; the sender keeps what was acked and resends the
        // rest, as a worker does. Twelve killed rounds, then one that runs to the end.
        for round in 0..<13 {
            let uploader = try Uploader(conf: conf)
            guard uploader.wait(for: "listening unix"), let supervisor = Supervisor(path: conf + "/run/events.sock")
            else {
                uploader.kill()
                continue
            }
            let last = round == 12
            let batch = all.filter { !acked.contains($0.id) }.prefix(last ? all.count : 500)
            _ = supervisor.send(
                [Frame.hello(Hello(role: .supervisor, pid: getpid(), groups: ["sales"]))]
                    + batch.map { Frame.event($0, resumeKey: nil) })
            if !last { usleep(UInt32.random(in: 1000...25_000, using: &generator)) }
            if last {
                acked.formUnion(supervisor.acks(atLeast: batch.count))
                uploader.kill()
            } else {
                uploader.kill()
                kills += 1
                acked.formUnion(supervisor.acks(atLeast: batch.count))
            }
        }
        #expect(kills == 12)
        #expect(acked.count == all.count)
        // Every acked event is in the spool, and exactly once.
        let calls = try ZTISupProcess.run(["calls", "--conf", conf, "--json"])
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(calls.stdout.utf8)) as? [[String: Any]])
        let ids = parsed.flatMap { ($0["events"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String } }
        #expect(ids.count == all.count)
        #expect(Set(ids).count == ids.count)
        #expect(acked.isSubset(of: Set(ids)))
    }

    @Test func aSecretFileReadableByOthersIsRefused() throws {
        let conf = try Self.conf("secret.crm-refresh-token.file = token\n")
        try "1000.secret-refresh-token-value\n".write(toFile: conf + "/token", atomically: true, encoding: .utf8)
        chmod(conf + "/token", 0o644)
        let uploader = try Uploader(conf: conf)
        _ = uploader.wait(for: "chmod 600")
        #expect(uploader.process.wait(seconds: 10) == 78)
        #expect(uploader.log.contains("is readable by others (mode 644); run: chmod 600 \(conf)/token"))
        #expect(!uploader.log.contains("secret-refresh-token-value"))
    }

    @Test func theTokenNeverAppearsInTheLog() throws {
        let conf = try Self.conf("secret.crm-refresh-token.file = token\n")
        try "1000.secret-refresh-token-value\n".write(toFile: conf + "/token", atomically: true, encoding: .utf8)
        chmod(conf + "/token", 0o600)
        let uploader = try Uploader(conf: conf)
        #expect(uploader.wait(for: "listening unix"))
        let supervisor = try #require(Supervisor(path: conf + "/run/events.sock"))
        #expect(
            supervisor.send(
                [Frame.hello(Hello(role: .supervisor, pid: getpid(), groups: ["sales"]))]
                    + Self.events(0..<3).map { Frame.event($0, resumeKey: nil) }))
        #expect(supervisor.acks(atLeast: 3).count == 3)
        uploader.kill()
        _ = uploader.wait(for: "never")
        #expect(uploader.log.contains("secret crm-refresh-token loaded from file \(conf)/token"))
        #expect(!uploader.log.contains("secret-refresh-token-value"))
        let spool = try Data(contentsOf: URL(fileURLWithPath: conf + "/state/spool/spool.sqlite"))
        #expect(spool.range(of: Data("secret-refresh-token-value".utf8)) == nil)
    }
}
