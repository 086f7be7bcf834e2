import Foundation
import Glibc
import Testing
import ZTICore
import ZTITestKit

/// The uploader delivering to the fake CRM's webhook: real processes, real HTTP, a real SQLite spool.
@Suite(.serialized) struct WebhookDeliveryTests {
    /// The fake CRM process, its port, its record file and its control socket.
    final class CRM {
        let process: ChildProcess
        let directory: String
        let port: Int
        var record: String { directory + "/record.jsonl" }
        var control: String { directory + "/control.sock" }

        init(key: String, arguments: [String] = []) throws {
            directory =
                FileManager.default.temporaryDirectory.appendingPathComponent("zti-crm-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            process = try ChildProcess(
                SimulatorCommandTests.simulator,
                [
                    "crm", "--listen", "127.0.0.1:0", "--record", directory + "/record.jsonl", "--webhook-secret", key,
                    "--control", directory + "/control.sock",
                ] + arguments, stdout: .pipe)
            port = Int((process.readLine() ?? "").split(separator: ":").last ?? "") ?? 0
            for _ in 0..<50 where !FileManager.default.fileExists(atPath: control) { usleep(20_000) }
        }

        deinit { process.kill() }

        /// Sends one control command and returns the reply line.
        @discardableResult
        func command(_ json: String) -> String { ZTISupProcess.controlCommand(json, socket: control) }

        /// The recorded requests, waiting until `done` holds for them (at most 15 s).
        func requests(until done: ([[String: Any]]) -> Bool) -> [[String: Any]] {
            let deadline = Date().addingTimeInterval(15)
            var requests: [[String: Any]] = []
            repeat {
                let text = (try? String(contentsOfFile: record, encoding: .utf8)) ?? ""
                requests = text.split(separator: "\n").compactMap {
                    try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
                }
                if done(requests) { break }
                usleep(50_000)
            } while Date() < deadline
            return requests
        }
    }

    static func setUp(key: String = "hook-key-0123", extra: String = "") throws -> (
        CRM, String, UploaderProcessTests.Uploader
    ) {
        let crm = try CRM(key: key)
        let conf = try UploaderProcessTests.conf(
            "crm.webhook.url = http://127.0.0.1:\(crm.port)/events\nsecret.crm-webhook-secret.file = hook\n"
                + "crm.retry.min = 20ms\ncrm.probe.max = 200ms\n" + extra)
        try useWebhook(conf: conf, key: key)
        let uploader = try UploaderProcessTests.Uploader(conf: conf)
        #expect(uploader.wait(for: "listening unix"))
        return (crm, conf, uploader)
    }

    /// Switches a test configuration from `crm.sink = none` to the webhook, with `key` in its 0600 secret file.
    static func useWebhook(conf: String, key: String) throws {
        try (key + "\n").write(toFile: conf + "/hook", atomically: true, encoding: .utf8)
        chmod(conf + "/hook", 0o600)
        try String(contentsOfFile: conf + "/zti.properties", encoding: .utf8)
            .replacingOccurrences(of: "crm.sink = none", with: "crm.sink = webhook")
            .write(toFile: conf + "/zti.properties", atomically: true, encoding: .utf8)
    }

    static func delivered(_ requests: [[String: Any]]) -> [String] {
        requests.filter { $0["status"] as? Int == 200 }.compactMap { request in
            (try? JSONSerialization.jsonObject(with: Data((request["body"] as? String ?? "").utf8)) as? [String: Any])?[
                "id"]
                as? String
        }
    }

    static func send(_ events: [CallEvent], conf: String) throws {
        let supervisor = try #require(UploaderProcessTests.Supervisor(path: conf + "/run/events.sock"))
        #expect(supervisor.send(UploaderProcessTests.helloThen(events)))
        #expect(supervisor.acks(atLeast: events.count).count == events.count)
    }

    @Test func eventsArriveSignedAndInOrderPerCall() throws {
        let (crm, conf, uploader) = try Self.setUp()
        defer { uploader.kill() }
        let events = UploaderProcessTests.events(0..<30)
        try Self.send(events, conf: conf)
        let requests = crm.requests { Self.delivered($0).count >= 30 }
        #expect(Set(Self.delivered(requests)) == Set(events.map(\.id)))
        for call in Set(events.map(\.callId)) {
            let sent = events.filter { $0.callId == call }.map(\.id)
            #expect(Self.delivered(requests).filter { $0.contains("/\(call)/") } == sent)
        }
        #expect(requests.allSatisfy { $0["signatureValid"] as? Bool == true })
        #expect(requests.allSatisfy { ($0["headers"] as? [String: String])?["x-zti-event-id"] != nil })
    }

