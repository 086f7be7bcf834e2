import Foundation
import Glibc
import ZTIAsterisk
import ZTICore
import ZTIPBXSim
import ZTITestKit

/// `zti-bench chaos BIN [--minutes N] [--kills K] [--rate R] [--outage S] [--speed X]`: the restart test a hostile
/// operator runs. Three groups, one per AMI family (12, 11 and 1.4), each under its simulator's load of the
/// ring-group, missed and outbound-busy scenarios; webhook delivery to an in-process fake CRM; K SIGKILLs spread
/// over workers, the uploader and the supervisor (restarted a second later, as systemd would); optionally a CRM
/// outage at the end of the load; then a drain. It prints the figures and exits 0 only when no final was lost, no
/// talk time is wrong, no lifecycle has two finals or is a duplicate, and extra deliveries are at most the kills.
enum ChaosRun {
    struct Options {
        var bin = ".build/release"
        var minutes = 1.0
        var kills = 3
        var rate = 0.5
        var outage = 0.0
        var speed = 1.0

        init(_ arguments: [String]) throws {
            var rest = arguments[...]
            if let first = rest.first, !first.hasPrefix("--") { bin = String(rest.removeFirst()) }
            while let flag = rest.popFirst() {
                guard let value = rest.popFirst(), let number = Double(value), number >= 0 else {
                    throw BenchError("chaos: \(flag) needs a number (\(Self.usage))")
                }
                switch flag {
                case "--minutes": minutes = number
                case "--kills": kills = Int(number)
                case "--rate": rate = number
                case "--outage": outage = number
                case "--speed": speed = max(number, 0.1)
                default: throw BenchError("chaos: unknown option \(flag) (\(Self.usage))")
                }
            }
            guard minutes > 0, minutes <= 120 else { throw BenchError("chaos: --minutes must be within (0, 120]") }
            guard kills <= 1000 else { throw BenchError("chaos: --kills must be at most 1000") }
            guard outage < minutes * 60 else { throw BenchError("chaos: --outage must be shorter than the run") }
        }

        static let usage = "zti-bench chaos BIN [--minutes N] [--kills K] [--rate CALLS/S] [--outage S] [--speed X]"
    }

    /// Where the kills go, in turn: 12 workers, 5 uploaders and 3 supervisors in every 20.
    enum Target: String {
        case worker, uploader, supervisor

        static let pattern: [Target] = [
            .worker, .worker, .uploader, .worker, .worker, .supervisor, .worker, .uploader, .worker, .worker,
            .uploader, .worker, .supervisor, .worker, .worker, .uploader, .worker, .worker, .uploader, .supervisor,
        ]
    }

    static let families: [(key: String, family: AMIFamily)] = [("g12", .v12), ("g11", .v11), ("g14", .v14)]

