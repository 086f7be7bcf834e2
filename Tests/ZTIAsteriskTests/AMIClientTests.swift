import Foundation
import Logging
import Testing
import ZTICore
import ZTIPBXSim

@testable import ZTIAsterisk

/// A simulator listening on a free loopback port, and a client connected to it, both stopped on release.
final class Harness {
    var tracker: TrackerBox?
    var emitted: [CallEvent] = []
    let simulator: AMISimulator
    let server: AMISimulatorServer
    let client: AMIClient
    let events: AsyncStream<AMIClientEvent>
    private let tasks: [Task<Void, Never>]

    init(
        family: AMIFamily, secret: String = "secret", authentication: AMIClientSettings.Authentication = .md5,
        writeClasses: Set<String>? = nil, keepalive: Duration = .seconds(5), installFilters: Bool = false,
        resyncInterval: Duration = .seconds(300), handoffCapacity: Int = 50_000
    ) async throws {
        simulator = AMISimulator(
            options: AMISimulatorOptions(family: family, secret: "secret", writeClasses: writeClasses, speed: 1000))
        server = try await AMISimulatorServer.bind(host: "127.0.0.1", port: 0, simulator: simulator)
        let settings = AMIClientSettings(
            host: "127.0.0.1", port: server.port, username: "zti", secret: secret, authentication: authentication,
            // A reply that is slow on a loaded machine is not what these tests are about.
            keepalive: keepalive, resyncInterval: resyncInterval, replyTimeout: .seconds(10),
            installFilters: installFilters,
            backoff: ReconnectBackoff(floor: .milliseconds(50), cap: .milliseconds(200)),
            handoffCapacity: handoffCapacity)
        client = AMIClient(settings: settings, logger: Logger(label: "test"))
        let (stream, continuation) = client.makeEventStream()
        events = stream
        let server = self.server
        let client = self.client
        tasks = [
            Task { try? await server.run() },
            Task { await client.run(into: continuation) },
        ]
    }

    deinit {
        for task in tasks { task.cancel() }
    }

    /// Reads events until `stop` says so, feeding banners and events to the tracker when there is one.
    func next(until stop: (AMIClientEvent) -> Bool) async -> AMIClientEvent? {
        for await event in events {
            if case .message(let message, let time) = event, let tracker {
                emitted += tracker.handle(message, at: time)
            }
            if stop(event) { return event }
        }
        return nil
    }
}

/// A tracker a test can feed.
final class TrackerBox {
    var tracker: AsteriskCallTracker

    init(_ directory: MemberDirectory) {
        tracker = AsteriskCallTracker(directory: directory)
    }

    func handle(_ message: AMIMessage, at time: EventTime) -> [CallEvent] {
        tracker.handle(message, receivedAt: time)
    }

    func handle(_ input: TrackerInput, at time: EventTime) -> [CallEvent] {
        tracker.handle(input, at: time)
    }
}

