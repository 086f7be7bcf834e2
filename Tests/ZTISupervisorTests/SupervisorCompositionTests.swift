import Foundation
import Glibc
import Logging
import Testing
import ZTICore
import ZTITestKit

@testable import ZTISupervisor

/// The supervisor as the composition of its parts, with the test kit's fake spawner and manual clock: no process,
/// and no waiting for backoffs.
@Suite(.serialized) struct SupervisorCompositionTests {
    /// A configuration directory with one group `sales`, no uploader listening, and a 2 s restart floor.
    static func configuration() throws -> (Configuration, String) {
        let conf = FileManager.default.temporaryDirectory.appendingPathComponent("zti-comp-\(UUID())").path
        try FileManager.default.createDirectory(atPath: conf + "/groups", withIntermediateDirectories: true)
        try """
        crm.sink = none
        runtime.dir = run
        uploader.socket = \(conf)/nobody.sock
        restart.backoff.floor = 2s
        open.timeout = 1s

        """.write(toFile: conf + "/zti.properties", atomically: true, encoding: .utf8)
        try """
        pbx.type = asterisk
        pbx.host = 127.0.0.1
        pbx.port = 5038
        pbx.username = zti
        pbx.password = secret
        user.alice.crmuser = 1
        user.alice.extension = 101

        """.write(toFile: conf + "/groups/sales.properties", atomically: true, encoding: .utf8)
        return (try ConfigurationLoader.load(confDir: conf), conf)
    }

    /// Advances `clock` by `step` until `condition` holds (at most `steps` times, a little real time apart).
    static func advance(
        _ clock: ManualClock, by step: Duration, steps: Int = 400, until condition: () async -> Bool
    ) async -> Bool {
        for _ in 0..<steps {
            if await condition() { return true }
            clock.advance(by: step)
            try? await Task.sleep(for: .milliseconds(5))
        }
        return await condition()
    }

    @Test func aCrashedWorkerIsSpawnedAgainAfterItsBackoffAndNotBefore() async throws {
        let (configuration, conf) = try Self.configuration()
        defer { try? FileManager.default.removeItem(atPath: conf) }
        let clock = ManualClock()
        let spawner = FakeSpawner(clock: clock)
        let supervisor = Supervisor(
            options: Supervisor.Options(configuration: configuration, confDir: conf, spawnUploader: false),
            logger: Logger(label: "test"), spawner: spawner, clock: clock)
        spawner.onExit = { pid, status in Task { await supervisor.reaped(pid: pid, status: status) } }
        let (stop, stopper) = AsyncStream<Void>.makeStream()
        let running = Task { try await supervisor.run(stop: stop) }

        // Spawned once the uploader could not say what is open (open.timeout on the manual clock); then connected.
        #expect(
            await Self.advance(clock, by: .milliseconds(100)) {
                await supervisor.children[.worker(group: "sales")]?.state == .connected
            })
        #expect(spawner.spawns.count == 1)
        let first = try #require(spawner.alive.first)

        spawner.exit(first, status: 1)
        #expect(
            await Self.advance(clock, by: .zero, steps: 200) {
                await supervisor.children[.worker(group: "sales")]?.state == .backoff
            })
        let exitedAt = clock.now
        // Not before the 2 s floor...
        clock.advance(by: .milliseconds(1900))
        try await Task.sleep(for: .milliseconds(50))
        #expect(spawner.spawns.count == 1)
        // ...and after it (the new worker waits for the open lifecycles again: open.timeout on the manual clock).
        #expect(await Self.advance(clock, by: .milliseconds(50)) { spawner.spawns.count == 2 })
        #expect(try #require(spawner.spawns.last) - exitedAt >= .seconds(2))
        #expect(
            await Self.advance(clock, by: .milliseconds(50)) {
                await supervisor.children[.worker(group: "sales")]?.state == .connected
            })
        let report = await supervisor.report()
        #expect(report.groups.first?.restarts == 1)
        #expect(report.groups.first?.lastExit == "exit 1")

        // Stopping sends the stop sequence's SIGTERM to the worker, which ends; then the supervisor returns.
        let stopped = Flag()
        let waiting = Task {
            try await running.value
            stopped.set()
        }
        stopper.yield()
        #expect(await Self.advance(clock, by: .milliseconds(50)) { stopped.isSet })
        try await waiting.value
        #expect(spawner.alive.isEmpty)
        #expect(spawner.signals.map(\.signal) == [SIGTERM])
    }

    /// A flag one task sets and another reads.
    final class Flag: @unchecked Sendable {
        private let lock = NSLock()
        private var value = false
        var isSet: Bool { lock.withLock { value } }
        func set() { lock.withLock { value = true } }
    }
}
