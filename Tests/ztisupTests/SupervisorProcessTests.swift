import Foundation
import Glibc
import Testing
import ZTICore
import ZTITestKit

/// `ztisup run` as a real process in all-in-one mode (it spawns the uploader and the workers) against
/// `zti-pbxsim ami`, with a real spool; `ztisup status` and `ztisup calls` read what it did.
@Suite(.serialized) struct SupervisorProcessTests {
    /// A configuration directory with one group `sales` on the simulator at `port`.
    static func conf(port: Int, password: String = "s3cret", extra: String = "") throws -> String {
        let conf = try UploaderProcessTests.conf("startup.timeout = 5s\nrestart.backoff.floor = 200ms\n" + extra)
        let group =
            try String(contentsOfFile: WorkerProcessTests.transcripts + "/sales.properties", encoding: .utf8)
            .replacingOccurrences(of: "pbx.host = 192.0.2.10", with: "pbx.host = 127.0.0.1")
            + "pbx.port = \(port)\npbx.username = zti\npbx.password = \(password)\n"
        try group.write(toFile: conf + "/groups/sales.properties", atomically: true, encoding: .utf8)
        return conf
    }

    /// A running supervisor and what it wrote to stderr.
    final class Run {
        let process: ChildProcess
        let conf: String
        let reader: StderrReader
        var log: String { reader.log }

        init(conf: String, arguments: [String] = [], environment: [String: String]? = nil) throws {
            self.conf = conf
            process = try ChildProcess(
                ZTISupProcess.executable, ["run", "--conf", conf, "--log-target", "stderr"] + arguments,
                environment: environment, stderr: .pipe)
            reader = StderrReader(process: process)
        }

        func wait(for text: String) -> Bool { reader.wait(for: text) }

        /// `ztisup status --json`, polled until `done` holds (or 15 s pass).
        func status(until done: ([String: Any]) -> Bool = { _ in true }) throws -> [String: Any] {
            let deadline = Deadline(seconds: 15)
            var report: [String: Any] = [:]
            repeat {
                let outcome = try ZTISupProcess.run(["status", "--conf", conf, "--json"])
                report = (try? JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any]) ?? [:]
                if done(report) { break }
                usleep(100_000)
            } while !deadline.passed
            return report
        }

        func stop() -> Int32? {
            process.signal(SIGTERM)
            return process.wait(seconds: 20)
        }

