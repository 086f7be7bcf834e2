import Foundation
import Testing
import ZTIAvaya
import ZTICore
import ZTIPBXSim

/// The AES simulator over real loopback TCP, driven with plain DMCC frames.
@Suite(.serialized, .timeLimit(.minutes(2))) struct AESSimulatorTests {
    /// A running simulator and a task serving it.
    final class Server {
        let simulator: AESSimulator
        let port: Int
        let task: Task<Void, Error>

        /// A simulator; with `tlsDirectory`, serving TLS with the certificate `AESClientTLSTests` made there.
        init(_ options: AESSimulatorOptions = AESSimulatorOptions(), tlsDirectory: String? = nil) async throws {
            simulator = AESSimulator(options: options)
            let tls = try tlsDirectory.map {
                try AESSimulatorServer.tlsContext(certificate: $0 + "/aes-ip.crt", key: $0 + "/aes.key")
            }
            let server = try await AESSimulatorServer.bind(host: "127.0.0.1", port: 0, simulator: simulator, tls: tls)
            port = server.port
            task = Task { try await server.run() }
        }

        deinit { task.cancel() }

        func client() throws -> DMCCTestClient {
            try #require(DMCCTestClient(port: port))
        }
    }

    static func start(
        password: String = "secret", versions: [String] = DMCCRequest.protocolVersions, recover: String? = nil,
        duration: Int = 180, cleanup: Int = 60
    ) -> DMCCRequest {
        .startApplicationSession(
            .init(
                applicationID: "ztisup-test", userName: "ctiuser", password: password, cleanupDelay: cleanup,
                recoverSessionID: recover, protocolVersions: versions, duration: duration))
    }

    /// Starts a session; returns its ID.
    static func session(_ client: DMCCTestClient, duration: Int = 180, cleanup: Int = 60) throws -> String {
        let id = try client.send(start(duration: duration, cleanup: cleanup))
        let reply = try #require(try client.reply())
        #expect(reply.0 == id)
        guard case .sessionStarted(let session, _, _) = reply.1 else {
            Issue.record("no session: \(reply.1)")
            return ""
        }
        return session
    }

    static func monitor(_ client: DMCCTestClient, _ station: String) throws -> DMCCMessage? {
        try client.send(.monitorStart(device: "\(station):CM1::0"))
        return try client.reply()?.1
    }

    @Test func aSessionStartsWithTheNewestVersionItKnowsAndAClampedDuration() async throws {
        var options = AESSimulatorOptions()
        options.protocolVersions = [DMCCRequest.protocolVersions[2], DMCCRequest.protocolVersions[5]]
        options.durations = 10...300
        let server = try await Server(options)
        let client = try server.client()
        let id = try client.send(Self.start(duration: 900))
        let reply = try #require(try client.reply())
        #expect(reply.0 == id)
        guard case .sessionStarted(let session, let version, let duration) = reply.1 else {
            Issue.record("\(reply.1)")
            return
        }
        #expect(session.range(of: "^[0-9A-F]{32}-0$", options: .regularExpression) != nil)
        #expect(version == DMCCRequest.protocolVersions[2])
        #expect(duration == 300)
    }

    @Test func aWrongPasswordAndAnUnknownVersionAreRefused() async throws {
        let server = try await Server()
        let client = try server.client()
        try client.send(Self.start(password: "wrong"))
        #expect(try client.reply()?.1 == .sessionRefused(reason: "invalidApplicationInfo"))
        try client.send(Self.start(versions: ["http://www.ecma-international.org/standards/ecma-323/csta/ed3/privZ"]))
        #expect(try client.reply()?.1 == .sessionRefused(reason: "requestedProtocolVersionNotSupported"))
        try client.send(.monitorStart(device: "3201:CM1::0"))
        #expect(try client.reply()?.1 == .error(category: "operation", value: "requestIncompatibleWithObject"))
    }

    @Test func devicesAndMonitorsWithTheirRefusals() async throws {
        var options = AESSimulatorOptions()
        options.permitted = ["3201", "3202", "3203"]
        options.licences = 2
        let server = try await Server(options)
        let client = try server.client()
        _ = try Self.session(client)
        try client.send(.getThirdPartyDeviceID(switchName: "CM1", extension: "3201"))
        #expect(try client.reply()?.1 == .deviceID("3201:CM1::0"))
        try client.send(.getThirdPartyDeviceID(switchName: "CM9", extension: "3201"))
        #expect(try client.reply()?.1 == .error(category: "operation", value: "invalidDeviceID"))
        #expect(try Self.monitor(client, "4999") == .error(category: "operation", value: "invalidDeviceID"))
        #expect(
            try Self.monitor(client, "3205")
                == .error(category: "operation", value: "privilegeViolationSpecifiedDevice"))
        #expect(try Self.monitor(client, "3201") == .monitorStarted(crossRefID: "1"))
        #expect(try Self.monitor(client, "3202") == .monitorStarted(crossRefID: "2"))
        #expect(
            try Self.monitor(client, "3203")
                == .error(category: "subscribedResourceAvailability", value: "objectMonitorLimitExceeded"))
        try client.send(.monitorStop(crossRefID: "2"))
        #expect(try client.reply()?.1 == .monitorStopped)
        try client.send(.monitorStop(crossRefID: "2"))
        #expect(try client.reply()?.1 == .error(category: "operation", value: "invalidMonitorCrossRefID"))
        #expect(await server.simulator.monitorCount == 1)
    }

    /// Requests in another namespace than the clean one, or none, are answered all the same (AES dispatches on
    /// local names).
    @Test func requestsAreMatchedByLocalNames() async throws {
        let server = try await Server()
        let client = try server.client()
        _ = try Self.session(client)
        let odd =
            #"<x:MonitorStart xmlns:x="http://www.avaya.com/csta"><x:monitorObject><x:deviceObject>3201:CM1::0</x:deviceObject></x:monitorObject></x:MonitorStart>"#
        try client.write(try DMCCFrame(invokeID: 42, xml: odd).encoded())
        let reply = try #require(try client.reply())
        #expect(reply.0 == 42)
        #expect(reply.1 == .monitorStarted(crossRefID: "1"))
    }

    @Test func aSessionIsRecoveredWithItsMonitorsWithinTheCleanupDelayAndNotAfter() async throws {
        let server = try await Server()
        var client = try server.client()
        let session = try Self.session(client, cleanup: 1)
        #expect(try Self.monitor(client, "3201") == .monitorStarted(crossRefID: "1"))
        client = try server.client()
        for _ in 0..<200 where await server.simulator.orphanedSessionIDs.isEmpty {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(await server.simulator.orphanedSessionIDs == [session])
        try client.send(Self.start(recover: session, cleanup: 1))
        guard case .sessionStarted(let recovered, _, _)? = try client.reply()?.1 else {
            Issue.record("not recovered")
            return
        }
        #expect(recovered == session)
        // The monitor survived: a call to 3201 reaches this connection with the same cross-reference ID.
        let call = await server.simulator.inbound(from: "0312345678", to: "0312340600")
        await server.simulator.ring(call, "3201")
        let events = try client.events(count: 1)
        #expect(events.first?.kind == .delivered)
        #expect(events.first?.monitorCrossRefID == "1")

        // Orphaned past its cleanup delay, the session is gone.
        let late = try server.client()
        try await Task.sleep(for: .milliseconds(1500))
        try late.send(Self.start(recover: session))
        #expect(try late.reply()?.1 == .sessionRefused(reason: "invalidApplicationInfo"))
    }

    @Test func aSessionWhoseTimerRunsOutIsTerminatedAndClosed() async throws {
        let server = try await Server()
        let client = try server.client()
        _ = try Self.session(client, duration: 1)
        #expect(try Self.monitor(client, "3201") == .monitorStarted(crossRefID: "1"))
        let frame = try #require(try client.frame(seconds: 5))
        #expect(try DMCCMessage.decode(frame) == .sessionTerminated(reason: "sessionTimerExpired"))
        #expect(client.closed())
        #expect(await server.simulator.monitorCount == 0)
    }

    @Test func aResetKeepsTheSessionAlive() async throws {
        let server = try await Server()
        let client = try server.client()
        let session = try Self.session(client, duration: 1)
        for _ in 0..<4 {
            try await Task.sleep(for: .milliseconds(400))
            try client.send(.resetApplicationSessionTimer(sessionID: session, duration: 1))
            #expect(try client.reply()?.1 == .sessionTimerReset(duration: 1))
        }
        try client.send(.resetApplicationSessionTimer(sessionID: "nope", duration: 1))
        #expect(try client.reply()?.1 == .sessionTimerRefused(reason: "invalidSessionID"))
        #expect(await server.simulator.sessionIDs == [session])
    }

    @Test func aHeaderNoClientSendsClosesTheConnection() async throws {
        let server = try await Server()
        let client = try server.client()
        try client.write([0, 0, 0, 4] + Array("0001".utf8))
        #expect(client.closed())
    }

    /// An inbound call answered at 3201, through the real framing and XML, into the tracker.
    @Test func anInboundCallReachesTheTrackerAsRingingAnsweredEnded() async throws {
        let server = try await Server()
        let client = try server.client()
        _ = try Self.session(client)
        #expect(try Self.monitor(client, "3201") == .monitorStarted(crossRefID: "1"))
        let simulator = server.simulator
        let call = await simulator.inbound(from: "0312345678", to: "0312340600")
        await simulator.ring(call, "3201")
        await simulator.answer(call, "3201")
        await simulator.hangup(call, "0312345678")
        let events = try client.events(count: 4)
        #expect(events.map(\.kind) == [.delivered, .established, .connectionCleared, .connectionCleared])
        #expect(events.first?.localConnectionInfo == "alerting")
        #expect(events.first?.ucid?.count == 20)
        var tracker = AvayaCallTracker(replayGroup: "replay")
        tracker.monitored(crossRefID: "1", extension: "3201")
        var output: [CallEvent] = []
        for (index, event) in events.enumerated() {
            output += tracker.handle(event, at: EventTime(millisecondsSinceEpoch: Int64(index) * 1000))
        }
        #expect(output.map(\.state) == [.ringing, .answered, .ended])
        #expect(output.first?.from == "0312345678")
        #expect(output.first?.callId == events.first?.ucid)
        #expect(await simulator.callIDs.isEmpty)
    }
}
