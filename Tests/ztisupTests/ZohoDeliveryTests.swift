import Foundation
import Glibc
import Testing
import ZTICore
import ZTITestKit

/// The uploader delivering to the fake CRM playing a Zoho org: real processes, real HTTP (OAuth and PhoneBridge
/// v3), a real SQLite spool.
@Suite(.serialized) struct ZohoDeliveryTests {
    static let refreshToken = "1000.refresh-token-value-7f3a"
    static let clientSecret = "client-secret-value-91c2"
    static let clickToDialSecret = "c2d-secret-value-5d10"

    static func setUp(conf extra: String = "", crm arguments: [String] = [], group: String? = nil) throws -> (
        WebhookDeliveryTests.CRM, String, UploaderProcessTests.Uploader
    ) {
        let crm = try WebhookDeliveryTests.CRM(
            key: "unused",
            arguments: [
                "--zoho-client-id", "1000.CLIENT", "--zoho-client-secret", clientSecret, "--zoho-refresh-token",
                refreshToken,
            ] + arguments)
        let conf = try UploaderProcessTests.conf(
            """
            crm.zoho.client.id = 1000.CLIENT
            crm.zoho.accounts.url = http://127.0.0.1:\(crm.port)
            clicktodial.public.url = https://pbx.example.com/ztisup/dial
            secret.crm-refresh-token.file = refresh
            secret.crm-client-secret.file = client
            secret.clicktodial-secret.file = c2d
            clicktodial.listen = 127.0.0.1:0
            crm.retry.min = 20ms
            crm.probe.max = 200ms
            log.level = debug

            """ + extra)
        if let group { try group.write(toFile: conf + "/groups/sales.properties", atomically: true, encoding: .utf8) }
        for (file, value) in [("refresh", refreshToken), ("client", clientSecret), ("c2d", clickToDialSecret)] {
            try (value + "\n").write(toFile: conf + "/" + file, atomically: true, encoding: .utf8)
            chmod(conf + "/" + file, 0o600)
        }
        try String(contentsOfFile: conf + "/zti.properties", encoding: .utf8)
            .replacingOccurrences(of: "crm.sink = none", with: "crm.sink = zoho")
            .write(toFile: conf + "/zti.properties", atomically: true, encoding: .utf8)
        let uploader = try UploaderProcessTests.Uploader(conf: conf)
        #expect(uploader.wait(for: "listening unix"))
        return (crm, conf, uploader)
    }

    /// An event of group `sales` at a fixed time, with the member's CRM user `u<extension>`.
    static func event(
        _ call: String, _ direction: CallDirection, _ state: CallState, _ member: String, cause: CallCause? = nil,
        talk: Int? = nil
    ) -> CallEvent {
        var event = CallEvent(
            group: "sales", pbx: .asterisk, callId: call, direction: direction, state: state, extension: member,
            attempt: 1, at: EventTime(millisecondsSinceEpoch: 1_764_079_400_000),
            from: direction == .inbound ? "0312345678" : member, to: direction == .inbound ? member : "0398765432",
            numbers: try? NumberPlan(countryCode: "81"), user: "u" + member)
        event.startedAt = EventTime(millisecondsSinceEpoch: 1_764_079_391_250)
        event.cause = cause
        event.talkSeconds = talk
        return event
    }

    /// The decoded form of a recorded request.
    static func form(_ request: [String: Any]) -> [String: String] {
        var fields: [String: String] = [:]
        for (name, value) in FormEncoding.decode(request["body"] as? String ?? "") { fields[name] = value }
        return fields
    }

    static func callnotify(_ requests: [[String: Any]], status: Int = 200) -> [[String: String]] {
        requests.filter { $0["path"] as? String == "/phonebridge/v3/callnotify" && $0["status"] as? Int == status }
            .map(form)
    }

    static func tokenRequests(_ requests: [[String: Any]]) -> Int {
        requests.filter { $0["path"] as? String == "/oauth/v2/token" }.count
    }

