import Foundation
import Glibc
import ZTIPBXSim
import ZTITestKit

/// A whole ztisup system for the end-to-end figures: one in-process AMI simulator per group and an in-process fake
/// CRM (so the write of an event and its receipt are read from one clock), and the release `ztisup run` between
/// them in all-in-one mode, delivering to the fake CRM's webhook.
final class BenchSystem {
    let directory: String
    let executable: String
    let simulators: [AMISimulator]
    /// With `avaya: true`, one simulated AES per group instead of the AMI simulators.
    let aesSimulators: [AESSimulator]
    let crm: FakeCRM
    let extensions: Int
    let supervisor: ChildProcess
    private let servers: [Task<Void, Error>]
    private var instances = 0

    private init(
        directory: String, executable: String, simulators: [AMISimulator], aesSimulators: [AESSimulator],
        crm: FakeCRM, extensions: Int, supervisor: ChildProcess, servers: [Task<Void, Error>]
    ) {
        self.directory = directory
        self.executable = executable
        self.simulators = simulators
        self.aesSimulators = aesSimulators
        self.crm = crm
        self.extensions = extensions
        self.supervisor = supervisor
        self.servers = servers
    }

    /// Starts `groups` groups of `extensions` extensions each (members 1000, 1001, …) and waits until every group
    /// is connected.
    static func start(
        binDirectory: String, groups: Int, extensions: Int, avaya: Bool = false, crmSettings: String = ""
    ) async throws -> BenchSystem {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("zti-system-\(getpid())-\(groups)").path
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory + "/groups", withIntermediateDirectories: true)
        let fake = try await BenchCRM.start(directory: directory, key: "bench-hook-key", extra: crmSettings)
        let crm = fake.crm
        var servers = [fake.server]
        var simulators: [AMISimulator] = []
        var aesSimulators: [AESSimulator] = []
        for group in 0..<groups {
            var text: String
            if avaya {
                let simulator = AESSimulator(
                    options: AESSimulatorOptions(
                        password: "bench", extensions: Set((0..<extensions).map { String(1000 + $0) }),
                        licences: extensions))
                let server = try await AESSimulatorServer.bind(host: "127.0.0.1", port: 0, simulator: simulator)
                servers.append(Task { try await server.run() })
                aesSimulators.append(simulator)
                text = """
                    group.name = g\(group)
                    pbx.type = avaya
                    pbx.host = 127.0.0.1
                    pbx.port = \(server.port)
                    avaya.tls = false
                    avaya.switch = CM1
                    pbx.username = ctiuser
                    pbx.password = bench
                    number.countrycode = 81
                    number.internationalprefix = 010

                    """
            } else {
                let simulator = AMISimulator(options: AMISimulatorOptions(family: .v12, secret: "bench"))
                let server = try await AMISimulatorServer.bind(host: "127.0.0.1", port: 0, simulator: simulator)
                servers.append(Task { try await server.run() })
                simulators.append(simulator)
                text = """
                    group.name = g\(group)
                    pbx.type = asterisk
                    pbx.host = 127.0.0.1
                    pbx.port = \(server.port)
                    pbx.username = zti
                    pbx.password = bench
                    pbx.trunks = PJSIP/carrier, SIP/carrier, from-pstn
                    number.countrycode = 81
                    number.internationalprefix = 010

                    """
            }
            for member in 0..<extensions {
                text += "user.u\(member).crmuser = \(4_150_868_000_000_000_000 + group * 10_000 + member)\n"
                text += "user.u\(member).extension = \(1000 + member)\n"
            }
            try text.write(toFile: directory + "/groups/g\(group).properties", atomically: true, encoding: .utf8)
        }

