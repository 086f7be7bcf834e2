import Foundation
import Testing
import ZTICore
import ZTITestKit

/// A PBX that sends no banner, or one without a known version (as behind an AMI proxy), over real TCP: the worker
/// asks `CoreSettings` (1.4 answers it as an unknown command), says how it knows in status and the log, and tracks
/// the family's calls as with a banner.
@Suite(.serialized) struct FamilyDetectionProcessTests {
    @Test(arguments: [("1.4", "none"), ("11", "none"), ("11", "AMI proxy"), ("12", "none")])
    func aPBXWithoutAKnownBannerIsTrackedInItsFamily(family: String, banner: String) throws {
        let (simulator, control, group) = try WorkerProcessTests.simulator(family: family, ["--banner", banner])
        defer { simulator.kill() }
        let conf = try SupervisorProcessTests.conf(port: group.pbx.port)
        let run = try SupervisorProcessTests.Run(conf: conf)
        defer { run.process.kill() }
        let report = try run.status { SupervisorProcessTests.group($0)["state"] as? String == "connected" }
        let sales = SupervisorProcessTests.group(report)
        #expect(sales["family"] as? String == family)
        #expect(sales["familySource"] as? String == "CoreSettings")
        #expect(run.wait(for: "family \(family) (from CoreSettings)"))

        let transcript = "\(WorkerProcessTests.transcripts)/\(family)/inbound-answered.ami"
        _ = ZTISupProcess.controlCommand(#"{"command":"play","file":"\#(transcript)"}"#, socket: control)
        let golden = try String(
            contentsOfFile: "\(WorkerProcessTests.transcripts)/\(family)/inbound-answered.jsonl", encoding: .utf8
        ).split(separator: "\n").compactMap { try? CanonicalJSON.decode(CallEvent.self, from: Data($0.utf8)) }
        let events = try ResumeProcessTests.spooled(conf) { $0.count >= golden.count }
        #expect(events.map(\.id) == golden.map(\.id))
        #expect(events.map(\.cause) == golden.map(\.cause))
    }
}
