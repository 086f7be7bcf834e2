import Foundation
import Logging
import Synchronization
import Testing
import ZTICore

@testable import ZTIUploader

/// The CRM failing is one condition: one probe at a time while it fails, rotating over calls, and full speed with
/// per-call order once it answers. A real spool file and a sink that fails on command.
@Suite struct DeliveryEngineTests {
    /// A CRM that fails while `down`, recording what it was sent and how many requests were in flight at once.
    final class SwitchableSink: EventSink {
        struct State {
            var down = true
            var inFlight = 0
            /// The most requests in flight at once after the first failure was answered.
            var mostInFlightWhileFailing = 0
            var failureSeen = false
            var attemptsWhileDown: [String] = []
            var delivered: [String] = []
        }

        let state = Mutex(State())

        func deliver(_ event: CallEvent) async -> DeliveryOutcome {
            let down = state.withLock { state -> Bool in
                state.inFlight += 1
                if state.failureSeen {
                    state.mostInFlightWhileFailing = max(state.mostInFlightWhileFailing, state.inFlight)
                }
                if state.down { state.attemptsWhileDown.append(event.id) }
                return state.down
            }
            try? await Task.sleep(for: .milliseconds(2))
            return state.withLock { state in
                state.inFlight -= 1
                if down {
                    state.failureSeen = true
                    return .retry(after: nil, reason: "HTTP 503")
                }
                state.delivered.append(event.id)
                return .delivered
            }
        }
    }

    static func wait(seconds: Double, until done: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
        while ContinuousClock.now < deadline {
            if done() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return done()
    }

    @Test func anOutageIsProbedOneRequestAtATimeAndTheFirstAnswerResumesFullSpeedInOrder() async throws {
        let spool = try Spool(path: SpoolTests.temporaryPath())
        // Ten calls of three events each.
        let events = (0..<30).map { index in
            CallEvent(
                group: "sales", pbx: .asterisk, callId: "c\(index % 10)", direction: .inbound,
                state: [CallState.ringing, .answered, .ended][index / 10], extension: "101", attempt: 1,
                at: EventTime(millisecondsSinceEpoch: Int64(index)))
        }
        _ = try spool.append(events, receivedAt: .now())
        let sink = SwitchableSink()
        let engine = DeliveryEngine(
            spool: spool, sink: sink, concurrency: 8, retryMin: .milliseconds(20), probeMax: .milliseconds(80),
            logger: Logger(label: "test"))
        let running = Task { await engine.run() }
        defer { running.cancel() }

        #expect(await Self.wait(seconds: 10) { sink.state.withLock { $0.attemptsWhileDown.count >= 14 } })
        #expect(engine.health.failingSince != nil)
        let probes = sink.state.withLock { $0 }
        #expect(probes.mostInFlightWhileFailing == 1, "at most one request in flight while the CRM fails")
        // The probes rotate: never the same event twice in a row, and more than one call tried.
        let afterFirstBatch = Array(probes.attemptsWhileDown.dropFirst(8))
        #expect(zip(afterFirstBatch, afterFirstBatch.dropFirst()).allSatisfy { $0 != $1 })
        #expect(Set(afterFirstBatch.map { $0.split(separator: "/")[1] }).count > 1)

        sink.state.withLock { $0.down = false }
        // Every row is done: delivered, or skipped as obsolete (counted apart).
        #expect(
            await Self.wait(seconds: 10) {
                let counts = (try? spool.counts()) ?? [:]
                return counts.keys.allSatisfy { [.delivered, .skipped].contains($0) }
                    && counts.values.reduce(0, +) == 30
            })
        #expect((try? spool.counts()[.skipped]) ?? 0 == engine.counts["skipped", default: 0])
        #expect(engine.health.failingSince == nil)
        // Order kept within each call. A ringing that failed while its call ended meanwhile is skipped, not sent
        // late (and counted); every other event reached the CRM.
        let delivered = sink.state.withLock { $0.delivered }
        for call in 0..<10 {
            let mine = delivered.filter { $0.hasPrefix("sales/c\(call)/") }.map { $0.split(separator: "/")[3] }
            #expect(mine == ["ringing", "answered", "ended"] || mine == ["answered", "ended"], "\(mine)")
        }
        #expect(delivered.count + engine.counts["skipped", default: 0] == 30)
        #expect(engine.counts["probes", default: 0] >= 6)
    }

