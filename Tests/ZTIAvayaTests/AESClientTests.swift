import Foundation
import Logging
import Synchronization
import Testing
import ZTIAvaya
import ZTICore
import ZTIPBXSim
import ZTITestKit

/// The DMCC client against the AES simulator over TLS on loopback (a CA and certificate the suite makes, the
/// hostname checked against the certificate's IP address): sessions, monitors, recovery, expiry, MakeCall.
@Suite(.serialized, .timeLimit(.minutes(2))) struct AESClientTests {
    static let certificates: String = (try? AESClientTLSTests.certificates()) ?? "/nonexistent"

    /// A TLS simulator with `options`.
    static func server(_ options: AESSimulatorOptions = AESSimulatorOptions()) async throws -> AESSimulatorTests.Server
    {
        try await AESSimulatorTests.Server(options, tlsDirectory: certificates)
    }

    static let tls = AESClientSettings.TLS(caFile: certificates + "/ca.crt", verify: true, verifyHostname: true)

    /// A client running against a simulator, with everything it reported.
    final class Run: Sendable {
        let client: AESClient
        let task: Task<Void, Never>
        /// What the client reported, appended by the task that drains its stream.
        final class Reports: Sendable {
            let events = Mutex<[AESClientEvent]>([])
        }

        private let reported = Reports()

        init(
            port: Int, password: String = "secret", extensions: [String] = ["3201", "3202"],
            tls: AESClientSettings.TLS? = AESClientTests.tls,
            duration: Int = 180, cleanup: Int = 60, store: AESSessionStore? = nil, resyncInterval: Duration? = nil
        ) {
            var settings = AESClientSettings(
                host: "127.0.0.1", port: port, tls: tls, username: "ctiuser", password: password, switchName: "CM1",
                extensions: extensions, sessionDuration: duration, cleanupDelay: cleanup,
                replyTimeout: .seconds(2), backoff: ReconnectBackoff(floor: .milliseconds(50), cap: .milliseconds(200)),
                resyncInterval: resyncInterval)
            settings.applicationID = "ztisup-test"
            let client = AESClient(settings: settings, logger: Logger(label: "test"), store: store)
            self.client = client
            let (stream, continuation) = AsyncStream<AESClientEvent>.makeStream()
            let reported = self.reported
            task = Task {
                await withTaskGroup(of: Void.self) { group in
                    group.addTask { await client.run(into: continuation) }
                    group.addTask {
                        for await event in stream { reported.events.withLock { $0.append(event) } }
                    }
                }
            }
        }

        deinit { task.cancel() }

        var events: [AESClientEvent] { reported.events.withLock { $0 } }

        /// Waits until `done` holds for what was reported (or 10 s pass).
        func wait(_ done: ([AESClientEvent]) -> Bool) async -> [AESClientEvent] {
            for _ in 0..<500 {
                let now = events
                if done(now) { return now }
                try? await Task.sleep(for: .milliseconds(20))
            }
            return events
        }
    }

    static func sessions(_ events: [AESClientEvent]) -> [(String, Bool)] {
        events.compactMap { if case .sessionStarted(let id, _, let recovered) = $0 { (id, recovered) } else { nil } }
    }

    static func monitored(_ events: [AESClientEvent]) -> [String] {
        events.compactMap { if case .monitored(let member, _) = $0 { member } else { nil } }
    }

    static func failures(_ events: [AESClientEvent]) -> [String: String] {
        var result: [String: String] = [:]
        for case .monitorFailed(let member, let reason) in events { result[member] = reason }
        return result
    }

    static func resyncs(_ events: [AESClientEvent]) -> [[String: [DMCCMessage.SnapshotCall]]] {
        events.compactMap { if case .resynced(let snapshots, _) = $0 { snapshots } else { nil } }
    }

    static func disconnects(_ events: [AESClientEvent]) -> [String] {
        events.compactMap { if case .disconnected(let reason) = $0 { reason } else { nil } }
    }

    @Test func aWrongPasswordIsReportedAsARefusedLogin() async throws {
        let server = try await Self.server()
        let run = Run(port: server.port, password: "wrong")
        let events = await run.wait { !Self.disconnects($0).isEmpty }
        #expect(Self.disconnects(events).first?.contains("AES refused the login of CTI user ctiuser") == true)
        #expect(Self.sessions(events).isEmpty)
        #expect(await server.simulator.monitorCount == 0)
    }

    @Test func anUnknownExtensionAmongGoodOnesIsReportedAndTheOthersAreMonitored() async throws {
        var options = AESSimulatorOptions()
        options.permitted = ["3201", "3202"]
        let server = try await Self.server(options)
        let run = Run(port: server.port, extensions: ["3201", "4999", "3203", "3202"])
        let events = await run.wait { Self.monitored($0).count + Self.failures($0).count == 4 }
        #expect(Self.monitored(events) == ["3201", "3202"])
        #expect(Self.failures(events)["4999"] == "unknown to CM (check the extension) (operation/invalidDeviceID)")
        #expect(Self.failures(events)["3203"]?.contains("no SDB permission") == true)
        #expect(await server.simulator.monitorCount == 2)
    }

    @Test func aDroppedLinkRecoversTheSessionAndKeepsItsMonitors() async throws {
        let server = try await Self.server()
        let simulator = server.simulator
        let run = Run(port: server.port)
        _ = await run.wait { Self.monitored($0).count == 2 }
        let monitorStarts = await simulator.requests.filter { $0 == "MonitorStart" }.count
        let call = await simulator.inbound(from: "0312345678", to: "0312340600")
        await simulator.ring(call, "3201")
        await simulator.drop()
        // The recovered session, then a snapshot of every monitored extension (as after the first start).
        let events = await run.wait { Self.sessions($0).count == 2 && Self.resyncs($0).count == 2 }
        let sessions = Self.sessions(events)
        #expect(sessions.count == 2)
        #expect(sessions.last?.0 == sessions.first?.0)
        #expect(sessions.last?.1 == true)
        #expect(await simulator.requests.filter { $0 == "MonitorStart" }.count == monitorStarts)
        #expect(await simulator.requests.contains("SnapshotDevice"))
        // The snapshot names the call still ringing at 3201, for the tracker to keep, and none at 3202.
        let snapshots = Self.resyncs(events).last ?? [:]
        #expect(snapshots["3201"] == [.init(callID: String(call), device: "3201:CM1::0", localCallState: "alerting")])
        #expect(snapshots["3202"] == [])
        // Events reach the recovered session.
        await simulator.answer(call, "3201")
        let after = await run.wait { events in
            events.contains { if case .event(let event, _) = $0 { event.kind == .established } else { false } }
        }
        #expect(after.contains { if case .event(let event, _) = $0 { event.kind == .established } else { false } })
    }

    @Test func anExpiredSessionIsReplacedAndEveryExtensionMonitoredAgain() async throws {
        let server = try await Self.server()
        let simulator = server.simulator
        let run = Run(port: server.port)
        _ = await run.wait { Self.monitored($0).count == 2 }
        await simulator.expireAllTimers()
        let events = await run.wait { Self.monitored($0).count == 4 }
        #expect(
            Self.disconnects(events).first?.contains("AES ended the application session (sessionTimerExpired)") == true)
        let sessions = Self.sessions(events)
        #expect(sessions.count == 2)
        #expect(sessions.last?.1 == false)
        #expect(sessions.first?.0 != sessions.last?.0)
        #expect(await simulator.requests.filter { $0 == "MonitorStart" }.count == 4)
        #expect(await simulator.monitorCount == 2)
    }

    @Test func stoppingStopsTheMonitorsReleasesTheDevicesAndEndsTheSessionWithinItsBudget() async throws {
        let server = try await Self.server()
        let simulator = server.simulator
        let run = Run(port: server.port)
        _ = await run.wait { Self.monitored($0).count == 2 }
        await run.client.stop()
        run.task.cancel()
        let requests = await simulator.requests
        #expect(requests.filter { $0 == "MonitorStop" }.count == 2)
        #expect(requests.filter { $0 == "ReleaseDeviceId" }.count == 2)
        #expect(requests.last == "StopApplicationSession")
        #expect(await simulator.sessionIDs.isEmpty)
        #expect(await simulator.monitorCount == 0)

        // A hung AES does not hold the stop up beyond its budget.
        let hung = try await Self.server()
        let second = Run(port: hung.port)
        _ = await second.wait { Self.monitored($0).count == 2 }
        await hung.simulator.stall(for: .seconds(30))
        let started = ContinuousClock.now
        await second.client.stop(budget: .seconds(1))
        second.task.cancel()
        #expect(ContinuousClock.now - started < .seconds(3))
    }

    /// A session store in a fresh directory.
    static func store() throws -> AESSessionStore {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("zti-aes-\(UUID().uuidString)")
        return AESSessionStore(runtimeDir: directory.path, group: "east")
    }

    @Test func theNextClientRecoversTheSessionItsPredecessorKeptInTheFile() async throws {
        let server = try await Self.server()
        let simulator = server.simulator
        let store = try Self.store()
        let first = Run(port: server.port, store: store)
        _ = await first.wait { Self.monitored($0).count == 2 && !Self.resyncs($0).isEmpty }
        guard case .success(let record?) = store.load() else {
            Issue.record("no session kept in \(store.path)")
            return
        }
        #expect(record.sessionID == Self.sessions(first.events).first?.0)
        #expect(Set(record.crossRefs.keys) == ["3201", "3202"])
        let mode = (try FileManager.default.attributesOfItem(atPath: store.path)[.posixPermissions] as? Int) ?? 0
        #expect(mode == 0o600)
        // The process dies: its connection drops without a polite end, and AES keeps the session.
        first.task.cancel()
        for _ in 0..<100 where await simulator.orphanedSessionIDs.isEmpty {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(await simulator.orphanedSessionIDs == [record.sessionID])
        let monitorStarts = await simulator.requests.filter { $0 == "MonitorStart" }.count

        let second = Run(port: server.port, store: store)
        let events = await second.wait { Self.monitored($0).count == 2 && !Self.resyncs($0).isEmpty }
        #expect(Self.sessions(events).map(\.0) == [record.sessionID])
        #expect(Self.sessions(events).map(\.1) == [true])
        #expect(Set(Self.monitored(events)) == ["3201", "3202"])
        // The monitors are the session's: none started twice, one session in AES.
        #expect(await simulator.requests.filter { $0 == "MonitorStart" }.count == monitorStarts)
        #expect(await simulator.sessionIDs == [record.sessionID])
        #expect(await simulator.monitorCount == 2)
    }

    @Test func aKeptSessionPastItsCleanupDelayGivesWayToANewSession() async throws {
        var options = AESSimulatorOptions()
        // As many licences as stations: a session AES still held would leave no licence for the new monitors.
        options.licences = 2
        let server = try await Self.server(options)
        let simulator = server.simulator
        let store = try Self.store()
        let first = Run(port: server.port, cleanup: 1, store: store)
        _ = await first.wait { Self.monitored($0).count == 2 }
        let old = Self.sessions(first.events).first?.0
        first.task.cancel()
        // AES drops the orphaned session after its cleanup delay.
        for _ in 0..<200 where await !simulator.sessionIDs.isEmpty { try await Task.sleep(for: .milliseconds(20)) }
        #expect(await simulator.sessionIDs.isEmpty)

        let second = Run(port: server.port, cleanup: 1, store: store)
        let events = await second.wait { Self.monitored($0).count + Self.failures($0).count == 2 }
        #expect(Self.sessions(events).map(\.1) == [false])
        #expect(Self.sessions(events).first?.0 != old)
        #expect(Set(Self.monitored(events)) == ["3201", "3202"])
        #expect(Self.failures(events).isEmpty)
        guard case .success(let record?) = store.load() else {
            Issue.record("the new session was not kept")
            return
        }
        #expect(record.sessionID == Self.sessions(events).first?.0)
    }

    @Test func aPoliteStopForgetsTheKeptSessionAndAnotherAESsSessionIsNeverOffered() async throws {
        let server = try await Self.server()
        let store = try Self.store()
        try store.save(.init(host: "192.0.2.99", port: 4722, username: "ctiuser", sessionID: "ABC-0"))
        let run = Run(port: server.port, store: store)
        let events = await run.wait { Self.monitored($0).count == 2 }
        // Not offered for recovery: a new session, and no recovery attempt refused on the way.
        #expect(Self.sessions(events).map(\.1) == [false])
        #expect(await server.simulator.requests.filter { $0 == "StartApplicationSession" }.count == 1)
        #expect(FileManager.default.fileExists(atPath: store.path))
        await run.client.stop()
        // The client would reconnect: it stops with its task, as the worker's does.
        run.task.cancel()
        #expect(!FileManager.default.fileExists(atPath: store.path))
    }

    @Test func everyMonitoredExtensionIsSnapshottedAtEachResyncInterval() async throws {
        let server = try await Self.server()
        let run = Run(port: server.port, resyncInterval: .milliseconds(300))
        let events = await run.wait { Self.resyncs($0).count >= 4 }
        #expect(Self.resyncs(events).count >= 4)
        #expect(Self.resyncs(events).allSatisfy { Set($0.keys) == ["3201", "3202"] })
        #expect(Self.sessions(events).count == 1)
    }

    @Test func keepAlivesHoldAShortSession() async throws {
        let server = try await Self.server()
        let run = Run(port: server.port, duration: 2)
        _ = await run.wait { Self.monitored($0).count == 2 }
        try await Task.sleep(for: .seconds(4))
        #expect(await server.simulator.requests.filter { $0 == "ResetApplicationSessionTimer" }.count >= 4)
        #expect(Self.sessions(run.events).count == 1)
        #expect(Self.disconnects(run.events).isEmpty)
    }

    @Test func makeCallEndToEndTagsTheCallAndAnInjectedNumberNeverLeaves() async throws {
        let server = try await Self.server()
        let simulator = server.simulator
        let run = Run(port: server.port)
        _ = await run.wait { Self.monitored($0).count == 2 }
        let bad = await run.client.makeCall(
            DialRequest(clickToDialId: "c2d-1", group: "sales", extension: "3201", user: "u", number: "123</x><y/>"))
        guard case .failure(let error) = bad else {
            Issue.record("an injected number was dialled")
            return
        }
        #expect(error.code == .requestRefused)
        #expect(await !simulator.requests.contains("MakeCall"))

        let made = await run.client.makeCall(
            DialRequest(clickToDialId: "c2d-2", group: "sales", extension: "3201", user: "u", number: "90312345678"))
        guard case .success(let call) = made else {
            Issue.record("MakeCall failed: \(made)")
            return
        }
        #expect(call.ucid?.count == 20)
        var tracker = AvayaCallTracker(replayGroup: "sales")
        for case .monitored(let member, let crossRef) in run.events {
            tracker.monitored(crossRefID: crossRef, extension: member)
        }
        tracker.clickToDialStarted(callID: call.callID, member: "3201", clickToDialId: "c2d-2")
        let events = await run.wait { events in
            events.contains { if case .event(let event, _) = $0 { event.kind == .networkReached } else { false } }
        }
        var output: [CallEvent] = []
        for case .event(let event, let at) in events { output += tracker.handle(event, at: at) }
        #expect(output.map(\.state) == [.ringing])
        #expect(output.first?.clickToDialId == "c2d-2")
        #expect(output.first?.dialled == "90312345678")
        #expect(output.first?.callId == call.ucid)
    }
}

