import Glibc
import Testing
import ZTICore

@testable import ZTISupervisor

/// The supervisor's child rules as a table: every (state, event) pair that matters, with the state and effects it
/// must give, and the events that must change nothing.
@Suite struct ChildMachineTests {
    static let policy = RestartPolicy(floor: .seconds(1), cap: .seconds(8), intensity: 3, period: .seconds(60))
    static let start = ContinuousClock.now

    static func at(_ seconds: Int) -> ContinuousClock.Instant { start + .seconds(seconds) }

    /// A worker spawned at 0 s as life 1 (pid 100).
    static var running: ChildMachine.State {
        ChildMachine.transition(ChildMachine.State(name: "worker sales", policy: policy), .spawned(pid: 100, at: at(0)))
            .0
    }

    static var connected: ChildMachine.State {
        var state = ChildMachine.transition(
            running, .hello(generation: 1, protocolVersion: WireProtocol.version, at: at(1))
        ).0
        state = ChildMachine.transition(state, .heartbeat(generation: 1, Heartbeat(link: .connected), at: at(2))).0
        return state
    }

    static func effects(_ state: ChildMachine.State, _ event: ChildMachine.Event) -> [ChildMachine.Effect] {
        ChildMachine.transition(state, event).1
    }

    static func phase(_ state: ChildMachine.State, _ event: ChildMachine.Event) -> GroupState {
        ChildMachine.transition(state, event).0.phase
    }

    struct Row: CustomTestStringConvertible, Sendable {
        let name: String
        let state: ChildMachine.State
        let event: ChildMachine.Event
        let phase: GroupState
        let effects: [ChildMachine.Effect]
        var testDescription: String { name }
    }

    static let table: [Row] = [
        Row(
            name: "spawned: starting, life bumped", state: ChildMachine.State(name: "worker sales", policy: policy),
            event: .spawned(pid: 7, at: at(0)), phase: .starting, effects: [.publish]),
        Row(
            name: "HELLO of this life: connecting", state: running,
            event: .hello(generation: 1, protocolVersion: WireProtocol.version, at: at(1)), phase: .connecting,
            effects: [.log(.debug, "worker sales said HELLO (life 1)"), .publish]),
        Row(
            name: "HELLO of an earlier life: nothing", state: running,
            event: .hello(generation: 0, protocolVersion: WireProtocol.version, at: at(1)), phase: .starting,
            effects: []),
        Row(
            name: "HELLO of another protocol: held, killed", state: running,
            event: .hello(generation: 1, protocolVersion: WireProtocol.version + 1, at: at(1)), phase: .configError,
            effects: [
                .log(
                    .error,
                    "worker sales speaks protocol \(WireProtocol.version + 1), this supervisor \(WireProtocol.version); not restarted until the next reload"
                ), .signal(100, SIGKILL), .publish,
            ]),
        Row(
            name: "heartbeat with the link up: connected", state: running,
            event: .heartbeat(generation: 1, Heartbeat(link: .connected), at: at(2)), phase: .connected,
            effects: [.publish]),
        Row(
            name: "heartbeat with the link down: connecting", state: connected,
            event: .heartbeat(generation: 1, Heartbeat(link: .connecting), at: at(3)), phase: .connecting,
            effects: [.publish]),
        Row(
            name: "heartbeat of an earlier life: nothing", state: connected,
            event: .heartbeat(generation: 0, Heartbeat(link: .connecting), at: at(3)), phase: .connected, effects: []),
        Row(
            name: "crash: backoff from the floor", state: connected, event: .exited(status: 1, at: at(10)),
            phase: .backoff,
            effects: [
                .log(.warning, "worker sales exited (exit 1) after 10.0 s; restarting in 1.0 seconds"),
                .scheduleRespawn(after: .seconds(1), generation: 2), .publish,
            ]),
        Row(
            name: "killed by a signal: described", state: connected, event: .exited(status: 137, at: at(4)),
            phase: .backoff,
            effects: [
                .log(.warning, "worker sales exited (killed by signal 9) after 4.0 s; restarting in 1.0 seconds"),
                .scheduleRespawn(after: .seconds(1), generation: 2), .publish,
            ]),
        Row(
            name: "exit 78: held until a reload", state: connected, event: .exited(status: 78, at: at(4)),
            phase: .configError,
            effects: [
                .log(.error, "worker sales exited 78 (configuration error); not restarted until the next reload"),
                .publish,
            ]),
        Row(
            name: "exit of a retired child: not restarted",
            state: ChildMachine.transition(connected, .retire).0, event: .exited(status: 0, at: at(4)),
            phase: .connected, effects: [.publish]),
        Row(
            name: "exit with no process: nothing", state: ChildMachine.State(name: "worker sales", policy: policy),
            event: .exited(status: 1, at: at(4)), phase: .starting, effects: []),
        Row(
            name: "spawn failed: counted as an exit", state: ChildMachine.State(name: "worker sales", policy: policy),
            event: .spawnFailed(reason: "posix_spawn: No such file", at: at(0)), phase: .backoff,
            effects: [
                .log(.error, "worker sales could not be started: posix_spawn: No such file"),
                .log(.warning, "worker sales exited (could not be started) after 0.0 s; restarting in 1.0 seconds"),
                .scheduleRespawn(after: .seconds(1), generation: 1), .publish,
            ]),
        Row(
            name: "stale heartbeat: killed", state: connected, event: .watchdog(at: at(9), stale: .seconds(6)),
            phase: .connected,
            effects: [
                .log(.error, "worker sales: no heartbeat for 7.0 s; killing it (pid 100)"), .signal(100, SIGKILL),
            ]),
        Row(
            name: "fresh heartbeat: nothing", state: connected, event: .watchdog(at: at(5), stale: .seconds(6)),
            phase: .connected, effects: []),
        Row(
            name: "no HELLO yet: the watchdog waits", state: running, event: .watchdog(at: at(60), stale: .seconds(6)),
            phase: .starting, effects: []),
        Row(
            name: "held elsewhere", state: ChildMachine.State(name: "worker sales", policy: policy),
            event: .heldElsewhere(reason: "group sales is already run by another supervisor"), phase: .heldElsewhere,
            effects: [.log(.error, "group sales is already run by another supervisor"), .publish]),
    ]