    @Test func callnotifySequencesAreSentFieldByField() throws {
        let (crm, conf, uploader) = try Self.setUp()
        defer { uploader.kill() }
        let answered = [
            Self.event("c1", .inbound, .ringing, "101"), Self.event("c1", .inbound, .answered, "101"),
            Self.event("c1", .inbound, .ended, "101", cause: .normal, talk: 87),
        ]
        let missed = [
            Self.event("c2", .inbound, .ringing, "101"), Self.event("c2", .inbound, .ringing, "102"),
            Self.event("c2", .inbound, .missed, "101", cause: .cancelled),
            Self.event("c2", .inbound, .missed, "102", cause: .cancelled),
        ]
        let ringGroup = [
            Self.event("c3", .inbound, .ringing, "101"), Self.event("c3", .inbound, .ringing, "102"),
            Self.event("c3", .inbound, .answered, "102"),
            Self.event("c3", .inbound, .ended, "101", cause: .answeredElsewhere),
            Self.event("c3", .inbound, .ended, "102", cause: .normal, talk: 30),
        ]
        let busy = [
            Self.event("c4", .outbound, .ringing, "101"), Self.event("c4", .outbound, .failed, "101", cause: .busy),
        ]
        try WebhookDeliveryTests.send(answered + missed + ringGroup + busy, conf: conf)
        let requests = crm.requests { Self.callnotify($0).count >= 12 }
        let sent = Self.callnotify(requests)
        func call(_ id: String) -> [[String: String]] { sent.filter { $0["id"] == "sales-" + id } }

        let customer = ["from": "+81312345678", "type": "received"]
        #expect(
            call("c1") == [
                customer.merging(["state": "ringing", "id": "sales-c1", "to": "101", "zohouser": "u101"]) { $1 },
                customer.merging(["state": "answered", "id": "sales-c1", "to": "101", "zohouser": "u101"]) { $1 },
                customer.merging([
                    "state": "ended", "id": "sales-c1", "to": "101", "zohouser": "u101",
                    "start_time": "2025-11-25 14:03:11", "duration": "87",
                ]) { $1 },
            ])
        // Nobody answered: one missed for the call; the org refuses `missed` (as the live API was reported to),
        // so it goes as ended with duration 0.
        #expect(
            call("c2").map { [$0["state"], $0["to"], $0["duration"], $0["start_time"]] } == [
                ["ringing", "101", nil, nil], ["ringing", "102", nil, nil],
                ["ended", "101", "0", "2025-11-25 14:03:11"],
            ])
        #expect(Self.callnotify(requests, status: 400).contains { $0["state"] == "missed" && $0["id"] == "sales-c2" })
        // A ring group: both ring, only the member who answered gets answered and ended.
        #expect(
            call("c3").map { [$0["state"], $0["to"], $0["zohouser"]] } == [
                ["ringing", "101", "u101"], ["ringing", "102", "u102"], ["answered", "102", "u102"],
                ["ended", "102", "u102"],
            ])
        #expect(
            call("c4") == [
                [
                    "type": "dialed", "state": "ringing", "id": "sales-c4", "from": "101", "to": "+81398765432",
                    "zohouser": "u101",
                ],
                [
                    "type": "dialed", "state": "ended", "id": "sales-c4", "from": "101", "to": "+81398765432",
                    "zohouser": "u101", "start_time": "2025-11-25 14:03:11", "duration": "0",
                ],
            ])
        #expect(Self.callnotify(requests, status: 400).contains { $0["state"] == "busy" && $0["id"] == "sales-c4" })
        // Every PhoneBridge request carries the access token the way Zoho's samples do.
        let bridge = requests.filter { ($0["path"] as? String)?.hasPrefix("/phonebridge/v3/") == true }
        #expect(
            bridge.allSatisfy {
                ($0["headers"] as? [String: String])?["authorization"]?.hasPrefix("Zoho-oauthtoken 1000.fake") == true
            })
        #expect(
            requests.contains { $0["path"] as? String == "/phonebridge/v3/integrate" && $0["status"] as? Int == 200 })
        // The spool keeps the real outcome.
        let calls = try ZTISupProcess.run(["calls", "--conf", conf, "--json"])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(calls.stdout.utf8)) as? [[String: Any]])
        let events = rows.flatMap { $0["events"] as? [[String: Any]] ?? [] }
        let missedRow = events.first { $0["id"] as? String == "sales/c2/101/missed/1" }
        #expect(missedRow?["lastError"] as? String == "sent as ended: Zoho refused received/missed")
        let secondMissed = events.first { $0["id"] as? String == "sales/c2/102/missed/1" }
        #expect(secondMissed?["spoolState"] as? String == "skipped")
        #expect((secondMissed?["lastError"] as? String)?.hasPrefix("the call's missed notification") == true)
        // Status counts what reached the CRM as delivered, and the skipped apart.
        let skippedRows = events.filter { $0["spoolState"] as? String == "skipped" }.count
        let doneRows = events.filter { $0["spoolState"] as? String == "delivered" }.count
        #expect(skippedRows >= 1)
        let supervisor = try #require(UploaderProcessTests.Supervisor(path: conf + "/run/events.sock"))
        #expect(
            supervisor.send([
                .hello(Hello(role: .supervisor, pid: getpid(), groups: ["sales"])), .statusRequest(StatusRequest()),
            ]))
        var spool: UploaderStatus.SpoolCounts?
        for _ in 0..<3 {
            if case .uploaderStatus(let status)? = supervisor.nextFrame(), let counts = status.spool {
                spool = counts
                break
            }
        }
        #expect(spool?.skipped == skippedRows)
        #expect(spool?.delivered == doneRows)
        let log = uploader.stopAndReadLog()
        // A stop is not a failure of the supervisor's connection.
        #expect(!log.contains("CancellationError"))
        #expect(!log.contains(Self.refreshToken))
        #expect(!log.contains(Self.clientSecret))
        #expect(!log.contains("1000.fake"))
    }

    @Test func anOrgThatAcceptsTheDocumentedStatesGetsThem() throws {
        let (crm, conf, uploader) = try Self.setUp(crm: ["--zoho-accept-documented"])
        defer { uploader.kill() }
        try WebhookDeliveryTests.send(
            [
                Self.event("m1", .inbound, .ringing, "101"),
                Self.event("m1", .inbound, .missed, "101", cause: .cancelled),
                Self.event("b1", .outbound, .ringing, "101"),
                Self.event("b1", .outbound, .failed, "101", cause: .noAnswer),
            ], conf: conf)
        let sent = Self.callnotify(crm.requests { Self.callnotify($0).count >= 4 })
        #expect(
            sent.first { $0["state"] == "missed" } == [
                "type": "received", "state": "missed", "id": "sales-m1", "from": "+81312345678", "to": "101",
                "zohouser": "u101", "start_time": "2025-11-25 14:03:11",
            ])
        #expect(sent.first { $0["id"] == "sales-b1" && $0["state"] != "ringing" }?["state"] == "noanswer")
    }

    @Test func anExpiredTokenIsRefreshedAndRefreshesStayWithinTheLimit() throws {
        let (crm, conf, uploader) = try Self.setUp(
            conf: "crm.zoho.refresh.limit = 2\ncrm.zoho.refresh.window = 6s\n")
        defer { uploader.kill() }
        try WebhookDeliveryTests.send([Self.event("r1", .inbound, .ringing, "101")], conf: conf)
        _ = crm.requests { Self.callnotify($0).count >= 1 }
        // The token expires: eight calls in flight at once get 401s, and they share one refresh.
        crm.command(#"{"command":"expire"}"#)
        try WebhookDeliveryTests.send((0..<8).map { Self.event("r2-\($0)", .inbound, .ringing, "101") }, conf: conf)
        var requests = crm.requests { Self.callnotify($0).count >= 9 }
        #expect(Self.callnotify(requests).count == 9)
        #expect(Self.tokenRequests(requests) == 2)
        #expect(requests.filter { $0["status"] as? Int == 401 }.count >= 2)
        // Expired again: a third refresh within the window would exceed the limit of 2, so the event waits.
        crm.command(#"{"command":"expire"}"#)
        try WebhookDeliveryTests.send([Self.event("r3", .inbound, .ringing, "101")], conf: conf)
        #expect(uploader.wait(for: "2 refreshes in 6.0 seconds is the limit (crm.zoho.refresh.limit)"))
        #expect(Self.tokenRequests(crm.requests { _ in true }) == 2)
        // Once the window allows it, the token is refreshed and the event goes out.
        requests = crm.requests { Self.callnotify($0).contains { $0["id"] == "sales-r3" } }
        #expect(Self.callnotify(requests).contains { $0["id"] == "sales-r3" })
        #expect(Self.tokenRequests(requests) == 3)
        let log = uploader.stopAndReadLog()
        #expect(!log.contains(Self.refreshToken))
        #expect(!log.contains(Self.clientSecret))
        #expect(!log.contains("1000.fake"))
    }

    @Test func pbxNotIntegratedCallsIntegrateAndTriesOnceMore() throws {
        let (crm, conf, uploader) = try Self.setUp()
        defer { uploader.kill() }
        #expect(uploader.wait(for: "Zoho PhoneBridge integration active"))
        // The start-up is over once click-to-dial is registered.
        #expect(uploader.wait(for: "click-to-dial at https://pbx.example.com/ztisup/dial: 1 users registered"))
        crm.command(#"{"command":"zoho","integrated":false}"#)
        try WebhookDeliveryTests.send([Self.event("n1", .inbound, .ringing, "101")], conf: conf)
        let requests = crm.requests { Self.callnotify($0).count >= 1 }
        let paths = requests.compactMap { request -> String? in
            guard let path = request["path"] as? String, path.hasPrefix("/phonebridge/v3/"),
                !path.hasPrefix("/phonebridge/v3/clicktodial")
            else { return nil }
            return "\(path.dropFirst("/phonebridge/v3/".count)) \(request["status"] as? Int ?? 0)"
        }
        #expect(paths == ["integrate 200", "callnotify 400", "integrate 200", "callnotify 200"])
        #expect(uploader.wait(for: "Zoho says PBX_NOT_INTEGRATED on callnotify"))
    }

    @Test func aRefusedRefreshTokenKeepsTheEventsAndSaysHowToFixIt() throws {
        let (crm, conf, uploader) = try Self.setUp(crm: ["--zoho-refresh-token", "1000.another-token"])
        defer { uploader.kill() }
        try WebhookDeliveryTests.send([Self.event("x1", .inbound, .ringing, "101")], conf: conf)
        #expect(uploader.wait(for: "Zoho refused the refresh token (invalid_code)"))
        #expect(uploader.log.contains("run `ztisup crm authorize` again"))
        #expect(Self.callnotify(crm.requests { _ in true }).isEmpty)
        let calls = try ZTISupProcess.run(["calls", "--conf", conf])
        #expect(calls.stdout.contains("[1 pending, 0 dead]"))
        let log = uploader.stopAndReadLog()
        #expect(!log.contains(Self.refreshToken))
        #expect(!log.contains("1000.another-token"))
        #expect(!log.contains(Self.clientSecret))
    }

    @Test func aTokenIsReplacedBeforeItExpires() throws {
        // Tokens that live 302 s are replaced 300 s before they expire, so after 2 s without a 401.
        let (crm, conf, uploader) = try Self.setUp(crm: ["--zoho-token-lifetime", "302"])
        defer { uploader.kill() }
        try WebhookDeliveryTests.send([Self.event("p1", .inbound, .ringing, "101")], conf: conf)
        _ = crm.requests { Self.callnotify($0).count >= 1 }
        usleep(2_500_000)
        try WebhookDeliveryTests.send([Self.event("p2", .inbound, .ringing, "101")], conf: conf)
        let requests = crm.requests { Self.callnotify($0).count >= 2 }
        #expect(Self.callnotify(requests).map { $0["id"] } == ["sales-p1", "sales-p2"])
        #expect(Self.tokenRequests(requests) == 2)
        #expect(!requests.contains { $0["status"] as? Int == 401 })
    }

    @Test func theBearerSchemeThatZohoRefusesKeepsTheEventsWaiting() throws {
        let (crm, conf, uploader) = try Self.setUp(conf: "crm.zoho.auth.scheme = bearer\n")
        defer { uploader.kill() }
        try WebhookDeliveryTests.send([Self.event("b1", .inbound, .ringing, "101")], conf: conf)
        #expect(uploader.wait(for: "Zoho refused a fresh access token (HTTP 401"))
        let requests = crm.requests { _ in true }.filter { $0["path"] as? String == "/phonebridge/v3/callnotify" }
        #expect(requests.count == 2)
        #expect(
            requests.allSatisfy {
                ($0["headers"] as? [String: String])?["authorization"]?.hasPrefix("Bearer 1000.fake") == true
            })
        let calls = try ZTISupProcess.run(["calls", "--conf", conf])
        #expect(calls.stdout.contains("[1 pending, 0 dead]"))
    }
}

/// `check-config --connect` for Zoho asks the running uploader, which checks with the token it holds and never
/// refreshes one for that.
@Suite(.serialized) struct ZohoPreflightProcessTests {
    @Test func theRunningUploaderAnswersWithTheTokenItHoldsAndNeverRefreshes() throws {
        // A group whose AMI user passes every check, so that only the CRM decides the exit status.
        let (simulator, port) = try SimulatorCommandTests.start(["--family", "12", "--secret", "secret"])
        defer { simulator.kill() }
        let group =
            "pbx.type = asterisk\npbx.host = 127.0.0.1\npbx.port = \(port)\npbx.username = zti\n"
            + "pbx.password = secret\nuser.a.crmuser = 1\nuser.a.extension = 101\n"
        let (crm, conf, uploader) = try ZohoDeliveryTests.setUp(group: group)
        // The uploader integrates at its start, with its first token.
        let integrated = crm.requests { $0.contains { $0["path"] as? String == "/phonebridge/v3/integrate" } }
        #expect(ZohoDeliveryTests.tokenRequests(integrated) == 1)
        let socket = conf + "/run/events.sock"

        let passing = try ZTISupProcess.run(["check-config", "--conf", conf, "--connect", "--timeout", "3"])
        #expect(passing.status == 0, "\(passing.stdout)")
        #expect(
            passing.stdout.contains(
                "crm: ok: asked the uploader at \(socket): Zoho PhoneBridge at http://127.0.0.1:\(crm.port) accepts "
                    + "the uploader's access token"), "\(passing.stdout)")

        // Zoho stops accepting the token: the check says so, and still refreshes nothing.
        crm.command(#"{"command":"expire"}"#)
        let refused = try ZTISupProcess.run(["check-config", "--conf", conf, "--connect", "--timeout", "3"])
        #expect(refused.status == 1)
        #expect(refused.stdout.contains("refused the uploader's access token (HTTP 401)"), "\(refused.stdout)")
        let asked = crm.requests { requests in
            requests.filter { ($0["path"] as? String)?.hasPrefix("/phonebridge/v3/users") == true }.count >= 2
        }
        #expect(ZohoDeliveryTests.tokenRequests(asked) == 1)
        #expect(
            asked.filter { ($0["path"] as? String)?.hasPrefix("/phonebridge/v3/users") == true }.allSatisfy {
                $0["method"] as? String == "GET"
            })
        #expect(!asked.contains { $0["path"] as? String == "/phonebridge/v3/callnotify" })

        // Without an uploader there is nothing to ask: a note, not a failure.
        uploader.kill()
        let alone = try ZTISupProcess.run(["check-config", "--conf", conf, "--connect", "--timeout", "3"])
        #expect(alone.status == 0, "\(alone.stdout)")
        #expect(alone.stdout.contains("crm: note: Zoho not checked: no uploader runs"), "\(alone.stdout)")
    }

    @Test func anUploaderWhoseRefreshFailedSaysWhy() throws {
        // The fake CRM lives as long as its value: it is kept to the end.
        let (crm, conf, first) = try ZohoDeliveryTests.setUp()
        defer { withExtendedLifetime(crm) {} }
        first.kill()
        try "1000.not-the-org-token\n".write(toFile: conf + "/refresh", atomically: true, encoding: .utf8)
        chmod(conf + "/refresh", 0o600)
        let uploader = try UploaderProcessTests.Uploader(conf: conf)
        defer { uploader.kill() }
        #expect(uploader.wait(for: "refused the refresh token"))
        let outcome = try ZTISupProcess.run(["check-config", "--conf", conf, "--connect", "--timeout", "3"])
        let line = outcome.stdout.split(separator: "\n").first { $0.hasPrefix("crm: ") }.map(String.init) ?? ""
        #expect(line.hasPrefix("crm: FAIL: asked the uploader at "), "\(outcome.stdout)")
        #expect(line.contains("holds no Zoho access token (its last refresh failed: Zoho refused the refresh token"))
    }
}