/// The AMI client against the simulator over real loopback TCP.
// Each test awaits events from real sockets: a time limit fails one that never gets them instead of hanging the run.
@Suite(.timeLimit(.minutes(2))) struct AMIClientTests {
    static func connected(_ event: AMIClientEvent) -> Bool {
        if case .connected = event { return true }
        return false
    }

    static func transcript(_ path: String) throws -> [UInt8] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "Transcripts/" + path)
        return Array(try Data(contentsOf: url))
    }

    @Test(arguments: ["1.4", "11", "12"])
    func md5LoginAndFamilyDetection(familyName: String) async throws {
        let family = AMIFamily(rawValue: familyName)!
        let version = ["1.4": nil, "11": "11.25.3", "12": "18.20.0"][familyName]!
        let harness = try await Harness(family: family)
        let event = await harness.next(until: Self.connected)
        guard case .connected(let detected, let reported, let source) = event else {
            Issue.record("no connection: \(String(describing: event))")
            return
        }
        #expect(detected == family)
        #expect(reported == version)
        #expect(source == .banner)
    }

    @Test func plainLogin() async throws {
        let harness = try await Harness(family: .v12, authentication: .plain)
        #expect(await harness.next(until: Self.connected) != nil)
    }

    @Test func aWrongPasswordIsAClearErrorAndIsRetriedWithBackoff() async throws {
        let harness = try await Harness(family: .v11, secret: "wrong")
        var reasons: [String] = []
        _ = await harness.next { event in
            if case .disconnected(let reason) = event { reasons.append(reason) }
            return reasons.count >= 3
        }
        #expect(reasons.first?.contains("AMI login as zti refused: Authentication failed") == true)
        #expect(await harness.simulator.connectionCount >= 3)
    }

    @Test func eventsFlowFromThePBXToTheTracker() async throws {
        let harness = try await Harness(family: .v12)
        let group = try ConfigurationLoader.loadGroupFile(
            path: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
                "Transcripts/sales.properties"
            ).path
        ).0
        harness.tracker = TrackerBox(MemberDirectory(group: group))
        _ = await harness.next {
            if case .resynced = $0 { return true }
            return false
        }
        let simulator = harness.simulator
        let bytes = try Self.transcript("12/ring-group.ami")
        Task { await simulator.play(bytes) }
        _ = await harness.next { _ in harness.emitted.count >= 5 }
        #expect(
            harness.emitted.map(\.id) == [
                "sales/1732526400.10/101/ringing/1", "sales/1732526400.10/102/ringing/1",
                "sales/1732526400.10/102/answered/1", "sales/1732526400.10/101/ended/1",
                "sales/1732526400.10/102/ended/1",
            ])
        #expect(harness.emitted[3].cause == .answeredElsewhere)
    }

    /// Plays the part of `inbound-answered` up to the answer, and returns the rest (the hangup).
    static func answerCall(_ harness: Harness) async throws -> String {
        harness.tracker = TrackerBox(MemberDirectory(replayGroup: "t"))
        _ = await harness.next {
            if case .resynced = $0 { return true }
            return false
        }
        let text = String(decoding: try Self.transcript("12/inbound-answered.ami"), as: UTF8.self)
        let cut = text.range(of: "Event: HangupRequest")!.lowerBound
        await harness.simulator.play(Array(text[..<cut].utf8))
        _ = await harness.next { _ in harness.emitted.count >= 2 }
        return String(text[cut...])
    }

    /// Waits for a disconnect and the re-sync after the reconnect.
    static func reconnected(_ harness: Harness) async {
        var disconnected = false
        _ = await harness.next {
            if case .disconnected = $0 { disconnected = true }
            if case .resynced = $0, disconnected { return true }
            return false
        }
    }

    @Test func aDroppedLinkReconnectsAndTheCallGoesOn() async throws {
        let harness = try await Harness(family: .v12)
        let rest = try await Self.answerCall(harness)
        await harness.simulator.drop()
        await Self.reconnected(harness)
        await harness.simulator.play(Array(rest.utf8))
        _ = await harness.next { _ in harness.emitted.count >= 3 }
        #expect(harness.emitted.map(\.state) == [.ringing, .answered, .ended])
        #expect(harness.emitted.last?.cause == .normal)
    }

    @Test func anAsteriskRestartClosesTheCallAtTheReSync() async throws {
        let harness = try await Harness(family: .v12)
        _ = try await Self.answerCall(harness)
        await harness.simulator.restart()
        await Self.reconnected(harness)
        #expect(harness.emitted.map(\.state) == [.ringing, .answered, .ended])
        #expect(harness.emitted.last?.cause == .unknown)
    }

    @Test func aStalledPBXIsADeadLinkAndIsReconnected() async throws {
        let harness = try await Harness(family: .v12, keepalive: .milliseconds(300))
        _ = await harness.next {
            if case .resynced = $0 { return true }
            return false
        }
        await harness.simulator.stall(for: .seconds(2))
        let event = await harness.next {
            if case .disconnected = $0 { return true }
            return false
        }
        guard case .disconnected(let reason) = event else {
            Issue.record("no disconnect")
            return
        }
        #expect(reason.contains("Ping"))
        #expect(await harness.next(until: Self.connected) != nil)
    }

    @Test func callsInProgressAreReSyncedPeriodically() async throws {
        // A keepalive well above the re-sync interval: a slow Ping reply on a loaded machine is not what this tests.
        let harness = try await Harness(family: .v11, keepalive: .seconds(5), resyncInterval: .milliseconds(250))
        var resyncs = 0
        _ = await harness.next {
            if case .resynced = $0 { resyncs += 1 }
            return resyncs >= 3
        }
        #expect(resyncs == 3)
        #expect(await harness.simulator.connectionCount == 1)
    }

    @Test func aFullHandOffDropsCountsAndReSyncs() async throws {
        let harness = try await Harness(family: .v12, keepalive: .milliseconds(100), handoffCapacity: 5)
        _ = await harness.next {
            if case .resynced = $0 { return true }
            return false
        }
        // Nobody reads while the PBX sends a burst: the reader goes on, the hand-off drops and counts.
        await harness.simulator.play(try Self.transcript("12/ring-group.ami"))
        try await Task.sleep(for: .milliseconds(300))
        #expect(harness.client.droppedCount > 0)
        var resynced = false
        _ = await harness.next {
            if case .resynced = $0 { resynced = true }
            return resynced
        }
        #expect(resynced)
    }

    @Test func filtersAreInstalledWhereTheSystemClassAllowsIt() async throws {
        let harness = try await Harness(
            family: .v12, writeClasses: ["originate", "reporting", "system"], installFilters: true)
        _ = await harness.next {
            if case .resynced = $0 { return true }
            return false
        }
        let flood = "Event: Newexten\r\nPrivilege: call,all\r\nUniqueid: 1.1\r\n\r\n"
        let marker = "Event: Hangup\r\nPrivilege: call,all\r\nUniqueid: 1.2\r\n\r\n"
        await harness.simulator.play(Array((flood + marker).utf8))
        var names: [String] = []
        _ = await harness.next { event in
            if case .message(let message, _) = event, let name = message.eventName { names.append(name) }
            return names.contains("Hangup")
        }
        // The PBX itself kept the flood back (the client would drop it too, so the PBX's count tells).
        #expect(await harness.simulator.filteredCount == 1)
        #expect(names.contains("Hangup"))
    }

    @Test func aRefusedFilterIsOnlyAWarning() async throws {
        let harness = try await Harness(family: .v12, installFilters: true)
        var warning: String?
        _ = await harness.next { event in
            if case .warning(let text) = event { warning = text }
            if case .resynced = event { return true }
            return false
        }
        #expect(warning == "Filter refused (Permission denied); the event class mask still applies")
    }

    @Test func aShutdownEventEndsTheLinkAndTheClientComesBack() async throws {
        let harness = try await Harness(family: .v11)
        _ = await harness.next {
            if case .resynced = $0 { return true }
            return false
        }
        let shutdown = "Event: Shutdown\r\nPrivilege: system,all\r\nShutdown: Cleanly\r\nRestart: True\r\n\r\n"
        await harness.simulator.play(Array(shutdown.utf8))
        var reason: String?
        _ = await harness.next { event in
            if case .disconnected(let text) = event { reason = text }
            if case .connected = event, reason != nil { return true }
            return false
        }
        #expect(reason == "Asterisk is shutting down (Cleanly)")
    }

    @Test func thePasswordComesFromItsFileWithoutTheLineBreak() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("zti-pw-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "s3cret\n".write(to: directory.appendingPathComponent("pbx.secret"), atomically: true, encoding: .utf8)
        chmod(directory.appendingPathComponent("pbx.secret").path, 0o600)
        let file = directory.appendingPathComponent("g.properties")
        try
            "pbx.type = asterisk\npbx.host = h\npbx.username = zti\npbx.password.file = pbx.secret\npbx.keepalive = 7s\n"
            .write(to: file, atomically: true, encoding: .utf8)
        let settings = try AMIClientSettings(group: try ConfigurationLoader.loadGroupFile(path: file.path).0)
        #expect(settings.secret == "s3cret")
        #expect(settings.keepalive == .seconds(7))
        #expect(settings.port == 5038)
    }

    @Test func garbageFromThePBXDoesNotStopTheClient() async throws {
        let harness = try await Harness(family: .v11)
        _ = await harness.next {
            if case .resynced = $0 { return true }
            return false
        }
        await harness.simulator.garbage()
        await harness.simulator.play(Array("Event: Hangup\r\nPrivilege: call,all\r\nUniqueid: 9.9\r\n\r\n".utf8))
        let event = await harness.next {
            if case .message(let message, _) = $0, message.eventName == "Hangup" { return true }
            return false
        }
        #expect(event != nil)
    }

    @Test func aMissingWriteClassIsNamed() async throws {
        let harness = try await Harness(family: .v12, writeClasses: ["originate"])
        var warning: String?
        let event = await harness.next { event in
            if case .warning(let text) = event { warning = text }
            if case .disconnected = event { return true }
            return false
        }
        #expect(warning?.contains("'system' or 'reporting' write class") == true)
        guard case .disconnected(let reason) = event else {
            Issue.record("the re-sync was not refused")
            return
        }
        #expect(reason == "CoreShowChannels refused: the AMI user lacks the 'reporting' write class")
    }

    @Test func backoffIsCappedAndJittered() {
        let backoff = ReconnectBackoff(floor: .seconds(1), cap: .seconds(30))
        #expect(backoff.ceiling(attempt: 1) == .seconds(1))
        #expect(backoff.ceiling(attempt: 3) == .seconds(4))
        #expect(backoff.ceiling(attempt: 10) == .seconds(30))
        #expect(backoff.ceiling(attempt: 1000) == .seconds(30))
        #expect(backoff.delay(attempt: 3, unit: 0) == .seconds(2))
        #expect(backoff.delay(attempt: 3, unit: 1) == .seconds(4))
    }
}
