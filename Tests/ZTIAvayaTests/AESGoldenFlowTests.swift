import Foundation
import Logging
import Testing
import ZTIAvaya
import ZTICore
import ZTIPBXSim

/// Every scripted flow in `Scenarios/`, played by the AES simulator to the real client over loopback: the
/// normalized events must equal the golden file `<flow>.jsonl`, both from the live client and from replaying the
/// capture of the session (`ztisup replay --pbx avaya`). `ZTI_UPDATE_GOLDEN=1` rewrites the golden files.
@Suite(.serialized, .timeLimit(.minutes(3))) struct AESGoldenFlowTests {
    static let scenarios = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Scenarios"
    )
    .path

    static var flows: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: scenarios)) ?? []).filter { $0.hasSuffix(".scn") }
            .map { String($0.dropLast(4)) }.sorted()
    }

    @Test func everyFlowHasAGoldenFile() {
        #expect(Self.flows.count >= 11)
        for flow in Self.flows {
            #expect(FileManager.default.fileExists(atPath: "\(Self.scenarios)/\(flow).jsonl"), "\(flow)")
        }
    }

    /// Click-to-dial: MakeCall from 3201 to a number on a trunk, answered by the far end; the capture replays to
    /// `click-to-dial.jsonl` (replay names the request after its MakeCall's invoke ID).
    @Test func clickToDialGivesItsGoldenEvents() async throws {
        let simulator = AESSimulator(options: AESSimulatorOptions(ucidTime: 1_732_526_400))
        let server = try await AESSimulatorServer.bind(host: "127.0.0.1", port: 0, simulator: simulator)
        let serving = Task { try await server.run() }
        defer { serving.cancel() }
        let capture = FileManager.default.temporaryDirectory.appendingPathComponent("zti-c2d-\(UUID()).dmcc").path
        defer { try? FileManager.default.removeItem(atPath: capture) }
        try await simulator.capture(to: capture)
        let run = AESClientTests.Run(port: server.port, extensions: ["3201", "3202", "3203"], tls: nil)
        // The calls start once the session's first snapshots are in, so the capture is the same every run.
        _ = await run.wait { AESClientTests.monitored($0).count == 3 && !AESClientTests.resyncs($0).isEmpty }
        let made = await run.client.makeCall(
            DialRequest(clickToDialId: "c2d-1", group: "sales", extension: "3201", user: "u", number: "90312345678"))
        guard case .success(let call) = made, let id = Int(call.callID) else {
            Issue.record("MakeCall failed: \(made)")
            return
        }
        _ = await run.wait { events in
            events.contains { if case .event(let event, _) = $0 { event.kind == .networkReached } else { false } }
        }
        await simulator.answer(id, "90312345678")
        await simulator.hangup(id, "3201")
        _ = await run.wait { events in
            events.contains { if case .event(let event, _) = $0 { event.kind == .connectionCleared } else { false } }
        }
        run.task.cancel()
        let replayed = AvayaReplay.run(
            Array(try Data(contentsOf: URL(fileURLWithPath: capture))),
            tracker: AvayaCallTracker(group: AvayaCallTrackerTests.group))
        let text = replayed.events.map { $0.canonicalJSON() + "\n" }.joined()
        let golden = "\(Self.scenarios)/click-to-dial.jsonl"
        if ProcessInfo.processInfo.environment["ZTI_UPDATE_GOLDEN"] == "1" {
            try text.write(toFile: golden, atomically: true, encoding: .utf8)
        }
        #expect(text == (try? String(contentsOfFile: golden, encoding: .utf8)), "\(text)")
        #expect(replayed.events.map(\.state) == [.ringing, .answered, .ended])
        #expect(replayed.events.allSatisfy { $0.clickToDialId?.hasPrefix("makecall-") == true })
    }

    @Test(arguments: flows) func theFlowGivesItsGoldenEvents(_ flow: String) async throws {
        let scenario = try AESScenario(String(contentsOfFile: "\(Self.scenarios)/\(flow).scn", encoding: .utf8))
        let simulator = AESSimulator(options: AESSimulatorOptions(ucidTime: 1_732_526_400))
        let server = try await AESSimulatorServer.bind(host: "127.0.0.1", port: 0, simulator: simulator)
        let serving = Task { try await server.run() }
        defer { serving.cancel() }
        let capture = FileManager.default.temporaryDirectory.appendingPathComponent("zti-\(flow)-\(UUID()).dmcc").path
        defer { try? FileManager.default.removeItem(atPath: capture) }
        try await simulator.capture(to: capture)

        let run = AESClientTests.Run(port: server.port, extensions: ["3201", "3202", "3203"], tls: nil)
        // The calls start once the session's first snapshots are in, so the capture is the same every run.
        _ = await run.wait { AESClientTests.monitored($0).count == 3 && !AESClientTests.resyncs($0).isEmpty }
        await simulator.play(scenario, speed: 200)
        // Until the calls are gone and nothing more arrives for a moment.
        var seen = -1
        for _ in 0..<250 {
            try await Task.sleep(for: .milliseconds(40))
            let count = run.events.count
            if await simulator.callIDs.isEmpty, count == seen { break }
            seen = count
        }
        run.task.cancel()

        var live = AvayaCallTracker(group: AvayaCallTrackerTests.group)
        for case .monitored(let member, let crossRef) in run.events {
            live.monitored(crossRefID: crossRef, extension: member)
        }
        var liveEvents: [CallEvent] = []
        for case .event(let event, let at) in run.events { liveEvents += live.handle(event, at: at) }

        let replayed = AvayaReplay.run(
            Array(try Data(contentsOf: URL(fileURLWithPath: capture))),
            tracker: AvayaCallTracker(group: AvayaCallTrackerTests.group))
        #expect(replayed.problems.isEmpty, "\(replayed.problems)")
        #expect(replayed.openLifecycles == 0)
        let text = replayed.events.map { $0.canonicalJSON() + "\n" }.joined()
        let golden = "\(Self.scenarios)/\(flow).jsonl"
        if ProcessInfo.processInfo.environment["ZTI_UPDATE_GOLDEN"] == "1" {
            try text.write(toFile: golden, atomically: true, encoding: .utf8)
        }
        #expect(text == (try? String(contentsOfFile: golden, encoding: .utf8)), "\(flow):\n\(text)")

        // The same session as bare XML documents one after another (a capture without DMCC headers), as kept in
        // `<flow>.xml` for `ztisup replay --pbx avaya`.
        var decoder = DMCCFrameDecoder()
        decoder.feed(Array(try Data(contentsOf: URL(fileURLWithPath: capture))))
        var bare = ""
        while let frame = try decoder.next() { bare += frame.text + "\n" }
        let documents = "\(Self.scenarios)/\(flow).xml"
        if ProcessInfo.processInfo.environment["ZTI_UPDATE_GOLDEN"] == "1" {
            try bare.write(toFile: documents, atomically: true, encoding: .utf8)
        }
        let kept = Array((try? Data(contentsOf: URL(fileURLWithPath: documents))) ?? Data())
        let fromDocuments = AvayaReplay.run(kept, tracker: AvayaCallTracker(group: AvayaCallTrackerTests.group))
        #expect(fromDocuments.problems.isEmpty, "\(fromDocuments.problems)")
        #expect(fromDocuments.events.map { $0.canonicalJSON() + "\n" }.joined() == text, "\(flow) from \(documents)")
        // The live client saw the same lifecycles (its times are real ones).
        #expect(liveEvents.map(\.id) == replayed.events.map(\.id), "\(flow)")
        #expect(liveEvents.map(\.cause) == replayed.events.map(\.cause), "\(flow)")
        #expect(live.openLifecycles == 0, "\(flow)")
    }
}
