import Foundation
import Testing
import ZTICore
import ZTITestKit

@testable import ZTIAsterisk

/// Every transcript of `Transcripts/<family>/` replayed against the `sales` group gives exactly its golden
/// `.jsonl`, whole and in random fragments (1-byte reads included).
@Suite struct TranscriptTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Transcripts")

    static var transcripts: [String] { files(in: directory, suffix: ".ami") }

    /// `folder/file` for every file ending in `suffix` one folder down from `root`, sorted.
    static func files(in root: URL, suffix: String) -> [String] {
        let folders = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        return folders.sorted().flatMap { folder -> [String] in
            let files =
                (try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(folder).path)) ?? []
            return files.filter { $0.hasSuffix(suffix) }.sorted().map { "\(folder)/\($0)" }
        }
    }

    static func members() throws -> MemberDirectory {
        let (group, _) = try ConfigurationLoader.loadGroupFile(
            path: directory.appendingPathComponent("sales.properties").path)
        return MemberDirectory(group: group)
    }

    static func golden(_ transcript: String) throws -> String {
        let path = directory.appendingPathComponent(String(transcript.dropLast(4)) + ".jsonl").path
        return try String(contentsOfFile: path, encoding: .utf8)
    }

    static func lines(_ result: AMIReplay.Result) -> String {
        result.events.map { $0.canonicalJSON() + "\n" }.joined()
    }

    static let scenarios = [
        "attended-transfer", "blind-transfer", "busy", "caller-gave-up", "click-to-dial-answered",
        "click-to-dial-no-answer", "follow-me", "hangup-lost", "inbound-answered", "internal", "ivr-only",
        "no-answer", "outbound-answered", "outbound-busy", "queue-abandon", "queue-answered",
        "resync-across-reconnect", "ring-group",
    ]

    @Test(arguments: [("12", scenarios), ("11", scenarios), ("1.4", scenarios)])
    func everyScenarioHasATranscript(family: String, expected: [String]) {
        let present = Self.transcripts.filter { $0.hasPrefix(family + "/") }.map {
            String($0.dropFirst(family.count + 1).dropLast(4))
        }
        #expect(present == expected)
    }

    @Test(arguments: transcripts)
    func theTranscriptGivesItsGoldenEvents(_ transcript: String) throws {
        let bytes = Array(try Data(contentsOf: Self.directory.appendingPathComponent(transcript)))
        let result = AMIReplay.run([bytes[...]], directory: try Self.members())
        #expect(Self.lines(result) == (try Self.golden(transcript)))
        #expect(result.openLifecycles.isEmpty)
    }

    @Test(arguments: transcripts)
    func fragmentsGiveTheSameEvents(_ transcript: String) throws {
        let bytes = Array(try Data(contentsOf: Self.directory.appendingPathComponent(transcript)))
        let members = try Self.members()
        let golden = try Self.golden(transcript)
        for seed: UInt64 in [0, 17, 4242] {
            var generator = SplitMix64(seed: seed)
            var chunks: [ArraySlice<UInt8>] = []
            var offset = 0
            while offset < bytes.count {
                let size = seed == 0 ? 1 : Int(generator.next() % 700) + 1
                chunks.append(bytes[offset..<min(bytes.count, offset + size)])
                offset += size
            }
            #expect(Self.lines(AMIReplay.run(chunks, directory: members)) == golden, "seed \(seed)")
        }
    }

    @Test func lineFeedOnlyCapturesGiveTheSameEvents() throws {
        let text = try String(contentsOf: Self.directory.appendingPathComponent("12/ring-group.ami"), encoding: .utf8)
        let bytes = Array(text.replacingOccurrences(of: "\r\n", with: "\n").utf8)
        #expect(
            Self.lines(AMIReplay.run([bytes[...]], directory: try Self.members()))
                == (try Self.golden("12/ring-group.ami")))
    }

    @Test func withoutAGroupFileShortEndpointsAreMembers() throws {
        let bytes = Array(try Data(contentsOf: Self.directory.appendingPathComponent("12/internal.ami")))
        let result = AMIReplay.run([bytes[...]], directory: MemberDirectory(replayGroup: "replay"))
        #expect(
            result.events.map(\.id).prefix(2) == [
                "replay/1732526400.70/101/ringing/1", "replay/1732526400.70/102/ringing/1",
            ])
        #expect(result.events.allSatisfy { $0.user == nil && $0.group == "replay" })
    }

    @Test func theBannerSetsTheFamily() throws {
        let bytes = Array(try Data(contentsOf: Self.directory.appendingPathComponent("12/busy.ami")))
        #expect(AMIReplay.run([bytes[...]], directory: try Self.members()).family == .v12)
    }

    @Test func aCallStillOpenAtTheEndIsReportedNotClosed() throws {
        let text = try String(
            contentsOf: Self.directory.appendingPathComponent("12/inbound-answered.ami"), encoding: .utf8)
        let cut = text.range(of: "Event: HangupRequest")!.lowerBound
        let result = AMIReplay.run([Array(text[..<cut].utf8)[...]], directory: try Self.members())
        #expect(result.events.map(\.state) == [.ringing, .answered])
        #expect(result.openLifecycles == ["1732526400.1/101/1"])
    }
}
