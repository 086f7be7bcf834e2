import Foundation
import Glibc
import Testing
import ZTICore
import ZTITestKit

/// The uploader's click-to-dial endpoint: real HTTP in, a `DIAL` frame out to the supervisor whose HELLO named
/// the group, the answer within 2 s, and a failed call reported to the fake Zoho org's `clicktodialerror`.
@Suite(.serialized) struct ClickToDialEndpointTests {
    static let group = """
        pbx.type = asterisk
        pbx.host = h
        pbx.username = u
        pbx.password = p
        pbx.dialcodes = LONGDIS:1000;LOCAL:9
        number.countrycode = 81
        user.alice.crmuser = 111
        user.alice.extension = 101
        user.alice.dialcode = LOCAL
        user.bob.crmuser = 222
        user.bob.extension = 102
        user.bob.dialcode = none

        """

    struct Setup {
        let crm: WebhookDeliveryTests.CRM
        let conf: String
        let uploader: UploaderProcessTests.Uploader
        let port: Int
    }

    static func setUp() throws -> Setup {
        let (crm, conf, uploader) = try ZohoDeliveryTests.setUp(group: group)
        #expect(uploader.wait(for: "listening http 127.0.0.1:"))
        // Zoho answers clicktodialerror only once the integration is on: a failed call reported earlier would be
        // refused (PBX_NOT_INTEGRATED), a race of the test's, not of the product.
        #expect(uploader.wait(for: "Zoho PhoneBridge integration active"))
        let line = uploader.log.split(separator: "\n").first { $0.contains("listening http 127.0.0.1:") } ?? ""
        let port = Int(line.split(separator: ":").last ?? "") ?? 0
        return Setup(crm: crm, conf: conf, uploader: uploader, port: port)
    }