    /// A sink that records what the engine hands it as the stored JSON.
    final class StoredSink: EventSink {
        let stored = Mutex<[String]>([])

        func deliver(_ event: CallEvent) async -> DeliveryOutcome {
            .refused(reason: "the engine did not hand the stored JSON")
        }

        func deliver(_ event: CallEvent, stored: String) async -> DeliveryOutcome {
            self.stored.withLock { $0.append(stored) }
            return .delivered
        }
    }

    /// The engine hands a sink the event's JSON as the spool holds it (a bare event of protocol 1 is kept as it
    /// came): the webhook posts those bytes and never encodes the event again.
    @Test func theSinkGetsTheSpooledJSONAsItIs() async throws {
        let spool = try Spool(path: SpoolTests.temporaryPath())
        let event = CallEvent(
            group: "sales", pbx: .asterisk, callId: "c1", direction: .inbound, state: .ringing, extension: "101",
            attempt: 1, at: EventTime(millisecondsSinceEpoch: 5))
        // The same event, with its keys in another order than the canonical form: as an older worker wrote it.
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(event.canonicalJSON().utf8)) as? [String: Any])
        let reordered =
            "{"
            + object.keys.sorted(by: >).map { key in
                let value = String(
                    decoding: try! JSONSerialization.data(withJSONObject: object[key]!, options: .fragmentsAllowed),
                    as: UTF8.self)
                return "\"\(key)\":\(value)"
            }.joined(separator: ",") + "}"
        #expect(reordered != event.canonicalJSON())
        _ = try spool.append([Spool.Incoming(event: event, json: reordered)], receivedAt: .now())
        let sink = StoredSink()
        let engine = DeliveryEngine(
            spool: spool, sink: sink, concurrency: 1, retryMin: .milliseconds(20), probeMax: .milliseconds(80),
            logger: Logger(label: "test"))
        let running = Task { await engine.run() }
        defer { running.cancel() }
        #expect(await Self.wait(seconds: 10) { !sink.stored.withLock { $0 }.isEmpty })
        #expect(sink.stored.withLock { $0 } == [reordered])
    }

    @Test func theNextProbeTakesTheNextCallAndNeverTheSameEventTwice() throws {
        func row(_ sequence: Int64, _ call: String) -> Spool.Row {
            Spool.Row(
                sequence: sequence,
                event: CallEvent(
                    group: "g", pbx: .asterisk, callId: call, direction: .inbound, state: .ringing, extension: "101",
                    attempt: 1, at: EventTime(millisecondsSinceEpoch: 0)),
                state: .pending, attempts: 1, lastError: nil)
        }
        let rows = [row(1, "a"), row(2, "b"), row(3, "c")]
        #expect(DeliveryEngine.nextProbe(rows, after: nil)?.event.callId == "a")
        #expect(DeliveryEngine.nextProbe(rows, after: ("g/a", "g/a/101/ringing/1"))?.event.callId == "b")
        #expect(DeliveryEngine.nextProbe(rows, after: ("g/c", "g/c/101/ringing/1"))?.event.callId == "a")
        // The probed call is gone from the candidates: start over, but not with the event just tried.
        #expect(DeliveryEngine.nextProbe([row(2, "b")], after: ("g/b", "g/b/101/ringing/1"))?.event.callId == "b")
        #expect(DeliveryEngine.nextProbe([], after: nil) == nil)
    }
}