    static func run(_ arguments: [String]) async throws -> Int32 {
        let options = try Options(arguments)
        let scenarioDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Tests/ZTIAsteriskTests/Scenarios").path
        let scenarios = try ["ring-group", "missed", "outbound-busy"].map { name in
            try SimScenario(String(contentsOfFile: scenarioDirectory + "/\(name).scn", encoding: .utf8))
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("zti-chaos-\(getpid())").path
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory + "/groups", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }

        let fake = try await BenchCRM.start(
            directory: directory, key: "chaos-hook-key",
            extra: "restart.backoff.floor = 200ms\nrestart.intensity = 1000\n")
        let crm = fake.crm
        var servers = [fake.server]
        defer { for server in servers { server.cancel() } }
        var simulators: [AMISimulator] = []
        for (key, family) in families {
            let simulator = AMISimulator(
                options: AMISimulatorOptions(family: family, secret: "chaos", speed: options.speed))
            let server = try await AMISimulatorServer.bind(host: "127.0.0.1", port: 0, simulator: simulator)
            servers.append(Task { try await server.run() })
            simulators.append(simulator)
            try """
            group.name = \(key)
            pbx.type = asterisk
            pbx.host = 127.0.0.1
            pbx.port = \(server.port)
            pbx.username = zti
            pbx.password = chaos
            pbx.dialcodes = LOCAL:9;LONGDIS:1000
            pbx.trunks = PJSIP/carrier, SIP/carrier, from-pstn
            number.countrycode = 81
            number.internationalprefix = 010
            user.alice.crmuser = \(key)-alice
            user.alice.extension = 101
            user.bob.crmuser = \(key)-bob
            user.bob.extension = 102
            user.carol.crmuser = \(key)-carol
            user.carol.extension = 103

            """.write(toFile: directory + "/groups/\(key).properties", atomically: true, encoding: .utf8)
        }

        let system = ChaosSystem(directory: directory, executable: options.bin + "/ztisup")
        try system.start()
        defer { system.stop() }
        guard await system.waitUntilUp(seconds: 60) else { throw BenchError("chaos: the system did not come up") }
        print(
            "chaos: \(families.count) groups (families 12, 11, 1.4), \(options.rate) calls/s each for "
                + "\(options.minutes) min at speed \(options.speed), \(options.kills) kills"
                + (options.outage > 0 ? ", a CRM outage of \(Int(options.outage)) s at the end of the load" : ""))

        let load = Duration.milliseconds(Int64(options.minutes * 60_000))
        let loads = simulators.map { simulator in
            Task { await simulator.load(scenarios, rate: options.rate, duration: load) }
        }
        let start = ContinuousClock.now
        let killWindow = Double(options.minutes * 60 - options.outage) * 0.9
        var recoveries: [Target: [Double]] = [:]
        // While nobody listens, a hangup or an answer is seen by no one: those windows are reported apart.
        var gaps: [ClosedRange<Date>] = []
        for index in 0..<options.kills {
            let at = start + .milliseconds(Int64(killWindow * 1000 * Double(index + 1) / Double(options.kills + 1)))
            try? await Task.sleep(until: at)
            let target = Target.pattern[index % Target.pattern.count]
            let killedAt = Date()
            if let seconds = await system.kill(target, index: index) {
                recoveries[target, default: []].append(seconds)
                if target != .uploader { gaps.append(killedAt...Date()) }
            } else {
                print("chaos: kill \(index + 1) (\(target.rawValue)): did not recover within 60 s")
            }
        }
        var drain: String?
        if options.outage > 0 {
            try? await Task.sleep(until: start + load - .milliseconds(Int64(options.outage * 1000)))
            await crm.inject(.outage(seconds: 100_000))
            try? await Task.sleep(until: start + load)
            let pending = system.pendingEvents()
            let healed = Date()
            await crm.heal()
            drain = await system.drainFigure(crm: crm, healedAt: healed, pending: pending)
        }
        var started: [Int] = []
        for task in loads { started.append(await task.value) }
        // Every scripted call ends within its longest scenario; then the spool must empty.
        let longest = scenarios.map { Double($0.steps.last?.at ?? 0) / 1000 }.max() ?? 60
        try? await Task.sleep(for: .milliseconds(Int64((longest / options.speed + 5) * 1000)))
        await system.waitUntilDelivered(crm: crm, seconds: 120)

        let delivered = await crm.recorded.filter { $0.status == 200 }.compactMap { request -> CallEvent? in
            try? CanonicalJSON.decode(CallEvent.self, from: Array(request.body.utf8))
        }
        let report = ChaosReport(
            delivered: delivered, scenarios: scenarios, instances: started, gaps: gaps)
        print(report.text(kills: options.kills))
        for target in [Target.worker, .uploader, .supervisor] {
            guard let times = recoveries[target]?.sorted(), !times.isEmpty else { continue }
            print(
                String(
                    format: "  recovery after a %@ kill: %d kills, median %.2f s, max %.2f s", target.rawValue,
                    times.count, times[times.count / 2], times.last ?? 0))
        }
        if let drain { print("  " + drain) }
        let passed = report.passes(kills: options.kills)
        if !passed {
            // The calls behind the problems, event by event, to see what happened.
            let calls = Set(
                (report.finalsLost + report.wrongTalkTimes + report.doubleFinals + report.suspectCalls).prefix(8).map {
                    $0.split(separator: "/").prefix(2).joined(separator: "/")
                })
            for event in delivered where calls.contains("\(event.group)/\(event.callId)") {
                FileHandle.standardError.write(
                    Data(
                        ("  \(event.id) at \(event.at) started \(event.startedAt?.description ?? "-") answered "
                            + "\(event.answeredAt?.description ?? "-") \(event.cause?.rawValue ?? "") "
                            + "\(event.rawCause ?? "")\n").utf8))
            }
        }
        print(passed ? "chaos: passed" : "chaos: FAILED")
        return passed ? 0 : 1
    }
}