    /// A connected loopback socket to the endpoint, with a 5 s receive timeout.
    static func connection(port: Int) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(fd)
            return nil
        }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    /// Sends an HTTP request to the endpoint without waiting for the answer (which needs the DIAL answered).
    static func sendRequest(port: Int, body: String, headers: [String] = []) -> Int32? {
        guard let fd = connection(port: port) else { return nil }
        let request =
            "POST /ztisup/dial HTTP/1.1\r\nHost: pbx.example.com\r\nConnection: close\r\n"
            + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: \(body.utf8.count)\r\n"
            + headers.map { $0 + "\r\n" }.joined() + "\r\n" + body
        _ = request.withCString { send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
        return fd
    }

    /// Sends `text` as it is (request line, headers and whatever body) and reads the answer; nil when none comes
    /// within the socket's 5 s timeout.
    static func raw(port: Int, _ text: String) -> (status: Int, body: [String: Any])? {
        guard let fd = connection(port: port) else { return nil }
        _ = text.withCString { send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
        let answer = response(fd)
        return answer.status == 0 ? nil : answer
    }

    /// Reads the response to its end: the status and the JSON body.
    static func response(_ fd: Int32) -> (status: Int, body: [String: Any]) {
        defer { close(fd) }
        var text = ""
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            guard count > 0 else { break }
            text += String(decoding: buffer[..<count], as: UTF8.self)
        }
        let status = Int(text.split(separator: " ").dropFirst().first ?? "") ?? 0
        let body = text.components(separatedBy: "\r\n\r\n").dropFirst().joined()
        return (status, (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:])
    }

    static func request(port: Int, _ fields: [(String, String)], headers: [String] = []) -> (
        status: Int, body: [String: Any]
    ) {
        guard let fd = sendRequest(port: port, body: FormEncoding.encode(fields), headers: headers) else {
            return (0, [:])
        }
        return response(fd)
    }

    static let token = ("ztitoken", ZohoDeliveryTests.clickToDialSecret)

    @Test func aValidRequestBecomesADialFrameAndAFailedCallIsReported() throws {
        let setup = try Self.setUp()
        defer { setup.uploader.kill() }
        let supervisor = try #require(UploaderProcessTests.Supervisor(path: setup.conf + "/run/events.sock"))
        #expect(supervisor.send([.hello(Hello(role: .supervisor, pid: getpid(), groups: ["sales"]))]))
        #expect(setup.uploader.wait(for: "connected for groups sales"))

        // The uploader's STATUS names the sink and the groups click-to-dial can reach.
        #expect(supervisor.send([.statusRequest(StatusRequest())]))
        guard case .uploaderStatus(let uploaderStatus)? = supervisor.nextFrame() else {
            Issue.record("no STATUS frame")
            return
        }
        #expect(uploaderStatus.sink == "zoho")
        #expect(uploaderStatus.role == "uploader")
        #expect(uploaderStatus.clickToDial?.routedGroups == ["sales"])
        #expect(uploaderStatus.clickToDial?.listening == "127.0.0.1:\(setup.port)")

        let fd = try #require(
            Self.sendRequest(
                port: setup.port,
                body: FormEncoding.encode([("tonumber", "03-1234-5678"), ("zohouser", "111"), Self.token])))
        guard case .dial(let dial)? = supervisor.nextFrame() else {
            Issue.record("no DIAL frame")
            return
        }
        #expect(dial.group == "sales")
        #expect(dial.extension == "101")
        #expect(dial.user == "111")
        #expect(dial.number == "90312345678")
        #expect(
            supervisor.send([
                .dialResult(DialResult(clickToDialId: dial.clickToDialId, group: "sales", status: .accepted))
            ]))
        let (status, body) = Self.response(fd)
        #expect(status == 202)
        #expect(body["status"] as? String == "accepted")
        #expect(body["clickToDialId"] as? String == dial.clickToDialId)

        // The member's phone rang and nobody answered it: Zoho hears why.
        #expect(
            supervisor.send([
                .dialResult(
                    DialResult(
                        clickToDialId: dial.clickToDialId, group: "sales", status: .noAnswer,
                        reason: "extension 101 did not answer"))
            ]))
        let requests = setup.crm.requests {
            $0.contains { $0["path"] as? String == "/phonebridge/v3/clicktodialerror" }
        }
        let report = try #require(requests.first { $0["path"] as? String == "/phonebridge/v3/clicktodialerror" })
        #expect(report["status"] as? Int == 200)
        #expect(
            ZohoDeliveryTests.form(report) == [
                "code": "noanswer", "from": "101", "to": "03-1234-5678", "zohouser": "111",
                "message": "extension 101 did not answer",
            ])
        let log = setup.uploader.stopAndReadLog()
        #expect(!log.contains(ZohoDeliveryTests.clickToDialSecret))
    }

    @Test func aUserWhoChoosesEachTimeGetsTheChoicesOrTheCodeNamed() throws {
        let setup = try Self.setUp()
        defer { setup.uploader.kill() }
        let supervisor = try #require(UploaderProcessTests.Supervisor(path: setup.conf + "/run/events.sock"))
        #expect(supervisor.send([.hello(Hello(role: .supervisor, pid: getpid(), groups: ["sales"]))]))
        #expect(setup.uploader.wait(for: "connected for groups sales"))

        let refused = Self.request(port: setup.port, [("tonumber", "0312345678"), ("zohouser", "222"), Self.token])
        #expect(refused.status == 400)
        #expect(
            refused.body["message"] as? String
                == "user bob of group sales must choose a dial code for each call; choose one of LONGDIS (1000), LOCAL (9) or noprefix"
        )
        let fd = try #require(
            Self.sendRequest(
                port: setup.port,
                body: FormEncoding.encode([
                    ("tonumber", "+1 212 555 0100"), ("zohouser", "222"), ("dialcode", "LONGDIS"), Self.token,
                ])))
        guard case .dial(let dial)? = supervisor.nextFrame() else {
            Issue.record("no DIAL frame")
            return
        }
        #expect(dial.extension == "102")
        #expect(dial.number == "1000" + "0012125550100")
        #expect(
            supervisor.send([
                .dialResult(
                    DialResult(
                        clickToDialId: dial.clickToDialId, group: "sales", status: .refused,
                        reason: "the PBX link of group sales is down"))
            ]))
        let answer = Self.response(fd)
        #expect(answer.status == 409)
        #expect(answer.body["reason"] as? String == "the PBX link of group sales is down")
    }

    @Test func badRequestsGetClearFourHundreds() throws {
        let setup = try Self.setUp()
        defer { setup.uploader.kill() }
        let port = setup.port
        let missing = Self.request(port: port, [("tonumber", "0312345678"), ("zohouser", "111")])
        #expect(missing.status == 401)
        #expect(missing.body["message"] as? String == "the ztitoken authorization is missing or wrong")
        let wrong = Self.request(
            port: port, [("tonumber", "0312345678"), ("zohouser", "111"), ("ztitoken", "c2d-secret-value-5d1")])
        #expect(wrong.status == 401)
        let header = Self.request(
            port: port, [("tonumber", "0312345678"), ("zohouser", "999")],
            headers: ["ztitoken: " + ZohoDeliveryTests.clickToDialSecret])
        #expect(header.status == 404)
        #expect(
            header.body["message"] as? String
                == #""999" is no group member's CRM user (user.X.crmuser) nor a user.X key"#)
        let injection = Self.request(
            port: port, [("tonumber", "0312\r\nAction: Originate"), ("zohouser", "111"), Self.token])
        #expect(injection.status == 400)
        #expect(
            (injection.body["message"] as? String)?.hasPrefix(#"the number "0312\u000D\u000AAction: Originate""#)
                == true)
        let noNumber = Self.request(port: port, [("zohouser", "111"), Self.token])
        #expect(noNumber.status == 400)
        #expect(noNumber.body["message"] as? String == "tonumber is missing")
        // No supervisor has said HELLO for the group: refused at once, with the reason.
        let unrouted = Self.request(port: port, [("tonumber", "0312345678"), ("zohouser", "111"), Self.token])
        #expect(unrouted.status == 409)
        #expect(unrouted.body["reason"] as? String == "group sales has no running supervisor connected to the uploader")
        let huge = Self.request(port: port, [("tonumber", String(repeating: "1", count: 20_000)), Self.token])
        #expect(huge.status == 413)
        // A body declared absurdly large, or chunked (its chunk sizes are not seen): 413 at once, without waiting
        // for a body that would be refused anyway (no answer within the socket's 5 s would fail here).
        let head = "POST /ztisup/dial HTTP/1.1\r\nHost: pbx.example.com\r\n"
        let declared = Self.raw(
            port: port, head + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 99999999999\r\n\r\n")
        #expect(declared?.status == 413)
        #expect((declared?.body["message"] as? String)?.contains("Content-Length 99999999999") == true)
        let chunked = Self.raw(port: port, head + "Transfer-Encoding: chunked\r\n\r\nfffffffffff\r\n")
        #expect(chunked?.status == 413)
        #expect((chunked?.body["message"] as? String)?.contains("chunked") == true)
        // Numbers are JSON strings: a JSON number would lose its leading zero (0312… dialled as 312…).
        let json = #"{"tonumber": 312345678, "zohouser": "111", "ztitoken": "\#(ZohoDeliveryTests.clickToDialSecret)"}"#
        let number = Self.raw(
            port: port,
            head + "Content-Type: application/json\r\nContent-Length: \(json.utf8.count)\r\nConnection: close\r\n\r\n"
                + json)
        #expect(number?.status == 400)
        #expect((number?.body["message"] as? String)?.hasPrefix("tonumber must be a JSON string") == true)
    }

    @Test func aSupervisorThatDoesNotAnswerIsRefusedWithinTwoSeconds() throws {
        let setup = try Self.setUp()
        defer { setup.uploader.kill() }
        let supervisor = try #require(UploaderProcessTests.Supervisor(path: setup.conf + "/run/events.sock"))
        #expect(supervisor.send([.hello(Hello(role: .supervisor, pid: getpid(), groups: ["sales"]))]))
        #expect(setup.uploader.wait(for: "connected for groups sales"))
        let answer = Self.request(port: setup.port, [("tonumber", "0312345678"), ("zohouser", "111"), Self.token])
        #expect(answer.status == 409)
        #expect(answer.body["reason"] as? String == "group sales did not answer within 2.0 seconds")
    }

    @Test func theURIIsRegisteredPerUserAndAgainOnlyWhenTheConfigurationChanges() throws {
        let setup = try Self.setUp()
        let summary = "click-to-dial at https://pbx.example.com/ztisup/dial: "
        #expect(setup.uploader.wait(for: summary + "2 users registered, 0 unchanged, 0 removed, 0 failed"))
        let registrations = setup.crm.requests { _ in true }.filter {
            $0["path"] as? String == "/phonebridge/v3/clicktodial"
        }
        #expect(registrations.map { ZohoDeliveryTests.form($0)["zohouser"] } == ["111", "222"])
        let first = ZohoDeliveryTests.form(try #require(registrations.first))
        #expect(first["clicktodialuri"] == "https://pbx.example.com/ztisup/dial")
        #expect(
            first["authorizationparam"] == #"{"name":"ztitoken","value":"\#(ZohoDeliveryTests.clickToDialSecret)"}"#)
        #expect(first["clicktodialparam"] == #"[{"name":"zohouser","value":"111"}]"#)
        #expect(!setup.uploader.stopAndReadLog().contains(ZohoDeliveryTests.clickToDialSecret))

        // The same configuration: nothing to register again.
        var uploader = try UploaderProcessTests.Uploader(conf: setup.conf)
        #expect(uploader.wait(for: summary + "0 users registered, 2 unchanged, 0 removed, 0 failed"))
        uploader.kill()
        // Bob leaves the group: his registration goes.
        let group = Self.group.split(separator: "\n").filter { !$0.hasPrefix("user.bob.") }.joined(separator: "\n")
        try group.write(toFile: setup.conf + "/groups/sales.properties", atomically: true, encoding: .utf8)
        uploader = try UploaderProcessTests.Uploader(conf: setup.conf)
        #expect(uploader.wait(for: summary + "0 users registered, 1 unchanged, 1 removed, 0 failed"))
        uploader.kill()
        #expect(
            setup.crm.requests { _ in true }.contains {
                $0["method"] as? String == "DELETE"
                    && $0["path"] as? String == "/phonebridge/v3/clicktodial?zohouser=222"
                    && $0["status"] as? Int == 200
            })
        // A new public URL: registered again.
        let properties = try String(contentsOfFile: setup.conf + "/zti.properties", encoding: .utf8)
        try properties.replacingOccurrences(of: "pbx.example.com/ztisup/dial", with: "pbx.example.com/c2d")
            .write(toFile: setup.conf + "/zti.properties", atomically: true, encoding: .utf8)
        uploader = try UploaderProcessTests.Uploader(conf: setup.conf)
        defer { uploader.kill() }
        #expect(
            uploader.wait(
                for:
                    "click-to-dial at https://pbx.example.com/c2d: 1 users registered, 0 unchanged, 0 removed, 0 failed"
            ))
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")))
    func withACertificateTheEndpointSpeaksHTTPS() throws {
        let directory = try UploaderProcessTests.conf()
        let made = try ChildProcess.run(
            "/usr/bin/openssl",
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                directory + "/c2d.key", "-out", directory + "/c2d.crt", "-days", "1", "-subj", "/CN=127.0.0.1",
                "-addext", "subjectAltName=IP:127.0.0.1",
            ])
        #expect(made.status == 0, "\(made.stderr)")
        let (_, _, uploader) = try ZohoDeliveryTests.setUp(
            conf: "clicktodial.tls.cert = \(directory)/c2d.crt\nclicktodial.tls.key = \(directory)/c2d.key\n",
            group: Self.group)
        defer { uploader.kill() }
        #expect(uploader.wait(for: "listening https 127.0.0.1:"))
        let line = uploader.log.split(separator: "\n").first { $0.contains("listening https 127.0.0.1:") } ?? ""
        let port = Int(line.split(separator: ":").last ?? "") ?? 0
        let body = FormEncoding.encode([("tonumber", "0312345678"), ("zohouser", "999"), Self.token])
        let https = try ChildProcess.run(
            "/usr/bin/curl",
            ["-s", "-m", "5", "--cacert", directory + "/c2d.crt", "-d", body, "https://127.0.0.1:\(port)/ztisup/dial"])
        #expect(https.stdout.contains(#"is no group member's CRM user"#), "\(https.stdout) \(https.stderr)")
        let plain = try ChildProcess.run(
            "/usr/bin/curl", ["-s", "-m", "5", "-d", body, "http://127.0.0.1:\(port)/ztisup/dial"])
        #expect(!plain.stdout.contains("CRM user"))
    }
}