/// DMCC over TLS on loopback, with a CA and a server certificate the test makes (as AES has a private CA, and a
/// certificate that often does not name the address it is reached at).
@Suite(
    .serialized, .timeLimit(.minutes(2)), .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl"))
)
struct AESClientTLSTests {
    /// A CA, and a certificate it signed for `aes.example` (not for 127.0.0.1).
    static func certificates() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("zti-aes-tls-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let steps: [[String]] = [
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                "ca.key", "-out", "ca.crt", "-days", "1", "-subj", "/CN=Test AES CA",
            ],
            [
                "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "aes.key",
                "-out", "aes.csr", "-subj", "/CN=aes.example",
            ],
            [
                "x509", "-req", "-in", "aes.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out",
                "aes.crt", "-days", "1", "-extfile", "san.ext",
            ],
            [
                "x509", "-req", "-in", "aes.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out",
                "aes-ip.crt", "-days", "1", "-extfile", "san-ip.ext",
            ],
        ]
        try "subjectAltName=DNS:aes.example\n".write(
            toFile: directory + "/san.ext", atomically: true, encoding: .utf8)
        try "subjectAltName=DNS:aes.example,IP:127.0.0.1\n".write(
            toFile: directory + "/san-ip.ext", atomically: true, encoding: .utf8)
        for step in steps {
            let made = try ChildProcess.run(
                "/bin/sh", ["-c", "cd '\(directory)' && exec /usr/bin/openssl \"$@\"", "openssl"] + step)
            #expect(made.status == 0, "\(made.stderr)")
        }
        return directory
    }

    static func server(_ directory: String, certificate: String = "aes.crt") async throws
        -> (AESSimulator, Int, Task<Void, Error>)
    {
        let simulator = AESSimulator(options: AESSimulatorOptions())
        let context = try AESSimulatorServer.tlsContext(
            certificate: directory + "/" + certificate, key: directory + "/aes.key")
        let server = try await AESSimulatorServer.bind(host: "127.0.0.1", port: 0, simulator: simulator, tls: context)
        return (simulator, server.port, Task { try await server.run() })
    }

    @Test func theSessionRunsOverTLSWithThePrivateCAAndNoHostnameCheck() async throws {
        let directory = try Self.certificates()
        let (simulator, port, task) = try await Self.server(directory)
        defer { task.cancel() }
        let run = AESClientTests.Run(
            port: port, tls: .init(caFile: directory + "/ca.crt", verify: true, verifyHostname: false))
        let events = await run.wait { AESClientTests.monitored($0).count == 2 }
        #expect(AESClientTests.monitored(events) == ["3201", "3202"])
        #expect(await simulator.monitorCount == 2)
    }

    @Test func aCertificateThatNamesTheAddressPassesTheHostnameCheck() async throws {
        let directory = try Self.certificates()
        let (_, port, task) = try await Self.server(directory, certificate: "aes-ip.crt")
        defer { task.cancel() }
        let run = AESClientTests.Run(
            port: port, tls: .init(caFile: directory + "/ca.crt", verify: true, verifyHostname: true))
        let events = await run.wait {
            AESClientTests.monitored($0).count == 2 || !AESClientTests.disconnects($0).isEmpty
        }
        #expect(AESClientTests.monitored(events) == ["3201", "3202"], "\(AESClientTests.disconnects(events))")
    }

    @Test func aCertificateThatDoesNotNameTheAddressOrAnUnknownCAIsRefused() async throws {
        let directory = try Self.certificates()
        let (simulator, port, task) = try await Self.server(directory)
        defer { task.cancel() }
        for tls in [
            AESClientSettings.TLS(caFile: directory + "/ca.crt", verify: true, verifyHostname: true),
            AESClientSettings.TLS(caFile: nil, verify: true, verifyHostname: false),
        ] {
            let run = AESClientTests.Run(port: port, tls: tls)
            let events = await run.wait { !AESClientTests.disconnects($0).isEmpty }
            #expect(
                AESClientTests.disconnects(events).first?.contains("the TLS handshake with AES at 127.0.0.1") == true,
                "\(AESClientTests.disconnects(events))")
            #expect(AESClientTests.sessions(events).isEmpty, "\(tls)")
            run.task.cancel()
        }
        #expect(await simulator.sessionStarts == 0)
    }
}
