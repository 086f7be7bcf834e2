import Foundation
import Glibc
import Testing
import ZTICore
import ZTITestKit

/// The uploader with `crm.sink = zammad`, posting Zammad's CTI JSON to the fake CRM over real HTTP.
@Suite(.serialized) struct ZammadDeliveryTests {
    static let token = "zammad-token-6b1e0f"

    static func setUp(url: ((Int) -> String)? = nil) throws -> (
        WebhookDeliveryTests.CRM, String, UploaderProcessTests.Uploader
    ) {
        let crm = try WebhookDeliveryTests.CRM(key: "unused")
        let conf = try UploaderProcessTests.conf("secret.crm-webhook-secret.file = zammad\ncrm.retry.min = 20ms\n")
        let address = url?(crm.port) ?? "http://127.0.0.1:\(crm.port)/api/v1/cti/\(token)"
        try (address + "\n").write(toFile: conf + "/zammad", atomically: true, encoding: .utf8)
        chmod(conf + "/zammad", 0o600)
        try String(contentsOfFile: conf + "/zti.properties", encoding: .utf8)
            .replacingOccurrences(of: "crm.sink = none", with: "crm.sink = zammad")
            .write(toFile: conf + "/zti.properties", atomically: true, encoding: .utf8)
        return (crm, conf, try UploaderProcessTests.Uploader(conf: conf))
    }

    @Test func aCallArrivesAsNewCallAnswerAndHangup() throws {
        let (crm, conf, uploader) = try Self.setUp()
        defer { uploader.kill() }
        #expect(uploader.wait(for: "listening unix"))
        let events = [
            ZohoDeliveryTests.event("z1", .inbound, .ringing, "101"),
            ZohoDeliveryTests.event("z1", .inbound, .ringing, "102"),
            ZohoDeliveryTests.event("z1", .inbound, .answered, "102"),
            ZohoDeliveryTests.event("z1", .inbound, .ended, "101", cause: .answeredElsewhere),
            ZohoDeliveryTests.event("z1", .inbound, .ended, "102", cause: .normal, talk: 30),
        ]
        try WebhookDeliveryTests.send(events, conf: conf)
        let requests = crm.requests { $0.count >= 3 }
        #expect(requests.allSatisfy { $0["path"] as? String == "/api/v1/cti/\(Self.token)" })
        let bodies = requests.compactMap {
            try? JSONSerialization.jsonObject(with: Data(($0["body"] as? String ?? "").utf8)) as? [String: Any]
        }
        #expect(bodies.map { $0["event"] as? String } == ["newCall", "answer", "hangup"])
        #expect(bodies.allSatisfy { $0["callId"] as? String == "sales-z1" && $0["direction"] as? String == "in" })
        #expect(bodies.first?["from"] as? String == "+81312345678")
        #expect(bodies.last?["cause"] as? String == "normalClearing")
        #expect(bodies.last?["answeringNumber"] as? String == "102")
        let log = uploader.stopAndReadLog()
        #expect(!log.contains(Self.token))
    }

    @Test func aSecretThatIsNotAURLIsRefusedWithoutShowingIt() throws {
        let (_, _, uploader) = try Self.setUp(url: { _ in Self.token })
        #expect(uploader.process.wait(seconds: 10) == 78)
        let log = uploader.stopAndReadLog()
        #expect(log.contains("crm.sink = zammad: the crm-webhook-secret must hold the whole CTI URL"))
        #expect(!log.contains(Self.token))
    }
}