        var environment = ProcessInfo.processInfo.environment
        environment["NOTIFY_SOCKET"] = nil
        environment["WATCHDOG_USEC"] = nil
        let executable = binDirectory + "/ztisup"
        let supervisor = try ChildProcess(
            executable, ["run", "--conf", directory, "--log-target", "stderr"], environment: environment)
        let system = BenchSystem(
            directory: directory, executable: executable, simulators: simulators, aesSimulators: aesSimulators,
            crm: crm, extensions: extensions, supervisor: supervisor, servers: servers)
        let deadline = Deadline(seconds: 60)
        while !deadline.passed {
            let report = system.status()
            let connected = report.groups.filter {
                $0["state"] as? String == "connected" && (!avaya || ($0["monitored"] as? [String])?.count == extensions)
            }.count
            if connected == groups, report.uploader["state"] as? String == "connected" { return system }
            try await Task.sleep(for: .milliseconds(100))
        }
        system.stop()
        throw BenchError("the system did not come up within 60 s (groups not connected)")
    }

    /// What `ztisup status --json` says.
    struct Status {
        var groups: [[String: Any]] = []
        var uploader: [String: Any] = [:]
        var bufferDropped = 0
        var supervisorPID: Int?

        func group(_ key: String) -> [String: Any] {
            groups.first { $0["group"] as? String == key } ?? [:]
        }

        /// Events the workers and the supervisor's buffer dropped.
        var dropped: Int {
            groups.map { $0["dropped"] as? Int ?? 0 }.reduce(bufferDropped, +)
        }
    }

    func status() -> Status {
        guard let outcome = try? ChildProcess.run(executable, ["status", "--conf", directory, "--json"], seconds: 10),
            let report = try? JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any]
        else { return Status() }
        return Status(
            groups: report["groups"] as? [[String: Any]] ?? [],
            uploader: report["uploader"] as? [String: Any] ?? [:],
            bufferDropped: (report["buffer"] as? [String: Any])?["dropped"] as? Int ?? 0,
            supervisorPID: (report["supervisor"] as? [String: Any])?["pid"] as? Int)
    }

    /// The processes whose CPU a phase counts: ztisup's (the first group's worker), and this one, which runs the
    /// simulators and the fake CRM.
    func processes() -> [(name: String, pid: Int)] {
        let report = status()
        var processes = [(name: "supervisor", pid: Int(supervisor.pid))]
        if let worker = report.groups.first?["pid"] as? Int { processes.append((name: "worker", pid: worker)) }
        if let uploader = report.uploader["pid"] as? Int { processes.append((name: "uploader", pid: uploader)) }
        processes.append((name: "simulator and CRM", pid: Int(getpid())))
        return processes
    }

    /// A scenario-instance number no earlier play on any simulator used (Uniqueids stay distinct).
    func nextInstance() -> Int {
        instances += 1
        return instances
    }

    /// SIGTERM to the supervisor (which stops the workers and the uploader), then the in-process servers.
    func stop() {
        supervisor.signal(SIGTERM)
        if supervisor.wait(seconds: 30) == nil { print("warning: the supervisor had to be killed") }
        for server in servers { server.cancel() }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A process's memory in MiB: resident, peak resident, proportional (shared pages divided among their
    /// sharers) and private (pages no other process maps).
    struct Memory {
        let rss: Double
        let peak: Double
        let proportional: Double
        let `private`: Double
    }

    /// A process's memory, from `/proc/PID/status` and `/proc/PID/smaps_rollup`.
    static func memory(of pid: Int) -> Memory? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let rollup = try? String(contentsOfFile: "/proc/\(pid)/smaps_rollup", encoding: .utf8)
        else { return nil }
        func field(_ text: String, _ name: String) -> Double? {
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }) else { return nil }
            return line.split(separator: " ").dropFirst().first.flatMap { Double($0) }.map { $0 / 1024 }
        }
        guard let rss = field(status, "VmRSS"), let peak = field(status, "VmHWM"), let pss = field(rollup, "Pss"),
            let clean = field(rollup, "Private_Clean"), let dirty = field(rollup, "Private_Dirty")
        else { return nil }
        return Memory(rss: rss, peak: peak, proportional: pss, private: clean + dirty)
    }
}

/// A benchmark that could not run, with the reason.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