    @Test(arguments: table) func eachRowGivesItsStateAndEffects(_ row: Row) {
        let (state, effects) = ChildMachine.transition(row.state, row.event)
        #expect(state.phase == row.phase)
        #expect(effects == row.effects)
    }

    @Test func aRestartTimerOfAnEarlierLifeDoesNothing() {
        let exited = ChildMachine.transition(Self.connected, .exited(status: 1, at: Self.at(10))).0
        #expect(Self.effects(exited, .respawnDue(generation: 2)) == [.spawn])
        #expect(Self.effects(exited, .respawnDue(generation: 1)) == [])
        // Respawned meanwhile (a reload): the old timer finds a process and does nothing.
        let again = ChildMachine.transition(exited, .spawned(pid: 101, at: Self.at(11))).0
        #expect(Self.effects(again, .respawnDue(generation: 2)) == [])
        // Retired before the timer: not spawned again.
        #expect(Self.effects(ChildMachine.transition(exited, .retire).0, .respawnDue(generation: 2)) == [])
    }

    @Test func crashesBackOffExponentiallyUpToTheCapThenTheChildIsFailed() {
        var state = Self.running
        var delays: [Duration] = []
        var phases: [GroupState] = []
        for second in 1...4 {
            let (exited, effects) = ChildMachine.transition(state, .exited(status: 1, at: Self.at(second)))
            for case .scheduleRespawn(let delay, _) in effects { delays.append(delay) }
            phases.append(exited.phase)
            state = ChildMachine.transition(exited, .spawned(pid: 200 + Int32(second), at: Self.at(second))).0
        }
        // Three restarts in the period (1 s, 2 s, 4 s), then failed: tried again after the period.
        #expect(delays == [.seconds(1), .seconds(2), .seconds(4), .seconds(60)])
        #expect(phases == [.backoff, .backoff, .backoff, .failed])
        #expect(state.tracker.total == 3)
    }

    @Test func aSpawnClearsTheLastLifesReportAndReason() {
        var state = ChildMachine.transition(Self.connected, .exited(status: 78, at: Self.at(5))).0
        #expect(state.reason != nil)
        #expect(state.heartbeat != nil)
        state = ChildMachine.transition(state, .spawned(pid: 300, at: Self.at(6))).0
        #expect(state.reason == nil)
        #expect(state.heartbeat == nil)
        #expect(state.heartbeatAt == nil)
        #expect(state.generation == 3)
        #expect(!state.saidHello)
    }
}
