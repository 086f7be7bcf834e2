import Foundation
import Testing

/// `ztisup replay` as the real binary, on every transcript of the test suite.
@Suite struct ReplayCommandTests {
    static let transcripts = URL(fileURLWithPath: ZTISupProcess.repositoryRoot)
        .appendingPathComponent("Tests/ZTIAsteriskTests/Transcripts")

    static var files: [String] {
        let families = (try? FileManager.default.contentsOfDirectory(atPath: transcripts.path)) ?? []
        return families.sorted().flatMap { family in
            ((try? FileManager.default.contentsOfDirectory(atPath: transcripts.appendingPathComponent(family).path))
                ?? [])
                .filter { $0.hasSuffix(".ami") }.sorted().map { "\(family)/\($0)" }
        }
    }

    @Test(arguments: files)
    func replayPrintsTheGoldenEvents(_ file: String) throws {
        let outcome = try ZTISupProcess.run([
            "replay", "--group-file", Self.transcripts.appendingPathComponent("sales.properties").path,
            Self.transcripts.appendingPathComponent(file).path,
        ])
        #expect(outcome.status == 0)
        let golden = try String(
            contentsOf: Self.transcripts.appendingPathComponent(String(file.dropLast(4)) + ".jsonl"), encoding: .utf8)
        #expect(outcome.stdout == golden)
        // A capture that gives nothing (an IVR only, an unanswered click-to-dial) says so; the others say nothing.
        if golden.isEmpty {
            #expect(outcome.stderr.hasPrefix("warning: ") && outcome.stderr.contains("gave no call event"))
        } else {
            #expect(outcome.stderr == "")
        }
    }

    @Test func withoutAGroupFileItWarnsOnStderr() throws {
        let outcome = try ZTISupProcess.run(["replay", Self.transcripts.appendingPathComponent("12/internal.ami").path])
        #expect(outcome.status == 0)
        #expect(outcome.stderr.hasPrefix("warning: no --group-file"))
        #expect(outcome.stdout.split(separator: "\n").count == 6)
        #expect(outcome.stdout.contains("\"id\":\"replay/1732526400.70/102/ringing/1\""))
    }

    @Test func openCallsAreListedOnStderr() throws {
        let text = try String(
            contentsOf: Self.transcripts.appendingPathComponent("12/inbound-answered.ami"), encoding: .utf8)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("zti-cut-\(UUID().uuidString).ami")
            .path
        try String(text[..<text.range(of: "Event: HangupRequest")!.lowerBound]).write(
            toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let outcome = try ZTISupProcess.run(["replay", path])
        #expect(outcome.status == 0)
        #expect(outcome.stderr.contains("open at end of input: 1732526400.1/101/1"))
    }

    /// A copy of `file` without its banner line, in a fresh file.
    static func withoutBanner(_ file: String) throws -> String {
        let text = try String(contentsOf: transcripts.appendingPathComponent(file), encoding: .utf8)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("zti-bare-\(UUID().uuidString).ami")
            .path
        try String(text[text.range(of: "\n")!.upperBound...]).write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test(arguments: [("1.4/busy.ami", "1.4"), ("11/busy.ami", "1.6–11"), ("12/busy.ami", "12+")])
    func aCaptureWithoutItsBannerIsReadInTheFamilyItsEventsShowAndSaysSo(file: String, family: String) throws {
        let path = try Self.withoutBanner(file)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let sales = Self.transcripts.appendingPathComponent("sales.properties").path
        let outcome = try ZTISupProcess.run(["replay", "--group-file", sales, path])
        #expect(outcome.status == 0)
        let golden = try String(
            contentsOf: Self.transcripts.appendingPathComponent(String(file.dropLast(4)) + ".jsonl"), encoding: .utf8)
        #expect(outcome.stdout == golden)
        #expect(outcome.stderr == "family \(family) (inferred from events: the capture has no banner)\n")
        // Given, the family is used as it is: the same events, nothing said.
        let given = try ZTISupProcess.run([
            "replay", "--group-file", sales, "--family", String(file.prefix { $0 != "/" }), path,
        ])
        #expect(given.stdout == golden && given.stderr == "")
    }

    @Test func aReplayThatReadChannelEventsButEmittedNothingSaysSo() throws {
        let sales = Self.transcripts.appendingPathComponent("sales.properties").path
        let outcome = try ZTISupProcess.run([
            "replay", "--group-file", sales, "--family", "12",
            Self.transcripts.appendingPathComponent("1.4/inbound-answered.ami").path,
        ])
        #expect(outcome.status == 0)
        #expect(outcome.stdout == "")
        #expect(
            outcome.stderr.contains("channel events read as family 12+ (given) gave no call event"), "\(outcome.stderr)"
        )
        let bad = try ZTISupProcess.run(["replay", "--family", "13", "x"])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("--family 13: expected auto, 1.4, 11 or 12"))
    }

    @Test func anUnreadableFileIsAnError() throws {
        let outcome = try ZTISupProcess.run(["replay", "/nonexistent/capture.ami"])
        #expect(outcome.status == 66)
        #expect(outcome.stderr.contains("cannot read /nonexistent/capture.ami"))
    }

    @Test func anUnknownPBXIsAUsageError() throws {
        let outcome = try ZTISupProcess.run(["replay", "--pbx", "nortel", "x"])
        #expect(outcome.status == 64)
        #expect(outcome.stderr.contains("--pbx nortel: expected asterisk or elastix"))
    }
}

/// `ztisup replay --pbx avaya`: the AES simulator's captures (bare XML documents) give the golden events.
struct AvayaReplayCommandTests {
    static let scenarios = ZTISupProcess.repositoryRoot + "/Tests/ZTIAvayaTests/Scenarios"

    @Test(arguments: ["attended-transfer", "coverage-answered", "busy"])
    func aCaptureReplaysToItsGoldenEvents(_ flow: String) throws {
        let outcome = try ZTISupProcess.run([
            "replay", "--pbx", "avaya", "--group-file", "\(Self.scenarios)/sales.properties",
            "\(Self.scenarios)/\(flow).xml",
        ])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout == (try String(contentsOfFile: "\(Self.scenarios)/\(flow).jsonl", encoding: .utf8)))
        #expect(!outcome.stderr.contains("skipped"))
    }

    @Test func withoutAGroupFileEveryMonitoredExtensionIsAMember() throws {
        let outcome = try ZTISupProcess.run(["replay", "--pbx", "avaya", "\(Self.scenarios)/inbound-answered.xml"])
        #expect(outcome.status == 0)
        #expect(outcome.stderr.contains("every monitored extension is a member"))
        let states = outcome.stdout.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["state"] as? String
        }
        #expect(states == ["ringing", "answered", "ended"])
        #expect(outcome.stdout.contains(#""group":"replay""#))
    }
}
