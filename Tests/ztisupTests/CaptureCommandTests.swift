import Foundation
import Glibc
import Testing
import ZTICore
import ZTITestKit

/// `ztisup capture` and `pbx.capture` against the simulators, through a real supervisor, worker and uploader
/// delivering to the fake CRM: what a capture holds replays to the events the CRM received.
@Suite(.serialized) struct CaptureCommandTests {
    /// A running `ztisup run` with an Asterisk group (`sales`, AMI simulator of family 12) and an Avaya group
    /// (`east`, AES simulator), delivering to a webhook.
    struct Setup {
        let crm: WebhookDeliveryTests.CRM
        let conf: String
        let run: SupervisorProcessTests.Run
        let amiControl: String
        let aesControl: String
        let simulators: [ChildProcess]

        init(sales extra: String = "", east eastExtra: String = "", umbrella: String = "") throws {
            crm = try WebhookDeliveryTests.CRM(key: "hook-key-0123")
            let (ami, amiControl, sales) = try WorkerProcessTests.simulator(family: "12")
            let (aes, aesControl, east) = try WorkerProcessTests.aesSimulator()
            simulators = [ami, aes]
            self.amiControl = amiControl
            self.aesControl = aesControl
            conf = try UploaderProcessTests.conf(
                "crm.webhook.url = http://127.0.0.1:\(crm.port)/events\nsecret.crm-webhook-secret.file = hook\n"
                    + "crm.retry.min = 20ms\nstartup.timeout = 5s\n" + umbrella)
            try WebhookDeliveryTests.useWebhook(conf: conf, key: "hook-key-0123")
            try String(contentsOfFile: WorkerProcessTests.transcripts + "/sales.properties", encoding: .utf8)
                .replacingOccurrences(of: "pbx.host = 192.0.2.10", with: "pbx.host = 127.0.0.1")
                .appending("pbx.port = \(sales.pbx.port)\npbx.username = zti\npbx.password = s3cret\n" + extra)
                .write(toFile: conf + "/groups/sales.properties", atomically: true, encoding: .utf8)
            try (String(contentsOfFile: east.file, encoding: .utf8) + "\n" + eastExtra)
                .write(toFile: conf + "/groups/east.properties", atomically: true, encoding: .utf8)
            run = try SupervisorProcessTests.Run(conf: conf)
        }

        func stop() {
            run.process.kill()
            for simulator in simulators { simulator.kill() }
        }

        /// Waits until both groups are connected and the Avaya extensions monitored.
        func waitUntilUp() throws -> Bool {
            let up = try run.status { report in
                ["sales", "east"].allSatisfy {
                    SupervisorProcessTests.group(report, $0)["state"] as? String == "connected"
                }
                    && (SupervisorProcessTests.group(report, "east")["monitored"] as? [String])?.count == 2
            }
            return ["sales", "east"].allSatisfy {
                SupervisorProcessTests.group(up, $0)["state"] as? String == "connected"
            }
        }

        /// The events of the transcript `12/inbound-answered.ami`.
        static func goldenCount() throws -> Int {
            try String(contentsOfFile: WorkerProcessTests.transcripts + "/12/inbound-answered.jsonl", encoding: .utf8)
                .split(separator: "\n").count
        }

        /// Plays that inbound answered call on the AMI simulator.
        func playAMICall() {
            _ = ZTISupProcess.controlCommand(
                #"{"command":"play","file":"\#(WorkerProcessTests.transcripts)/12/inbound-answered.ami"}"#,
                socket: amiControl)
        }

        /// Plays an inbound answered call on each simulator; the events the CRM received for each, once all came.
        func playACallOnEachPBX() throws -> (sales: [[String: Any]], east: [[String: Any]]) {
            playAMICall()
            _ = ZTISupProcess.controlCommand(
                #"{"command":"play","file":"\#(CaptureCommandTests.scenarios)/inbound-answered.scn"}"#,
                socket: aesControl)
            return (delivered("sales", atLeast: try Self.goldenCount()), delivered("east", atLeast: 3))
        }

        /// The events the CRM received for `group`, once it has at least `count` of them.
        func delivered(_ group: String, atLeast count: Int) -> [[String: Any]] {
            func bodies(_ requests: [[String: Any]]) -> [[String: Any]] {
                requests.filter { $0["status"] as? Int == 200 }.compactMap {
                    try? JSONSerialization.jsonObject(with: Data(($0["body"] as? String ?? "").utf8)) as? [String: Any]
                }.filter { $0["group"] as? String == group }
            }
            return bodies(crm.requests { bodies($0).count >= count })
        }
    }