    /// `crm.webhook.batch = 4`: every body is a JSON array of at most 4 events with its count in a header, signed
    /// over the whole body; no request holds two events of one call, and each call's events arrive in order.
    @Test func batchesAreArraysSignedWholeAndInOrderPerCall() throws {
        let (crm, conf, uploader) = try Self.setUp(extra: "crm.webhook.batch = 4\ncrm.concurrency = 2\n")
        defer { uploader.kill() }
        let events = UploaderProcessTests.events(0..<30)
        try Self.send(events, conf: conf)
        func arrays(_ requests: [[String: Any]]) -> [[String]] {
            requests.filter { $0["status"] as? Int == 200 }.map { request in
                let body = try? JSONSerialization.jsonObject(with: Data((request["body"] as? String ?? "").utf8))
                return ((body as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String }
            }
        }
        let requests = crm.requests { arrays($0).joined().count >= 30 }
        let batches = arrays(requests)
        #expect(Set(batches.joined()) == Set(events.map(\.id)))
        #expect(batches.allSatisfy { (1...4).contains($0.count) })
        #expect(batches.contains { $0.count > 1 })
        for (request, batch) in zip(requests.filter { $0["status"] as? Int == 200 }, batches) {
            let headers = request["headers"] as? [String: String] ?? [:]
            #expect(headers["x-zti-event-count"] == String(batch.count))
            #expect(headers["x-zti-event-id"] == nil)
            #expect(request["signatureValid"] as? Bool == true)
            let calls = batch.map { $0.split(separator: "/")[1] }
            #expect(Set(calls).count == calls.count, "two events of one call in one request: \(batch)")
        }
        for call in Set(events.map(\.callId)) {
            let sent = events.filter { $0.callId == call }.map(\.id)
            #expect(batches.joined().filter { $0.contains("/\(call)/") } == sent)
        }
    }

    @Test func orderHoldsUnder500sAnd429s() throws {
        let (crm, conf, uploader) = try Self.setUp()
        defer { uploader.kill() }
        crm.command(#"{"command":"status","status":500,"count":4}"#)
        crm.command(#"{"command":"status","status":429,"count":2,"retryAfter":1}"#)
        let events = UploaderProcessTests.events(0..<12)
        try Self.send(events, conf: conf)
        let terminal = events.filter { $0.state != .ringing }.map(\.id)
        let requests = crm.requests { Set(Self.delivered($0)).isSuperset(of: terminal) }
        #expect(requests.filter { $0["status"] as? Int == 500 }.count == 4)
        #expect(requests.filter { $0["status"] as? Int == 429 }.count == 2)
        // Within each call the CRM sees the events in order; a ringing that failed and was overtaken by the
        // call's end is skipped rather than sent late.
        for call in Set(events.map(\.callId)) {
            let sent = events.filter { $0.callId == call }.map(\.id)
            let received = Self.delivered(requests).filter { $0.contains("/\(call)/") }
            #expect(received == sent.filter(received.contains))
            #expect(Set(received).isSuperset(of: sent.filter { !$0.hasSuffix("/ringing/1") }))
        }
    }

    @Test func refusedEventsBecomeDeadLettersAndCanBeRedelivered() throws {
        let (crm, conf, uploader) = try Self.setUp()
        defer { uploader.kill() }
        crm.command(#"{"command":"refuse","match":"\"state\":\"ended\"","status":400}"#)
        let events = UploaderProcessTests.events(0..<6)
        try Self.send(events, conf: conf)
        _ = crm.requests { $0.filter { $0["status"] as? Int == 400 }.count >= 2 }
        usleep(300_000)
        let dead = try ZTISupProcess.run(["calls", "--conf", conf, "--dead", "--json"])
        let calls = try #require(try JSONSerialization.jsonObject(with: Data(dead.stdout.utf8)) as? [[String: Any]])
        let deadEvents = calls.flatMap { $0["events"] as? [[String: Any]] ?? [] }
        #expect(deadEvents.count == 2)
        #expect(deadEvents.allSatisfy { ($0["lastError"] as? String)?.hasPrefix("HTTP 400") == true })
        crm.command(#"{"command":"heal"}"#)
        let redeliver = try ZTISupProcess.run(["redeliver", "--conf", conf, "--all-dead"])
        #expect(redeliver.stdout == "2 events re-queued\n")
        let requests = crm.requests { Self.delivered($0).count >= 6 }
        #expect(Set(Self.delivered(requests)) == Set(events.map(\.id)))
    }

    @Test func aRingingMadeObsoleteDuringAnOutageIsSkipped() throws {
        let (crm, conf, uploader) = try Self.setUp()
        defer { uploader.kill() }
        crm.command(#"{"command":"outage","seconds":1}"#)
        let events = UploaderProcessTests.events(0..<3)
        try Self.send(events, conf: conf)
        let requests = crm.requests { Self.delivered($0).count >= 2 }
        #expect(Self.delivered(requests) == [events[1].id, events[2].id])
    }

    @Test func killedRepeatedlyWhileDeliveringNoAckedEventIsLost() throws {
        let (crm, conf, first) = try Self.setUp()
        first.kill()
        let all = UploaderProcessTests.events(0..<3000)
        var acked = Set<String>()
        var kills = 0
        var generator = SystemRandomNumberGenerator()
        // A bounded stream of 3,000 events while the uploader delivers to the fake CRM: twelve rounds each send up
        // to 500 unacked events and kill the uploader with SIGKILL 5 to 60 ms later, mid-intake and mid-delivery;
        // the sender keeps what was acked and resends the rest, as a worker does. A last round runs to the end.
        for round in 0..<13 {
            let uploader = try UploaderProcessTests.Uploader(conf: conf)
            guard uploader.wait(for: "listening unix"),
                let supervisor = UploaderProcessTests.Supervisor(path: conf + "/run/events.sock")
            else {
                uploader.kill()
                continue
            }
            let last = round == 12
            let batch = all.filter { !acked.contains($0.id) }.prefix(last ? all.count : 500)
            _ = supervisor.send(UploaderProcessTests.helloThen(batch))
            if last {
                acked.formUnion(supervisor.acks(atLeast: batch.count))
                _ = crm.requests { Set(Self.delivered($0)).count >= all.count }
                uploader.kill()
            } else {
                usleep(UInt32.random(in: 5000...60_000, using: &generator))
                uploader.kill()
                kills += 1
                acked.formUnion(supervisor.acks(atLeast: batch.count))
            }
        }
        #expect(kills == 12)
        #expect(acked.count == all.count)
        var deliveries: [String: Int] = [:]
        for id in Self.delivered(crm.requests { _ in true }) { deliveries[id, default: 0] += 1 }
        #expect(Set(deliveries.keys) == acked)
        // A delivery the CRM took but the spool had not marked when the kill came goes again after the restart
        // (the duplicate window); the same event can fall in it at two kills in a row. Each kill opens the window
        // for at most crm.concurrency (8) requests in flight.
        let extra = deliveries.values.reduce(0) { $0 + $1 - 1 }
        let duplicates = deliveries.values.filter { $0 > 1 }.count
        #expect(deliveries.values.allSatisfy { $0 >= 1 })
        #expect(extra <= kills * 8)
        print(
            "killed \(kills) times during 3,000 events: none lost, \(duplicates) delivered more than once "
                + "(\(extra) extra deliveries, at most \(deliveries.values.max() ?? 0) of one event)")
    }
}

/// A CRM outage under the supervisor: one condition, shown by `ztisup status`, healed by the first answer.
@Suite(.serialized) struct CRMOutageTests {
    @Test func statusIsDegradedWhileTheBacklogWaitsAndTheFirstAnswerDrainsIt() throws {
        let crm = try WebhookDeliveryTests.CRM(key: "hook-key-0123")
        crm.command(#"{"command":"outage","seconds":600}"#)
        let (simulator, port) = try SupervisorProcessTests.ringGroupLoad()
        defer { simulator.kill() }
        let conf = try SupervisorProcessTests.conf(
            port: port,
            extra: "crm.webhook.url = http://127.0.0.1:\(crm.port)/events\nsecret.crm-webhook-secret.file = hook\n"
                + "crm.retry.min = 50ms\ncrm.probe.max = 300ms\ncrm.degraded.after = 1s\n")
        try WebhookDeliveryTests.useWebhook(conf: conf, key: "hook-key-0123")
        let run = try SupervisorProcessTests.Run(conf: conf)
        defer { run.process.kill() }
        let degraded = try run.status { report in
            let uploader = report["uploader"] as? [String: Any]
            return uploader?["degraded"] != nil
                && (uploader?["crm"] as? [String: Any])?["state"] as? String == "failing"
        }
        #expect((degraded["uploader"] as? [String: Any])?["degraded"] != nil)
        let during = try ZTISupProcess.run(["status", "--conf", conf])
        #expect(during.status == 1)
        #expect(during.stdout.contains("CRM failing since"))
        #expect(during.stdout.contains("degraded: the oldest undelivered event waits for"))
        #expect(run.wait(for: "the CRM is failing"))

        crm.command(#"{"command":"heal"}"#)
        #expect(run.wait(for: "delivering the backlog at full speed"))
        let healed = try run.status { report in
            let uploader = report["uploader"] as? [String: Any]
            let spool = uploader?["spool"] as? [String: Any]
            return uploader?["degraded"] == nil && spool?["pending"] as? Int == 0
                && SupervisorProcessTests.group(report)["state"] as? String == "connected"
        }
        let spool = (healed["uploader"] as? [String: Any])?["spool"] as? [String: Any]
        #expect(spool?["pending"] as? Int == 0)
        #expect((spool?["delivered"] as? Int ?? 0) > 0)
        #expect(try ZTISupProcess.run(["status", "--conf", conf]).status == 0)
    }
}