        /// SIGKILLs the worker of `group` whose pid `report` names, and returns the status once another worker
        /// runs the group and is connected (or 15 s pass).
        func killWorker(in report: [String: Any], group key: String = "sales") throws -> [String: Any] {
            let first = SupervisorProcessTests.group(report, key)["pid"] as? Int ?? 0
            kill(pid_t(first), SIGKILL)
            return try status {
                let pid = SupervisorProcessTests.group($0, key)["pid"] as? Int ?? 0
                return pid != first && pid != 0
                    && SupervisorProcessTests.group($0, key)["state"] as? String == "connected"
            }
        }
    }

    static func group(_ report: [String: Any], _ key: String = "sales") -> [String: Any] {
        (report["groups"] as? [[String: Any]] ?? []).first { $0["group"] as? String == key } ?? [:]
    }

    static func alive(_ pid: Int) -> Bool { kill(pid_t(pid), 0) == 0 }

    @Test func callsFlowFromThePBXIntoTheSpoolAndStatusTellsTheTruth() throws {
        let (simulator, control, group) = try WorkerProcessTests.simulator()
        defer { simulator.kill() }
        let conf = try Self.conf(port: group.pbx.port)
        let run = try Run(conf: conf)
        defer { run.process.kill() }
        // The group and the uploader connect in either order: the wait is for both.
        var report = try run.status {
            Self.group($0)["state"] as? String == "connected"
                && ($0["uploader"] as? [String: Any])?["state"] as? String == "connected"
        }
        let sales = Self.group(report)
        #expect(sales["state"] as? String == "connected")
        #expect(sales["family"] as? String == "12")
        #expect((report["uploader"] as? [String: Any])?["state"] as? String == "connected")
        let plain = try ZTISupProcess.run(["status", "--conf", conf])
        #expect(plain.status == 0)
        #expect(plain.stdout.contains("sales  asterisk 127.0.0.1:"))

        _ = ZTISupProcess.controlCommand(
            #"{"command":"play","file":"\#(WorkerProcessTests.transcripts)/12/inbound-answered.ami"}"#, socket: control)
        let deadline = Deadline(seconds: 15)
        var calls: [[String: Any]] = []
        repeat {
            let listed = try ZTISupProcess.run(["calls", "--conf", conf, "--json"])
            calls = (try? JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]]) ?? []
            if (calls.first?["events"] as? [Any])?.count == 3 { break }
            usleep(100_000)
        } while !deadline.passed
        #expect(calls.count == 1)
        let ids = (calls.first?["events"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        #expect(
            ids == [
                "sales/1732526400.1/101/ringing/1", "sales/1732526400.1/101/answered/1",
                "sales/1732526400.1/101/ended/1",
            ])
        report = try run.status { (Self.group($0)["eventsOut"] as? Int ?? 0) >= 3 }
        #expect((Self.group(report)["eventsOut"] as? Int ?? 0) >= 3)
        // With crm.sink = none the events are kept in the spool for `ztisup calls`: nothing is pending, so a
        // site without a CRM is never degraded by its backlog.
        let spool = try run.status {
            (($0["uploader"] as? [String: Any])?["spool"] as? [String: Any])?["kept"] as? Int == 3
        }
        let counts = (spool["uploader"] as? [String: Any])?["spool"] as? [String: Any]
        #expect(counts?["kept"] as? Int == 3)
        #expect(counts?["pending"] as? Int == 0)
        #expect(counts?["oldestPendingAgeSeconds"] == nil)

        // SIGTERM: workers first, then the uploader; nothing is left behind.
        let worker = Self.group(report)["pid"] as? Int ?? 0
        let uploader = (report["uploader"] as? [String: Any])?["pid"] as? Int ?? 0
        // The worker is ztisup-worker, found beside ztisup (the build puts them together), not the one binary.
        let workerExecutable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(worker)/exe")) ?? ""
        #expect(workerExecutable.hasSuffix("/ztisup-worker"), "\(workerExecutable)")
        #expect(run.stop() == 0)
        #expect(!Self.alive(worker))
        #expect(!Self.alive(uploader))
        #expect(run.wait(for: "supervisor stopped"))
        let workerStop = run.log.range(of: "worker for group sales stopping")
        let uploaderStop = run.log.range(of: "stopping on SIGTERM", options: .backwards)
        #expect(workerStop != nil && uploaderStop != nil && workerStop!.lowerBound < uploaderStop!.lowerBound)
        #expect(try ZTISupProcess.run(["status", "--conf", conf]).status == 3)
    }

    @Test func aKilledWorkerIsRestartedAndACrashLoopMakesTheGroupFailed() throws {
        let (simulator, _, group) = try WorkerProcessTests.simulator()
        defer { simulator.kill() }
        let conf = try Self.conf(
            port: group.pbx.port, extra: "restart.intensity = 2\nrestart.period = 60s\n")
        let run = try Run(conf: conf)
        defer { run.process.kill() }
        var report = try run.status { Self.group($0)["state"] as? String == "connected" }
        let first = Self.group(report)["pid"] as? Int ?? 0
        kill(pid_t(first), SIGKILL)
        report = try run.status {
            let pid = Self.group($0)["pid"] as? Int ?? 0
            return pid != 0 && pid != first && Self.group($0)["state"] as? String == "connected"
        }
        #expect(Self.group(report)["restarts"] as? Int == 1)
        #expect(Self.group(report)["lastExit"] as? String == "killed by signal 9")
        // Two more kills within the period: past restart.intensity = 2, the group is failed, and says why.
        for _ in 0..<2 {
            let pid = Self.group(report)["pid"] as? Int ?? 0
            kill(pid_t(pid), SIGKILL)
            report = try run.status {
                let next = Self.group($0)["pid"] as? Int ?? 0
                return (next != 0 && next != pid) || Self.group($0)["state"] as? String == "failed"
            }
        }
        report = try run.status { Self.group($0)["state"] as? String == "failed" }
        #expect(Self.group(report)["state"] as? String == "failed")
        #expect(
            Self.group(report)["lastError"] as? String
                == "more than 2 restarts in 60.0 seconds (last: killed by signal 9)")
        #expect(try ZTISupProcess.run(["status", "--conf", conf]).status == 1)
    }

    @Test func aRefusedLoginStaysConnectingWithTheReason() throws {
        let (simulator, _, group) = try WorkerProcessTests.simulator()
        defer { simulator.kill() }
        let conf = try Self.conf(port: group.pbx.port, password: "wrong")
        let run = try Run(conf: conf)
        defer { run.process.kill() }
        let report = try run.status { Self.group($0)["lastError"] != nil }
        #expect(Self.group(report)["state"] as? String == "connecting")
        #expect(
            (Self.group(report)["lastError"] as? String)?.contains("AMI login as zti refused: Authentication failed")
                == true)
    }

    @Test func aGroupRunsOnceAndSystemdHearsReadyAndStopping() throws {
        let (simulator, _, group) = try WorkerProcessTests.simulator()
        defer { simulator.kill() }
        let conf = try Self.conf(port: group.pbx.port, extra: "uploader.spawn = true\n")
        let notify = conf + "/notify.sock"
        let fd = try #require(TestUnixSocket.open(SOCK_DGRAM, .bind, path: notify))
        defer { close(fd) }
        var environment = ProcessInfo.processInfo.environment
        environment["NOTIFY_SOCKET"] = notify
        let run = try Run(conf: conf, environment: environment)
        defer { run.process.kill() }
        func receive() -> String? {
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = recv(fd, &buffer, buffer.count, 0)
            return count < 0 ? nil : String(decoding: buffer[..<count], as: UTF8.self)
        }
        var messages: [String] = []
        while let message = receive() {
            messages.append(message)
            if message.hasPrefix("READY=1") { break }
        }
        // READY once the worker said HELLO (its PBX link may still be coming up).
        #expect(messages.last?.hasPrefix("READY=1\nSTATUS=1 group: 1 conn") == true, "\(messages)")

        // A second supervisor for the same group (same runtime directory, the first one's uploader) refuses it.
        let second = try UploaderProcessTests.conf(
            "runtime.dir = \(conf)/run\nuploader.spawn = false\nstartup.timeout = 1s\n")
        try FileManager.default.removeItem(atPath: second + "/groups/sales.properties")
        try FileManager.default.copyItem(
            atPath: conf + "/groups/sales.properties", toPath: second + "/groups/sales.properties")
        let other = try ChildProcess(
            ZTISupProcess.executable, ["run", "--conf", second, "--group", "sales", "--log-target", "stderr"],
            stderr: .pipe)
        defer { other.kill() }
        #expect(
            StderrReader(process: other).wait(
                for: "group sales is already run by another supervisor (it holds \(conf)/run/sales/lock)"))
        // It exits 78 (systemd does not restart it) and leaves the first supervisor's control socket alone.
        #expect(other.wait(seconds: 15) == 78)
        #expect(Self.group(try run.status())["state"] as? String == "connected")
        #expect(!FileManager.default.fileExists(atPath: conf + "/run/sales/control.sock"))
        // A second umbrella supervisor on the same runtime directory is refused too.
        let umbrella = try ChildProcess(
            ZTISupProcess.executable, ["run", "--conf", second, "--log-target", "stderr"], stderr: .pipe)
        defer { umbrella.kill() }
        #expect(
            StderrReader(process: umbrella).wait(
                for: "another ztisup supervisor already runs with the runtime directory \(conf)/run"))
        #expect(umbrella.wait(seconds: 15) == 78)
        #expect((try run.status()["supervisor"] as? [String: Any])?["pid"] as? Int == Int(run.process.pid))

        #expect(run.stop() == 0)
        var rest: [String] = []
        while let message = receive() { rest.append(message) }
        #expect(rest.contains("STOPPING=1"))
    }

    /// The umbrella runs `sales` (groups.enabled); `north` runs under its own supervisor, as `ztisup@north` would.
    @Test func statusShowsTheUmbrellaAndPerGroupSupervisorsTogetherAndGroupsThatNobodyRuns() throws {
        let (simulator, _, group) = try WorkerProcessTests.simulator()
        defer { simulator.kill() }
        let conf = try Self.conf(port: group.pbx.port, extra: "uploader.spawn = true\ngroups.enabled = sales\n")
        let north = try String(contentsOfFile: conf + "/groups/sales.properties", encoding: .utf8)
            .replacingOccurrences(of: "group.name = Sales", with: "group.name = North")
            .replacingOccurrences(of: "user.alice.default = true\n", with: "")
        try north.write(toFile: conf + "/groups/north.properties", atomically: true, encoding: .utf8)
        let run = try Run(conf: conf)
        defer { run.process.kill() }
        let alone = try run.status { Self.group($0)["state"] as? String == "connected" }
        #expect(Self.group(alone)["state"] as? String == "connected", "\(run.log)")
        #expect(Self.group(alone, "north")["state"] as? String == "not-running")
        #expect(try ZTISupProcess.run(["status", "--conf", conf]).status == 1)

        // The per-group supervisor: its own conf directory, the same runtime directory, the umbrella's uploader.
        let single = try UploaderProcessTests.conf(
            "runtime.dir = \(conf)/run\nuploader.spawn = false\nuploader.socket = \(conf)/run/events.sock\n")
        try FileManager.default.removeItem(atPath: single + "/groups/sales.properties")
        try north.write(toFile: single + "/groups/north.properties", atomically: true, encoding: .utf8)
        let unit = try ChildProcess(
            ZTISupProcess.executable, ["run", "--conf", single, "--group", "north", "--log-target", "stderr"])
        defer { unit.kill() }
        let both = try run.status { report in
            ["sales", "north"].allSatisfy { Self.group(report, $0)["state"] as? String == "connected" }
                && (report["uploader"] as? [String: Any])?["state"] as? String == "connected"
        }
        #expect(Self.group(both, "north")["state"] as? String == "connected")
        #expect(Self.group(both, "north")["pid"] as? Int != nil)
        let supervisors = both["supervisors"] as? [[String: Any]] ?? []
        #expect(Set(supervisors.compactMap { $0["pid"] as? Int }) == [Int(run.process.pid), Int(unit.pid)])
        #expect(supervisors.contains { $0["socket"] as? String == "\(conf)/run/north/control.sock" })
        #expect((both["uploader"] as? [String: Any])?["state"] as? String == "connected")
        let text = try ZTISupProcess.run(["status", "--conf", conf])
        #expect(text.status == 0, "\(text.stdout)")
        #expect(text.stdout.contains("ztisup: 2 supervisors"), "\(text.stdout)")
        #expect(text.stdout.contains("group north:"), "\(text.stdout)")

        unit.signal(SIGTERM)
        #expect(unit.wait(seconds: 20) == 0)
        let after = try run.status { Self.group($0, "north")["state"] as? String == "not-running" }
        #expect(Self.group(after, "north")["state"] as? String == "not-running")
        #expect(run.stop() == 0)
    }

    @Test func aReloadStartsNewGroupsStopsRemovedOnesRestartsChangedOnesAndRefusesABadConfiguration() throws {
        let (simulator, _, group) = try WorkerProcessTests.simulator()
        defer { simulator.kill() }
        let conf = try Self.conf(port: group.pbx.port, extra: "uploader.spawn = true\n")
        let sales = try String(contentsOfFile: conf + "/groups/sales.properties", encoding: .utf8)
        // Another group on the same PBX: its own name, and the CRM user's default stays with sales.
        func copy(_ key: String) -> String {
            sales.replacingOccurrences(of: "group.name = Sales", with: "group.name = \(key)")
                .replacingOccurrences(of: "user.alice.default = true\n", with: "")
        }
        for key in ["east", "west"] {
            try copy(key).write(toFile: conf + "/groups/\(key).properties", atomically: true, encoding: .utf8)
        }
        let notify = conf + "/notify.sock"
        let fd = try #require(TestUnixSocket.open(SOCK_DGRAM, .bind, path: notify))
        defer { close(fd) }
        var environment = ProcessInfo.processInfo.environment
        environment["NOTIFY_SOCKET"] = notify
        // Read as systemd does: a full datagram queue would make the sender wait.
        let listener = NotifyListener(fd: fd)
        let run = try Run(conf: conf, environment: environment)
        defer { run.process.kill() }
        func connected(_ keys: [String]) -> ([String: Any]) -> Bool {
            { report in keys.allSatisfy { Self.group(report, $0)["state"] as? String == "connected" } }
        }
        let before = try run.status(until: connected(["sales", "east", "west"]))
        let pid = { (report: [String: Any], key: String) in Self.group(report, key)["pid"] as? Int ?? 0 }

        // west goes, east changes, north comes; sales stays as it is.
        try FileManager.default.removeItem(atPath: conf + "/groups/west.properties")
        try (copy("east") + "pbx.keepalive = 17s\n").write(
            toFile: conf + "/groups/east.properties", atomically: true, encoding: .utf8)
        try copy("north").write(toFile: conf + "/groups/north.properties", atomically: true, encoding: .utf8)
        run.process.signal(SIGHUP)
        let after = try run.status {
            connected(["sales", "east", "north"])($0) && pid($0, "east") != pid(before, "east")
                && Self.group($0, "west").isEmpty
        }
        #expect(pid(after, "sales") == pid(before, "sales"))
        #expect(pid(after, "east") != pid(before, "east"))
        #expect(Self.group(after, "west").isEmpty)
        #expect(!Self.alive(pid(before, "west")))
        #expect(run.wait(for: "reloaded: 1 added (north), 1 removed (west), 1 changed (east), 0 retried"))

        // An invalid configuration is refused with its errors; nothing restarts.
        try (copy("north") + "pbx.port = notaport\n").write(
            toFile: conf + "/groups/north.properties", atomically: true, encoding: .utf8)
        run.process.signal(SIGHUP)
        #expect(run.wait(for: "reload refused, the running configuration stays"))
        #expect(run.log.contains("pbx.port"))
        let unchanged = try run.status { !Self.group($0, "north").isEmpty }
        for key in ["sales", "east", "north"] { #expect(pid(unchanged, key) == pid(after, key)) }

        // systemd heard RELOADING=1 (with the time) and READY=1 around each reload.
        usleep(200_000)
        let messages = listener.messages
        let reloads = messages.enumerated().filter { $0.element.hasPrefix("RELOADING=1\nMONOTONIC_USEC=") }.map(
            \.offset)
        #expect(reloads.count == 2)
        for index in reloads {
            #expect(messages[(index + 1)...].contains { $0.hasPrefix("READY=1\nSTATUS=") })
        }
    }

    @Test func dialFromTheShellGoesThroughTheSupervisorToTheWorker() throws {
        let (simulator, control, group) = try WorkerProcessTests.simulator()
        defer { simulator.kill() }
        let conf = try Self.conf(port: group.pbx.port)
        let run = try Run(conf: conf)
        defer { run.process.kill() }
        _ = try run.status { Self.group($0)["state"] as? String == "connected" }
        let accepted = try ZTISupProcess.run([
            "dial", "--conf", conf, "--user", "4150868000000224005", "--number", "03-1234-5678",
        ])
        #expect(accepted.status == 0, "\(accepted.stderr)")
        #expect(accepted.stdout.contains(": accepted (group sales, extension 101 rings first, then 90312345678)"))
        _ = ZTISupProcess.controlCommand(
            #"{"command":"originate","member":"answer","customer":"busy"}"#, socket: control)
        let busy = try ZTISupProcess.run([
            "dial", "--conf", conf, "--user", "alice", "--number", "0312345678", "--wait",
        ])
        #expect(busy.status == 1)
        #expect(busy.stdout.contains(": busy"))
        let unknown = try ZTISupProcess.run(["dial", "--conf", conf, "--user", "nobody", "--number", "1"])
        #expect(unknown.status == 64)
        #expect(unknown.stderr.contains(#""nobody" is no group member's CRM user"#))
    }

    @Test func threeGroupsOnTheThreeFamiliesReachTheCRMWithTheirFieldsInOrder() throws {
        let crm = try WebhookDeliveryTests.CRM(key: "hook-key-0123")
        var simulators: [ChildProcess] = []
        defer { for simulator in simulators { simulator.kill() } }
        var controls: [String: String] = [:]
        var ports: [String: Int] = [:]
        for family in ["1.4", "11", "12"] {
            let (simulator, control, group) = try WorkerProcessTests.simulator(family: family)
            simulators.append(simulator)
            controls[family] = control
            ports[family] = group.pbx.port
        }
        let conf = try UploaderProcessTests.conf(
            "crm.webhook.url = http://127.0.0.1:\(crm.port)/events\nsecret.crm-webhook-secret.file = hook\n"
                + "crm.retry.min = 20ms\nstartup.timeout = 5s\n")
        try WebhookDeliveryTests.useWebhook(conf: conf, key: "hook-key-0123")
        try FileManager.default.removeItem(atPath: conf + "/groups/sales.properties")
        let sales = try String(contentsOfFile: WorkerProcessTests.transcripts + "/sales.properties", encoding: .utf8)
        let keys = ["1.4": "east", "11": "west", "12": "north"]
        for (family, key) in keys {
            var text = sales.replacingOccurrences(of: "pbx.host = 192.0.2.10", with: "pbx.host = 127.0.0.1")
                .replacingOccurrences(of: "group.name = Sales", with: "group.name = \(key)")
            if key != "north" { text = text.replacingOccurrences(of: "user.alice.default = true\n", with: "") }
            text += "pbx.port = \(ports[family]!)\npbx.username = zti\npbx.password = s3cret\n"
            try text.write(toFile: conf + "/groups/\(key).properties", atomically: true, encoding: .utf8)
        }
        let run = try Run(conf: conf)
        defer { run.process.kill() }
        let up = try run.status { report in
            keys.values.allSatisfy { Self.group(report, $0)["state"] as? String == "connected" }
        }
        for key in keys.values { #expect(Self.group(up, key)["state"] as? String == "connected", "\(key)") }

        var expected: [String: [[String: Any]]] = [:]
        for (family, key) in keys {
            _ = ZTISupProcess.controlCommand(
                #"{"command":"play","file":"\#(WorkerProcessTests.transcripts)/\#(family)/inbound-answered.ami"}"#,
                socket: controls[family]!)
            let golden = try String(
                contentsOfFile: WorkerProcessTests.transcripts + "/\(family)/inbound-answered.jsonl", encoding: .utf8)
            expected[key] = golden.split(separator: "\n").compactMap { line in
                let text = line.replacingOccurrences(of: #""group":"sales""#, with: #""group":"\#(key)""#)
                    .replacingOccurrences(of: #""id":"sales/"#, with: #""id":"\#(key)/"#)
                return try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
            }
        }
        let total = expected.values.map(\.count).reduce(0, +)
        let requests = crm.requests { WebhookDeliveryTests.delivered($0).count >= total }
        #expect(requests.allSatisfy { $0["signatureValid"] as? Bool == true })
        let bodies = requests.filter { $0["status"] as? Int == 200 }.compactMap {
            try? JSONSerialization.jsonObject(with: Data(($0["body"] as? String ?? "").utf8)) as? [String: Any]
        }
        for key in keys.values {
            let arrived = bodies.filter { $0["group"] as? String == key }
            #expect(arrived.count == expected[key]?.count, "\(key)")
            // The simulator plays the capture now, so the times are today's; every other field is the capture's.
            let times: Set<String> = ["at", "startedAt", "answeredAt", "endedAt"]
            for (got, want) in zip(arrived, expected[key] ?? []) {
                let same = NSDictionary(dictionary: got.filter { !times.contains($0.key) })
                    .isEqual(to: want.filter { !times.contains($0.key) })
                #expect(same, "\(key): \(got) != \(want)")
            }
        }
    }

    /// An Avaya group beside an Asterisk group in one `ztisup run`, both delivering to the fake CRM.
    @Test func anAvayaGroupRunsBesideAnAsteriskGroupEndToEnd() throws {
        let crm = try WebhookDeliveryTests.CRM(key: "hook-key-0123")
        let (ami, amiControl, sales) = try WorkerProcessTests.simulator(family: "12")
        defer { ami.kill() }
        let (aes, aesControl, east) = try WorkerProcessTests.aesSimulator()
        defer { aes.kill() }
        let conf = try UploaderProcessTests.conf(
            "crm.webhook.url = http://127.0.0.1:\(crm.port)/events\nsecret.crm-webhook-secret.file = hook\n"
                + "crm.retry.min = 20ms\nstartup.timeout = 5s\n")
        try WebhookDeliveryTests.useWebhook(conf: conf, key: "hook-key-0123")
        try String(contentsOfFile: WorkerProcessTests.transcripts + "/sales.properties", encoding: .utf8)
            .replacingOccurrences(of: "pbx.host = 192.0.2.10", with: "pbx.host = 127.0.0.1")
            .appending("pbx.port = \(sales.pbx.port)\npbx.username = zti\npbx.password = s3cret\n")
            .write(toFile: conf + "/groups/sales.properties", atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(atPath: east.file, toPath: conf + "/groups/east.properties")
        let run = try Run(conf: conf)
        defer { run.process.kill() }
        let up = try run.status { report in
            ["sales", "east"].allSatisfy { Self.group(report, $0)["state"] as? String == "connected" }
                && (Self.group(report, "east")["monitored"] as? [String])?.count == 2
        }
        let avaya = Self.group(up, "east")
        #expect(avaya["state"] as? String == "connected")
        #expect((avaya["pbx"] as? [String: Any])?["type"] as? String == "avaya")
        #expect(avaya["family"] as? String == "aes")
        #expect(avaya["monitored"] as? [String] == ["3201", "3202"])
        #expect((avaya["failedExtensions"] as? [String: String])?["4999"]?.contains("unknown to CM") == true)
        let text = try ZTISupProcess.run(["status", "--conf", conf])
        #expect(text.stdout.contains("not monitored: 4999 unknown to CM"), "\(text.stdout)")

        _ = ZTISupProcess.controlCommand(
            #"{"command":"play","file":"\#(WorkerProcessTests.transcripts)/12/inbound-answered.ami"}"#,
            socket: amiControl)
        let scenario = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("ZTIAvayaTests/Scenarios/inbound-answered.scn").path
        _ = ZTISupProcess.controlCommand(#"{"command":"play","file":"\#(scenario)"}"#, socket: aesControl)
        let golden = try String(
            contentsOfFile: WorkerProcessTests.transcripts + "/12/inbound-answered.jsonl", encoding: .utf8
        ).split(separator: "\n").count
        let requests = crm.requests { WebhookDeliveryTests.delivered($0).count >= golden + 3 }
        let bodies = requests.filter { $0["status"] as? Int == 200 }.compactMap {
            try? JSONSerialization.jsonObject(with: Data(($0["body"] as? String ?? "").utf8)) as? [String: Any]
        }
        let fromAvaya = bodies.filter { $0["group"] as? String == "east" }
        #expect(fromAvaya.map { $0["state"] as? String } == ["ringing", "answered", "ended"])
        #expect(fromAvaya.allSatisfy { $0["pbx"] as? String == "avaya" && $0["extension"] as? String == "3201" })
        #expect(fromAvaya.first?["user"] as? String == "4150868000000224005")
        #expect(fromAvaya.first?["fromE164"] as? String == "+81312345678")
        #expect((fromAvaya.first?["callId"] as? String)?.count == 20)
        #expect(bodies.filter { $0["group"] as? String == "sales" }.count == golden)
        #expect(run.stop() == 0)
    }

    /// A simulator starting ring-group calls (answered after 4 s, hung up at 64 s of scenario time) at 2 per second
    /// for 5 s, ten times faster than real time: a kill 2 s in falls while calls ring and talk.
    static func ringGroupLoad() throws -> (ChildProcess, Int) {
        let scenarios = URL(fileURLWithPath: WorkerProcessTests.transcripts).deletingLastPathComponent()
            .appendingPathComponent("Scenarios").path
        return try SimulatorCommandTests.start([
            "--family", "12", "--secret", "s3cret", "--speed", "10", "--load", "2", "--duration", "5",
            "--scenario", scenarios + "/ring-group.scn",
        ])
    }

    @Test func aWorkerKilledUnderLoadComesBackAndEveryLifecycleGetsItsEnd() throws {
        let (simulator, port) = try Self.ringGroupLoad()
        defer { simulator.kill() }
        let conf = try Self.conf(port: port)
        let run = try Run(conf: conf)
        defer { run.process.kill() }
        let up = try run.status { Self.group($0)["state"] as? String == "connected" }
        usleep(2_000_000)
        let back = try run.killWorker(in: up)
        #expect(Self.group(back)["restarts"] as? Int == 1)
        // Every call has ended by 5 s + 6.4 s; then each member's lifecycle must have its end.
        let deadline = Deadline(seconds: 25)
        var open: [String] = []
        var calls: [[String: Any]] = []
        repeat {
            usleep(500_000)
            let listed = try ZTISupProcess.run(["calls", "--conf", conf, "--json"])
            calls = (try? JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]]) ?? []
            open = calls.flatMap { call -> [String] in
                let events = call["events"] as? [[String: Any]] ?? []
                let lifecycles = Set(
                    events.compactMap { event -> String? in
                        guard let id = event["id"] as? String else { return nil }
                        let parts = id.split(separator: "/")
                        return parts.count == 5 ? "\(parts[1])/\(parts[2])/\(parts[4])" : nil
                    })
                return lifecycles.filter { lifecycle in
                    !events.contains { event in
                        let parts = (event["id"] as? String ?? "").split(separator: "/")
                        return parts.count == 5 && "\(parts[1])/\(parts[2])/\(parts[4])" == lifecycle
                            && ["ended", "missed", "failed", "transferred"].contains(String(parts[3]))
                    }
                }
            }
        } while !open.isEmpty && !deadline.passed
        #expect(calls.count >= 5)
        #expect(open.isEmpty, "lifecycles without an end: \(open)")
    }

    @Test func anUploaderKilledUnderLoadLosesNothing() throws {
        let (simulator, port) = try Self.ringGroupLoad()
        defer { simulator.kill() }
        let conf = try Self.conf(port: port, extra: "ack.timeout = 500ms\n")
        let run = try Run(conf: conf)
        defer { run.process.kill() }
        let up = try run.status {
            Self.group($0)["state"] as? String == "connected"
                && ($0["uploader"] as? [String: Any])?["state"] as? String == "connected"
        }
        usleep(2_000_000)
        let first = (up["uploader"] as? [String: Any])?["pid"] as? Int ?? 0
        kill(pid_t(first), SIGKILL)
        let back = try run.status {
            let uploader = $0["uploader"] as? [String: Any]
            let pid = uploader?["pid"] as? Int ?? 0
            return pid != first && pid != 0 && uploader?["state"] as? String == "connected"
        }
        #expect((back["uploader"] as? [String: Any])?["restarts"] as? Int == 1)
        // Every ring-group call is five events: two ringings, one answer, the other member's end
        // (answeredElsewhere) and the answerer's end. Those acked before the kill are in the spool; the others
        // the worker sent again to the new uploader.
        let deadline = Deadline(seconds: 25)
        var calls: [[String: Any]] = []
        repeat {
            usleep(500_000)
            let listed = try ZTISupProcess.run(["calls", "--conf", conf, "--json"])
            calls = (try? JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]]) ?? []
        } while !(calls.count >= 9 && calls.allSatisfy { ($0["events"] as? [Any])?.count == 5 }) && !deadline.passed
        #expect(calls.count >= 9)
        #expect(
            calls.allSatisfy { ($0["events"] as? [Any])?.count == 5 },
            "\(calls.map { ($0["events"] as? [Any])?.count ?? 0 })")
    }
}

/// A datagram socket at NOTIFY_SOCKET read on a thread of its own, as systemd reads it.
final class NotifyListener: @unchecked Sendable {
    private let lock = NSLock()
    private var received: [String] = []

    init(fd: Int32) {
        Thread.detachNewThread { [self] in
            var buffer = [UInt8](repeating: 0, count: 4096)
            // Ends when the test closes the socket (recv fails) or nothing came for the socket's 5 s timeout.
            while true {
                let count = recv(fd, &buffer, buffer.count, 0)
                guard count > 0 else { break }
                let message = String(decoding: buffer[..<count], as: UTF8.self)
                lock.withLock { received.append(message) }
            }
        }
    }

    var messages: [String] { lock.withLock { received } }
}