    static let scenarios = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ZTIAvayaTests/Scenarios").path

    /// `ztisup replay` of `file` with the group's file: the events it prints.
    static func replay(_ file: String, groupFile: String, avaya: Bool) throws -> [[String: Any]] {
        let outcome = try ZTISupProcess.run(
            ["replay"] + (avaya ? ["--pbx", "avaya"] : []) + ["--group-file", groupFile, file])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        return outcome.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    /// The events without their times (the replay dates what has no Timestamp header by its own clock), and
    /// without the durations where the protocol carries no times at all (DMCC).
    static func untimed(_ events: [[String: Any]], durations: Bool = true) -> [NSDictionary] {
        var times: Set<String> = ["at", "startedAt", "answeredAt", "endedAt"]
        if !durations { times.formUnion(["ringSeconds", "talkSeconds"]) }
        return events.map { NSDictionary(dictionary: $0.filter { !times.contains($0.key) }) }
    }

    /// Replays both capture files with their group files and expects the events the CRM received (DMCC without
    /// the durations: its events carry no times).
    static func expectReplays(
        ami: String, aes: String, conf: String, sales: [[String: Any]], east: [[String: Any]]
    ) throws {
        let fromAMI = try replay(ami, groupFile: conf + "/groups/sales.properties", avaya: false)
        #expect(untimed(fromAMI) == untimed(sales), "\(fromAMI) != \(sales)")
        let fromAES = try replay(aes, groupFile: conf + "/groups/east.properties", avaya: true)
        #expect(untimed(fromAES, durations: false) == untimed(east, durations: false), "\(fromAES) != \(east)")
    }

    /// Starts `ztisup capture` for `group`: the file it names.
    static func capture(_ group: String, conf: String, _ extra: [String] = []) throws -> String? {
        let outcome = try ZTISupProcess.run(["capture", "--conf", conf, "--group", group] + extra)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let line = outcome.stdout.split(separator: "\n").first { $0.hasPrefix("capturing group \(group) to ") }
        return line.flatMap { $0.dropFirst("capturing group \(group) to ".count).split(separator: " ").first }
            .map(String.init)
    }

    @Test func aCapturedCallOfEachPBXReplaysToTheEventsTheCRMReceived() throws {
        let setup = try Setup()
        defer { setup.stop() }
        #expect(try setup.waitUntilUp())
        let amiFile = try #require(try Self.capture("sales", conf: setup.conf, ["--duration", "2m"]))
        let aesFile = try #require(try Self.capture("east", conf: setup.conf))
        #expect(amiFile.hasPrefix(setup.conf + "/state/captures/sales-") && amiFile.hasSuffix(".ami"))
        #expect(aesFile.hasPrefix(setup.conf + "/state/captures/east-") && aesFile.hasSuffix(".dmcc"))

        let (sales, east) = try setup.playACallOnEachPBX()
        #expect(sales.count == (try Setup.goldenCount()))
        #expect(east.map { $0["state"] as? String } == ["ringing", "answered", "ended"])

        try Self.expectReplays(ami: amiFile, aes: aesFile, conf: setup.conf, sales: sales, east: east)

        for file in [amiFile, aesFile] {
            var info = stat()
            #expect(stat(file, &info) == 0)
            #expect(info.st_mode & 0o777 == 0o600, "\(file)")
        }
        let text = try String(contentsOfFile: amiFile, encoding: .utf8)
        #expect(text.contains("Action: Ping") || text.contains("Event: Newchannel"))
        #expect(!text.contains("s3cret"))
    }

    @Test func aContinuousCaptureRedactsTheLoginAndKeepsItsLastFiles() throws {
        let setup = try Setup(sales: "pbx.capture = on\npbx.capture.max.size = 2K\npbx.capture.max.files = 2\n")
        defer { setup.stop() }
        #expect(try setup.waitUntilUp())
        let captures = setup.conf + "/state/captures"
        func files() -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: captures)) ?? []).filter {
                $0.hasPrefix("sales-") && $0.hasSuffix("-auto.ami")
            }.sorted()
        }
        // The first file starts with the connection: the banner, then the Login, redacted.
        let first = try #require(files().first)
        func inode(_ name: String) -> UInt? {
            var info = stat()
            return stat(captures + "/" + name, &info) == 0 ? UInt(info.st_ino) : nil
        }
        let firstInode = inode(first)
        let head = try String(contentsOfFile: captures + "/" + first, encoding: .utf8)
        #expect(head.hasPrefix("Asterisk Call Manager/"), "\(head.prefix(200))")
        #expect(head.contains("Action: Login"))
        #expect(!head.contains("s3cret") && !head.contains("Username:"), "\(head.prefix(400))")

        setup.playAMICall()
        _ = setup.delivered("sales", atLeast: 3)
        // A call is more than 2 KiB of AMI: the capture rotated, and only the last two files are kept.
        let deadline = Deadline(seconds: 10)
        while inode(first) == firstInode, !deadline.passed { usleep(50_000) }
        #expect(inode(first) != firstInode)
        #expect(files().count == 2, "\(files())")
        // Asked captures are never rotated away.
        let asked = try #require(try Self.capture("sales", conf: setup.conf, ["--duration", "5s"]))
        #expect(FileManager.default.fileExists(atPath: asked))
    }

    @Test func theCommandSaysWhatIsWrong() throws {
        let conf = try UploaderProcessTests.conf()
        let badDuration = try ZTISupProcess.run(["capture", "--conf", conf, "--group", "sales", "--duration", "2d"])
        #expect(badDuration.status == 64)
        #expect(badDuration.stderr.contains("--duration 2d: expected 1s to 24h"))
        let badSize = try ZTISupProcess.run(["capture", "--conf", conf, "--group", "sales", "--max-size", "50X"])
        #expect(badSize.status == 64)
        #expect(badSize.stderr.contains("--max-size 50X"))
        let unknown = try ZTISupProcess.run(["capture", "--conf", conf, "--group", "nosuch"])
        #expect(unknown.status == 78, "\(unknown.stderr)")
        let group = try String(contentsOfFile: conf + "/groups/sales.properties", encoding: .utf8)
        try (group + "pbx.capture = on\npbx.capture.max.size = 1M\npbx.capture.max.files = 3\n").write(
            toFile: conf + "/groups/sales.properties", atomically: true, encoding: .utf8)
        let summary = try ZTISupProcess.run(["check-config", "--conf", conf])
        #expect(
            summary.stdout.contains(
                "capturing to \(conf)/state/captures (pbx.capture: the last 3 files of at most 1048576 bytes)"),
            "\(summary.stdout)")
        try (group + "pbx.capture = on\npbx.capture.max.size = 50X\n").write(
            toFile: conf + "/groups/sales.properties", atomically: true, encoding: .utf8)
        let badKey = try ZTISupProcess.run(["check-config", "--conf", conf])
        #expect(badKey.status == 78)
        #expect(badKey.stderr.contains("pbx.capture.max.size = \"50X\": expected a size such as 500K, 50M or 1G"))
        try group.write(toFile: conf + "/groups/sales.properties", atomically: true, encoding: .utf8)
        let notRunning = try ZTISupProcess.run(["capture", "--conf", conf, "--group", "sales"])
        #expect(notRunning.status == 3)
        #expect(notRunning.stderr.contains("ztisup is not running"))
    }

    @Test func aContinuousCaptureFromTheConnectionReplaysToTheSameEventsWithThePasswordsRedacted() throws {
        let setup = try Setup(sales: "pbx.capture = on\n", east: "pbx.capture = on\n")
        defer { setup.stop() }
        #expect(try setup.waitUntilUp())
        let (sales, east) = try setup.playACallOnEachPBX()
        let captures = setup.conf + "/state/captures/"
        let names = try FileManager.default.contentsOfDirectory(atPath: captures).sorted()
        let amiFile = try #require(names.first { $0.hasPrefix("sales-") && $0.hasSuffix("-auto.ami") })
        let aesFile = try #require(names.first { $0.hasPrefix("east-") && $0.hasSuffix("-auto.dmcc") })

        // From the connection: the banner, the login and the re-sync, which the replay reads as the worker did.
        try Self.expectReplays(
            ami: captures + amiFile, aes: captures + aesFile, conf: setup.conf, sales: sales, east: east)

        let dmcc = String(decoding: try Data(contentsOf: URL(fileURLWithPath: captures + aesFile)), as: UTF8.self)
        #expect(dmcc.contains("StartApplicationSession"))
        #expect(dmcc.contains("password>[redacted]</"), "\(dmcc.prefix(600))")
        #expect(!dmcc.contains(">secret<"))
        let ami = try String(contentsOfFile: captures + amiFile, encoding: .utf8)
        #expect(ami.contains("Action: Login") && !ami.contains("s3cret"))
    }
}