/// The `ztisup run` under test, its kills and its restarts.
final class ChaosSystem {
    let directory: String
    let executable: String
    private var supervisor: ChildProcess?

    init(directory: String, executable: String) {
        self.directory = directory
        self.executable = executable
    }

    func start() throws {
        var environment = ProcessInfo.processInfo.environment
        environment["NOTIFY_SOCKET"] = nil
        environment["WATCHDOG_USEC"] = nil
        supervisor = try ChildProcess(
            executable, ["run", "--conf", directory, "--log-target", "stderr"], environment: environment)
    }

    func stop() {
        supervisor?.signal(SIGTERM)
        _ = supervisor?.wait(seconds: 30)
    }

    func status() -> [String: Any] {
        guard let outcome = try? ChildProcess.run(executable, ["status", "--conf", directory, "--json"], seconds: 10)
        else { return [:] }
        return (try? JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any]) ?? [:]
    }

    static func groups(_ report: [String: Any]) -> [[String: Any]] { report["groups"] as? [[String: Any]] ?? [] }
    static func uploader(_ report: [String: Any]) -> [String: Any] { report["uploader"] as? [String: Any] ?? [:] }

    /// Every group connected and the uploader connected.
    func isUp(_ report: [String: Any]) -> Bool {
        let groups = Self.groups(report)
        return groups.count == ChaosRun.families.count && groups.allSatisfy { $0["state"] as? String == "connected" }
            && Self.uploader(report)["state"] as? String == "connected"
    }

    func waitUntilUp(seconds: Double) async -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
        while ContinuousClock.now < deadline {
            if isUp(status()) { return true }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    /// SIGKILLs one process of `target`'s kind and returns the seconds until the system is up again with a new
    /// process in its place (nil when it did not come back within 60 s).
    func kill(_ target: ChaosRun.Target, index: Int) async -> Double? {
        let report = status()
        let killedAt = ContinuousClock.now
        var victim: Int?
        switch target {
        case .worker:
            let groups = Self.groups(report)
            guard !groups.isEmpty else { return nil }
            victim = groups[index % groups.count]["pid"] as? Int
        case .uploader:
            victim = Self.uploader(report)["pid"] as? Int
        case .supervisor:
            guard let supervisor else { return nil }
            supervisor.signal(SIGKILL)
            _ = supervisor.wait(seconds: 10)
            // systemd's RestartSec=1.
            try? await Task.sleep(for: .seconds(1))
            try? start()
        }
        if let victim { Glibc.kill(pid_t(victim), SIGKILL) }
        let deadline = killedAt + .seconds(60)
        while ContinuousClock.now < deadline {
            let now = status()
            let replaced: Bool
            switch target {
            case .worker:
                replaced = !Self.groups(now).contains { $0["pid"] as? Int == victim }
            case .uploader:
                replaced = Self.uploader(now)["pid"] as? Int != victim
            case .supervisor:
                replaced = true
            }
            if replaced, isUp(now) {
                let elapsed = ContinuousClock.now - killedAt
                return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return nil
    }

    /// The events waiting in the spool.
    func pendingEvents() -> Int {
        (Self.uploader(status())["spool"] as? [String: Any])?["pending"] as? Int ?? 0
    }

    /// Waits until nothing is pending (or `seconds` pass).
    func waitUntilDelivered(crm: FakeCRM, seconds: Double) async {
        let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
        while ContinuousClock.now < deadline {
            let report = status()
            if isUp(report), (Self.uploader(report)["spool"] as? [String: Any])?["pending"] as? Int == 0 { return }
            try? await Task.sleep(for: .milliseconds(200))
        }
    }

    /// After the outage: how long the backlog took to drain from the CRM's first 2xx.
    func drainFigure(crm: FakeCRM, healedAt: Date, pending: Int) async -> String {
        let deadline = ContinuousClock.now + .seconds(300)
        while ContinuousClock.now < deadline, pendingEvents() > 0 {
            try? await Task.sleep(for: .milliseconds(100))
        }
        let arrivals = await crm.acceptedAt.values.filter { $0 >= healedAt }.sorted()
        guard let first = arrivals.first, let last = arrivals.last else {
            return "drain after the CRM outage: \(pending) events pending at the heal, none delivered"
        }
        return String(
            format: "drain after the CRM outage: %d events pending at the heal; first 2xx %.1f s after the heal, "
                + "backlog delivered %.1f s after the first 2xx", pending, first.timeIntervalSince(healedAt),
            last.timeIntervalSince(first))
    }
}

/// The figures of a chaos run, from what the CRM accepted and what the scenarios script.
struct ChaosReport {
    let calls: Int
    let lifecycles: Int
    let expectedLifecycles: Int
    let finalsLost: [String]
    let wrongTalkTimes: [String]
    /// Answered lifecycles whose end happened while no worker ran: closed `unknown` at the next first re-sync, so
    /// their talk time is a lower bound (no PBX interface tells an end nobody was listening to).
    let endsNotSeen: [String]
    /// Answers that happened while no worker ran: dated at the re-sync that found them (a lower bound).
    let answersNotSeen: [String]
    let doubleFinals: [String]
    let extraDeliveries: Int
    /// Calls with a member's lifecycle twice (a second attempt no scenario scripts) or a member that never rang.
    let suspectCalls: [String]

    var duplicateLifecycles: Int { max(0, lifecycles - expectedLifecycles) }

    /// `instances`: how many scenario plays each simulator started (taking the scenarios in turn).
    init(delivered: [CallEvent], scenarios: [SimScenario], instances: [Int], gaps: [ClosedRange<Date>]) {
        // What one play of each scenario scripts: its calls, its member lifecycles, and its talk times.
        var calls = 0
        var lifecycles = 0
        var talkTimes: Set<Int> = []
        for (index, scenario) in scenarios.enumerated() {
            let plays = instances.map { ($0 + scenarios.count - 1 - index) / scenarios.count }.reduce(0, +)
            var callIds: Set<String> = []
            var members: Set<String> = []
            var answered: [String: Int64] = [:]
            for step in scenario.steps {
                switch step.action {
                case .inbound(let call, _, _): callIds.insert(call)
                case .outbound(let call, let from, _):
                    callIds.insert(call)
                    members.insert(call + "/" + from)
                case .ring(let call, let extensions): for member in extensions { members.insert(call + "/" + member) }
                case .answer(let call, _): answered[call] = step.at
                case .hangup(let call):
                    if let at = answered[call] { talkTimes.insert(Int((step.at - at) / 1000)) }
                default: break
                }
            }
            calls += callIds.count * plays
            lifecycles += members.count * plays
        }
        self.calls = calls
        expectedLifecycles = lifecycles

        var byLifecycle: [String: [CallEvent]] = [:]
        var seenIds: [String: Int] = [:]
        for event in delivered {
            byLifecycle["\(event.group)/\(event.callId)/\(event.extension)/\(event.attempt)", default: []].append(event)
            seenIds[event.id, default: 0] += 1
        }
        self.lifecycles = byLifecycle.count
        extraDeliveries = seenIds.values.reduce(0) { $0 + $1 - 1 }
        var lost: [String] = []
        var wrong: [String] = []
        var double: [String] = []
        var endsNotSeen: [String] = []
        var answersNotSeen: [String] = []
        func inGap(_ time: EventTime?) -> Bool {
            guard let time else { return false }
            let date = Date(timeIntervalSince1970: Double(time.millisecondsSinceEpoch) / 1000)
            return gaps.contains { $0.lowerBound <= date && date <= $0.upperBound.addingTimeInterval(1) }
        }
        for (key, events) in byLifecycle.sorted(by: { $0.key < $1.key }) {
            let finals = Set(events.filter(\.state.isTerminal).map(\.id))
            if finals.isEmpty { lost.append(key) }
            if finals.count > 1 { double.append(key) }
            guard let answer = events.first(where: { $0.state == .answered }),
                let final = events.first(where: { $0.state.isTerminal })
            else { continue }
            let talk = final.talkSeconds ?? -1
            let scripted = talkTimes.contains { abs($0 - talk) <= 1 }
            let described = "\(key) (talk \(talk) s, \(final.cause?.rawValue ?? "?"))"
            if final.startedAt != answer.startedAt || final.answeredAt != answer.answeredAt {
                wrong.append(described)
            } else if !scripted, final.cause == .unknown {
                endsNotSeen.append(described)
            } else if !scripted, inGap(answer.answeredAt) {
                answersNotSeen.append(described)
            } else if !scripted {
                wrong.append(described)
            }
        }
        finalsLost = lost
        wrongTalkTimes = wrong
        self.endsNotSeen = endsNotSeen
        self.answersNotSeen = answersNotSeen
        doubleFinals = double
        var byCall: [String: [String]] = [:]
        for key in byLifecycle.keys {
            let parts = key.split(separator: "/")
            byCall[parts.prefix(2).joined(separator: "/"), default: []].append(String(parts[2]))
        }
        suspectCalls = byCall.filter { Set($0.value).count != $0.value.count || $0.value.contains("103") }.keys.sorted()
    }

    func passes(kills: Int) -> Bool {
        finalsLost.isEmpty && wrongTalkTimes.isEmpty && doubleFinals.isEmpty && duplicateLifecycles == 0
            && extraDeliveries <= kills
    }

    func text(kills: Int) -> String {
        var lines = [
            "  calls started by the simulators: \(calls)",
            "  lifecycles: \(lifecycles) (the scenarios script \(expectedLifecycles))",
            "  finals lost: \(finalsLost.count)",
            "  wrong talk times: \(wrongTalkTimes.count)",
            "  ends that happened while no worker ran (closed unknown, talk time a lower bound): \(endsNotSeen.count)",
            "  answers that happened while no worker ran (dated at the re-sync that found them): \(answersNotSeen.count)",
            "  lifecycles with more than one final: \(doubleFinals.count)",
            "  duplicate lifecycles: \(duplicateLifecycles)",
            "  extra deliveries: \(extraDeliveries) (at most \(kills) allowed)",
        ]
        for (name, keys) in [
            ("final lost", finalsLost), ("wrong talk time", wrongTalkTimes), ("two finals", doubleFinals),
            ("end not seen", endsNotSeen), ("answer not seen", answersNotSeen), ("duplicate suspects", suspectCalls),
        ]
        where !keys.isEmpty {
            lines.append("    \(name): " + keys.prefix(10).joined(separator: ", ") + (keys.count > 10 ? ", …" : ""))
        }
        return lines.joined(separator: "\n")
    }
}
