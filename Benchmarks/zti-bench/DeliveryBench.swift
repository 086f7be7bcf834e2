import AsyncHTTPClient
import Foundation
import Logging
import ZTICore
import ZTIPBXSim
import ZTIUploader

/// Delivery to the fake CRM's webhook over real loopback HTTP with keep-alive: requests/s draining a backlog,
/// and the latency from the spool commit to the request's arrival at 100 and 1,000 events/s.
enum DeliveryBench {
    static func run() async throws {
        let crm = FakeCRM(webhookKey: "bench", recordPath: nil)
        let server = try await FakeCRMServer.bind(host: "127.0.0.1", port: 0, crm: crm)
        let serverTask = Task { try await server.run() }
        defer { serverTask.cancel() }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("zti-delivery-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let spool = try Spool(path: directory + "/spool.sqlite")
        let sink = WebhookSink(url: "http://127.0.0.1:\(server.port)/events", key: "bench", client: HTTPClient.shared)
        let engine = DeliveryEngine(
            spool: spool, sink: sink, concurrency: 8, retryMin: .milliseconds(50), probeMax: .seconds(1),
            logger: Logger(label: "bench"))
        let engineTask = Task { await engine.run() }
        defer { engineTask.cancel() }

        // Backlog: 3,000 events of 1,000 calls, committed first, then drained.
        let backlog = events(prefix: "backlog", count: 3000)
        _ = try spool.append(backlog, receivedAt: .now())
        let start = Date()
        engine.poke()
        while await crm.acceptedAt.count < backlog.count { try await Task.sleep(for: .milliseconds(5)) }
        let rate = Double(backlog.count) / Date().timeIntervalSince(start)
        print(String(format: "delivery to the fake CRM (keep-alive, 8 calls at once): %.0f requests/s", rate))

        for perSecond in [100, 1000] {
            let stream = events(prefix: "rate\(perSecond)", count: perSecond * 2)
            var committed: [String: Date] = [:]
            let begin = ContinuousClock.now
            for (index, event) in stream.enumerated() {
                try await Task.sleep(until: begin + .microseconds(Int64(index) * 1_000_000 / Int64(perSecond)))
                _ = try spool.append([event], receivedAt: .now())
                committed[event.id] = Date()
                engine.poke()
            }
            let deadline = Date().addingTimeInterval(10)
            while Date() < deadline {
                let accepted = await crm.acceptedAt
                if stream.allSatisfy({ accepted[$0.id] != nil }) { break }
                try await Task.sleep(for: .milliseconds(5))
            }
            let accepted = await crm.acceptedAt
            let latencies = stream.compactMap { event -> Double? in
                guard let sent = committed[event.id], let arrived = accepted[event.id] else { return nil }
                return arrived.timeIntervalSince(sent) * 1000
            }.sorted()
            guard !latencies.isEmpty else { continue }
            print(
                String(
                    format: "latency commit → fake CRM at %d events/s: p50 %.2f ms, p99 %.2f ms (%d events)", perSecond,
                    latencies[latencies.count / 2], latencies[min(latencies.count - 1, latencies.count * 99 / 100)],
                    latencies.count))
        }
    }

    static func events(prefix: String, count: Int) -> [CallEvent] {
        (0..<count).map { index in
            CallEvent(
                group: "bench", pbx: .asterisk, callId: "\(prefix).\(index / 3)", direction: .inbound,
                state: [CallState.ringing, .answered, .ended][index % 3], extension: "101", attempt: 1,
                at: EventTime(millisecondsSinceEpoch: Int64(index)), from: "0312345678")
        }
    }
}
