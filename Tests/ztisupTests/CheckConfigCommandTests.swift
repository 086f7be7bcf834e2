import Foundation
import Testing

/// `ztisup check-config`, `--version` and `--help`, run as the real binary.
@Suite struct CheckConfigCommandTests {
    private func temporaryConf(group: String) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("zti-cli-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: directory + "/groups", withIntermediateDirectories: true)
        try "crm.sink = none\nruntime.dir = run\nstate.dir = state\n".write(
            toFile: directory + "/zti.properties", atomically: true, encoding: .utf8)
        try "secret\n".write(toFile: directory + "/pbx.secret", atomically: true, encoding: .utf8)
        chmod(directory + "/pbx.secret", 0o600)
        try group.write(toFile: directory + "/groups/bad.properties", atomically: true, encoding: .utf8)
        return directory
    }

    @Test func theShippedConfigurationIsValid() throws {
        let conf = ZTISupProcess.repositoryRoot + "/conf"
        let outcome = try ZTISupProcess.run(["check-config", "--conf", conf])
        #expect(outcome.status == 0)
        // Valid on a fresh clone (git keeps no file modes): the demo's password is inline, with its warning.
        #expect(
            outcome.stderr
                == "\(conf)/groups/demo.properties:24: warning: pbx.password: the password is written in the group "
                + "file; put it in a file of mode 0600 and name it with pbx.password.file\n")
        let lines = outcome.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "configuration \(conf): valid, 1 group")
        #expect(lines.contains("crm sink: none"))
        #expect(lines.contains("token source: none (crm.sink = none: calls stay in the local spool)"))
        #expect(lines.contains("runtime dir: \(conf)/run"))
        #expect(lines.contains("click-to-dial listener: 127.0.0.1:0"))
        #expect(
            lines.contains(
                "group demo \"Demo PBX\": asterisk 127.0.0.1:15038, 3 users, dial codes LONGDIS:1000;LOCAL:9"))
    }

    @Test func aBrokenGroupExits78AndNamesEveryErrorWithFileAndLine() throws {
        let conf = try temporaryConf(
            group: """
                pbx.type = panasonic
                pbx.host = 192.0.2.10
                pbx.port = 99999
                pbx.username = zti
                pbx.password.file = pbx.secret
                pbx.dialcodes = LOCAL:9x
                user.alice.crmuser = 100
                user.alice.extension = 101
                user.alice.default = true
                user.bob.crmuser = 100
                user.bob.extension = 102
                user.bob.default = true
                user.carol.crmuser = 300
                user.carol.extension = 10\\u00073

                """)
        defer { try? FileManager.default.removeItem(atPath: conf) }
        let outcome = try ZTISupProcess.run(["check-config", "--conf", conf])
        #expect(outcome.status == 78)
        let file = "\(conf)/groups/bad.properties"
        let expected = [
            "error: \(file):3: pbx.port = \"99999\": expected a TCP port number from 1 to 65535",
            "error: \(file):1: pbx.type = \"panasonic\": expected asterisk, elastix or avaya",
            "error: \(file):6: pbx.dialcodes = \"LOCAL:9x\": dial code LOCAL has \"9x\"; expected DESTINATION:CODE "
                + "pairs separated by ; with codes of digits, * and # only",
            "error: \(file):12: user.bob.default = \"true\": CRM user 100 is already the default at \(file):9 "
                + "(user.alice); a CRM user is the default in one place only",
            "error: \(file):14: user.carol.extension = \"10\\u00073\": the extension contains a control character; "
                + "expected digits, * and # only",
        ]
        let lines = outcome.stderr.split(separator: "\n").map(String.init)
        for line in expected { #expect(lines.contains(line), "\(line)") }
        #expect(lines.last == "configuration in \(conf) is invalid: 5 errors")
        #expect(outcome.stdout == "")
    }

    @Test func aBinaryFileIsAnErrorAndNoneOfItsBytesReachTheTerminal() throws {
        let conf = try temporaryConf(
            group: "pbx.type = asterisk\npbx.host = h\npbx.username = u\npbx.password.file = pbx.secret\n"
                + "user.a.crmuser = 1\nuser.a.extension = 101\n")
        defer { try? FileManager.default.removeItem(atPath: conf) }
        // What `head -c 65536 /dev/urandom` gives, repeatably: every byte value, ESC and NUL included.
        var generator = UInt64(0x5EED)
        var garbage: [UInt8] = []
        for _ in 0..<65_536 {
            generator = generator &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            garbage.append(UInt8(truncatingIfNeeded: generator >> 56))
        }
        #expect(FileManager.default.createFile(atPath: conf + "/zti.properties", contents: Data(garbage)))
        let outcome = try ZTISupProcess.run(["check-config", "--conf", conf])
        #expect(outcome.status == 78)
        #expect(outcome.stderr.contains("\(conf)/zti.properties: this is not a text file (it contains NUL bytes)"))
        let printed = outcome.stdout + outcome.stderr
        #expect(!printed.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
        #expect(!printed.contains("warning"))

        // A group file of binary garbage: the same, and a pbx.password.file open to others is refused too.
        #expect(
            FileManager.default.createFile(
                atPath: conf + "/zti.properties", contents: Data("crm.sink = none\nruntime.dir = run\n".utf8)))
        #expect(FileManager.default.createFile(atPath: conf + "/groups/junk.properties", contents: Data(garbage)))
        chmod(conf + "/pbx.secret", 0o644)
        let both = try ZTISupProcess.run(["check-config", "--conf", conf])
        #expect(both.status == 78)
        #expect(both.stderr.contains("\(conf)/groups/junk.properties: this is not a text file"))
        #expect(both.stderr.contains("is open to its group or others (mode 644)"))
        #expect(!(both.stdout + both.stderr).unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
    }

    @Test func oneGroupIsCheckedWithGroup() throws {
        let conf = try temporaryConf(group: "pbx.type = nope\n")
        defer { try? FileManager.default.removeItem(atPath: conf) }
        try "pbx.type = asterisk\npbx.host = pbx.example.com\npbx.username = u\npbx.password.file = pbx.secret\n"
            .appending("user.a.crmuser = 1\nuser.a.extension = 101\n")
            .write(toFile: conf + "/groups/good.properties", atomically: true, encoding: .utf8)
        #expect(try ZTISupProcess.run(["check-config", "--conf", conf]).status == 78)
        let good = try ZTISupProcess.run(["check-config", "--conf", conf, "--group", "good"])
        #expect(good.status == 0)
        #expect(good.stdout.contains("group good \"good\": asterisk pbx.example.com:5038, 1 user, no dial codes"))
    }

    /// `--connect` against a `zti-pbxsim ami` process whose user lacks `originate` and knows no device for 102.
    @Test func connectChecksTheAMIUserAndExits1WhenACheckFails() throws {
        let (simulator, port) = try SimulatorCommandTests.start([
            "--family", "12", "--secret", "secret", "--write", "reporting", "--hints", "101",
        ])
        defer { simulator.kill() }
        let conf = try temporaryConf(group: "pbx.type = nope\n")
        defer { try? FileManager.default.removeItem(atPath: conf) }
        try "pbx.type = asterisk\npbx.host = 127.0.0.1\npbx.port = \(port)\npbx.username = zti\n"
            .appending("pbx.password.file = pbx.secret\nuser.a.crmuser = 1\nuser.a.extension = 101\n")
            .appending("user.b.crmuser = 2\nuser.b.extension = 102\n")
            .write(toFile: conf + "/groups/sales.properties", atomically: true, encoding: .utf8)
        let outcome = try ZTISupProcess.run(["check-config", "--conf", conf, "--group", "sales", "--connect"])
        #expect(outcome.status == 1)
        let lines = outcome.stdout.split(separator: "\n").map(String.init).filter { $0.hasPrefix("sales: ") }
        #expect(lines.first == "sales: ok: AMI login as zti on 127.0.0.1:\(port) (MD5 challenge)")
        #expect(lines.contains("sales: ok: Asterisk 18.20.0, AMI 7.0.3: family 12+"))
        #expect(lines.contains { $0.hasPrefix("sales: FAIL: write class 'originate' missing") })
        #expect(
            lines.contains { $0.hasPrefix("sales: FAIL: extensions without a device hint") && $0.contains(": 102;") })
        #expect(lines.contains("sales: ok: write class 'reporting': CoreShowChannels lists the 0 channels up"))

        // The same user with every class it needs, and both devices known: exit 0.
        let (good, goodPort) = try SimulatorCommandTests.start(["--family", "12", "--secret", "secret"])
        defer { good.kill() }
        try String(contentsOfFile: conf + "/groups/sales.properties", encoding: .utf8)
            .replacing("pbx.port = \(port)", with: "pbx.port = \(goodPort)")
            .write(toFile: conf + "/groups/sales.properties", atomically: true, encoding: .utf8)
        let passing = try ZTISupProcess.run(["check-config", "--conf", conf, "--group", "sales", "--connect"])
        #expect(passing.status == 0)
        #expect(!passing.stdout.contains(": FAIL: "))
    }

    @Test func connectNamesAPBXThatDoesNotAnswer() throws {
        let conf = try temporaryConf(group: "pbx.type = nope\n")
        defer { try? FileManager.default.removeItem(atPath: conf) }
        // Port 9 (discard) on loopback: nothing listens there on a test machine.
        try "pbx.type = asterisk\npbx.host = 127.0.0.1\npbx.port = 9\npbx.username = zti\n"
            .appending("pbx.password.file = pbx.secret\nuser.a.crmuser = 1\nuser.a.extension = 101\n")
            .write(toFile: conf + "/groups/sales.properties", atomically: true, encoding: .utf8)
        let outcome = try ZTISupProcess.run(["check-config", "--conf", conf, "--group", "sales", "--connect"])
        #expect(outcome.status == 1)
        let lines = outcome.stdout.split(separator: "\n").filter { $0.hasPrefix("sales: ") }
        #expect(lines.count == 1)
        #expect(lines.first?.hasPrefix("sales: FAIL: AMI login as zti on 127.0.0.1:9") == true)
        #expect(lines.first?.contains("check pbx.host and pbx.port") == true)
    }

    /// `--connect` for an Avaya group against a `zti-pbxsim aes` process: 4999 is unknown to CM and is named.
    @Test func connectMonitorsEachAvayaExtensionOnceAndNamesTheRefused() throws {
        let (simulator, _, group) = try WorkerProcessTests.aesSimulator()
        defer { simulator.kill() }
        let conf = try temporaryConf(group: "pbx.type = nope\n")
        defer { try? FileManager.default.removeItem(atPath: conf) }
        try FileManager.default.removeItem(atPath: conf + "/groups/bad.properties")
        try FileManager.default.copyItem(atPath: group.file, toPath: conf + "/groups/east.properties")
        let outcome = try ZTISupProcess.run(["check-config", "--conf", conf, "--connect", "--timeout", "3"])
        #expect(outcome.status == 1)
        let lines = outcome.stdout.split(separator: "\n").map(String.init).filter { $0.hasPrefix("east: ") }
        #expect(lines.count == 3)
        #expect(lines.first?.hasPrefix("east: ok: plain TCP to AES 127.0.0.1:") == true)
        #expect(lines.dropFirst().first?.hasPrefix("east: ok: DMCC session as CTI user ctiuser: protocol ") == true)
        #expect(
            lines.last?.hasPrefix("east: FAIL: extensions refused (1 of 3): 4999: unknown to CM (check the extension)")
                == true)
    }

    /// `--connect` asks the webhook's URL with a HEAD: nothing is delivered, and a failing receiver fails the check.
    @Test func connectAsksTheWebhookWithoutDeliveringAnything() throws {
        let key = "hook-key-0123"
        let crm = try WebhookDeliveryTests.CRM(key: key)
        let conf = try temporaryConf(group: "pbx.type = nope\n")
        defer { try? FileManager.default.removeItem(atPath: conf) }
        try FileManager.default.removeItem(atPath: conf + "/groups/bad.properties")
        let url = "http://127.0.0.1:\(crm.port)/events"
        try "crm.sink = webhook\ncrm.webhook.url = \(url)\nsecret.crm-webhook-secret.file = hook\n"
            .appending("runtime.dir = run\nstate.dir = state\n")
            .write(toFile: conf + "/zti.properties", atomically: true, encoding: .utf8)
        try (key + "\n").write(toFile: conf + "/hook", atomically: true, encoding: .utf8)
        chmod(conf + "/hook", 0o600)
        // A group whose AMI user passes every check, so that only the CRM decides the exit status.
        let (simulator, port) = try SimulatorCommandTests.start(["--family", "12", "--secret", "secret"])
        defer { simulator.kill() }
        try "pbx.type = asterisk\npbx.host = 127.0.0.1\npbx.port = \(port)\npbx.username = zti\n"
            .appending("pbx.password.file = pbx.secret\nuser.a.crmuser = 1\nuser.a.extension = 101\n")
            .write(toFile: conf + "/groups/sales.properties", atomically: true, encoding: .utf8)

        let outcome = try ZTISupProcess.run(["check-config", "--conf", conf, "--connect", "--timeout", "3"])
        #expect(outcome.status == 0)
        let lines = outcome.stdout.split(separator: "\n").map(String.init)
        #expect(!lines.contains { $0.hasPrefix("sales: FAIL") })
        #expect(lines.contains("crm: ok: the webhook \(url) answers (HTTP 200 to a HEAD, which delivers nothing)"))
        let requests = crm.requests { !$0.isEmpty }
        #expect(requests.count == 1)
        #expect(requests.allSatisfy { $0["method"] as? String == "HEAD" && $0["body"] as? String == "" })

        crm.command(#"{"command":"outage","seconds":600}"#)
        let down = try ZTISupProcess.run(["check-config", "--conf", conf, "--connect", "--timeout", "3"])
        #expect(down.status == 1)
        #expect(
            down.stdout.contains(
                "crm: FAIL: the webhook \(url) answers 503 (Service Unavailable): the receiver is failing"))
    }

    @Test func warningsGoToStderrAndDoNotFail() throws {
        let conf = try temporaryConf(
            group: "pbx.type = elastix\npbx.host = ::1\npbx.username = u\npbx.password = pw\nuser.a.crmuser = 1\n"
                + "user.a.extension = 101\npbx.hots = x\n")
        defer { try? FileManager.default.removeItem(atPath: conf) }
        let outcome = try ZTISupProcess.run(["check-config", "--conf", conf])
        #expect(outcome.status == 0)
        #expect(
            outcome.stderr.contains("bad.properties:7: warning: pbx.hots: unknown key, ignored; did you mean pbx.host?")
        )
        #expect(outcome.stderr.contains("bad.properties:4: warning: pbx.password: the password is written"))
        #expect(!outcome.stderr.contains("pw\""))
        #expect(outcome.stdout.contains("elastix [::1]:5038"))
        #expect(outcome.stdout.contains("2 warnings"))
    }

    @Test func theTokenSourceIsNamedButNeverRead() throws {
        let conf = try temporaryConf(
            group: "pbx.type = asterisk\npbx.host = h\npbx.username = u\npbx.password.file = pbx.secret\n")
        defer { try? FileManager.default.removeItem(atPath: conf) }
        try "secret-token-value\n".write(toFile: conf + "/token", atomically: true, encoding: .utf8)
        try """
        crm.sink = zoho
        crm.zoho.client.id = 1000.ABC
        clicktodial.public.url = https://bridge.example.com/c2d
        secret.crm-refresh-token.file = token

        """.write(toFile: conf + "/zti.properties", atomically: true, encoding: .utf8)
        let outcome = try ZTISupProcess.run(["check-config", "--conf", conf])
        #expect(outcome.status == 0)
        #expect(outcome.stdout.contains("token source: file \(conf)/token (secret.crm-refresh-token.file)"))
        #expect(!outcome.stdout.contains("secret-token-value"))
        var environment = ProcessInfo.processInfo.environment
        environment["CREDENTIALS_DIRECTORY"] = "/run/credentials/ztisup-uploader.service"
        let underSystemd = try ZTISupProcess.run(["check-config", "--conf", conf], environment: environment)
        #expect(
            underSystemd.stdout.contains(
                "token source: /run/credentials/ztisup-uploader.service/crm-refresh-token (systemd credential)"))
    }

    @Test func aMissingConfDirectoryExits78() throws {
        let outcome = try ZTISupProcess.run(["check-config", "--conf", "/nonexistent/ztisup"])
        #expect(outcome.status == 78)
        #expect(outcome.stderr.contains("error: /nonexistent/ztisup/zti.properties: cannot read the file"))
    }

    @Test func version() throws {
        let outcome = try ZTISupProcess.run(["--version"])
        #expect(outcome.status == 0)
        #expect(outcome.stdout == "0.1.0\n")
    }

    @Test(arguments: [
        [], ["check-config"], ["log-probe"], ["uploader"], ["calls"], ["redeliver"], ["crm"], ["crm", "authorize"],
        ["crm", "users"], ["replay"],
    ])
    func everyCommandHasHelp(_ command: [String]) throws {
        let outcome = try ZTISupProcess.run(command + ["--help"])
        #expect(outcome.status == 0)
        #expect(outcome.stdout.contains("USAGE: ztisup"))
        #expect(outcome.stdout.contains("OPTIONS:"))
    }

    @Test func anUnknownOptionIsAUsageError() throws {
        let outcome = try ZTISupProcess.run(["check-config", "--confdir", "x"])
        #expect(outcome.status == 64)
        #expect(outcome.stderr.contains("Unknown option '--confdir'"))
    }
}
