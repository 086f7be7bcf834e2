import Foundation
import Testing
import ZTITestKit

/// A one-minute `bin/chaos.sh` run (the debug build's `zti-bench chaos`): three groups on the three AMI families
/// under load, SIGKILLs of workers and the uploader, a short CRM outage, and a drain; every figure must pass.
@Suite(.serialized) struct ChaosRunTests {
    @Test func aOneMinuteRunWithKillsAndAnOutageLosesNothingAndDoublesNothing() throws {
        let bin = URL(fileURLWithPath: ZTISupProcess.executable).deletingLastPathComponent().path
        let outcome = try ChildProcess.run(
            bin + "/zti-bench", ["chaos", bin, "--minutes", "1", "--kills", "5", "--rate", "0.5", "--outage", "10"],
            seconds: 400)
        let output = outcome.stdout
        #expect(outcome.status == 0, "\(output)\n\(outcome.stderr)")
        #expect(output.contains("finals lost: 0"))
        #expect(output.contains("wrong talk times: 0"))
        #expect(output.contains("lifecycles with more than one final: 0"))
        #expect(output.contains("duplicate lifecycles: 0"))
        #expect(output.contains("recovery after a worker kill: 4 kills"))
        #expect(output.contains("recovery after a uploader kill: 1 kills"))
        #expect(output.contains("drain after the CRM outage:"))
        // The load really ran: three groups at 0.5 calls/s for a minute script well over a hundred lifecycles.
        let lifecycles = output.split(separator: "\n").first { $0.contains("lifecycles: ") && $0.contains("script") }
        let count = lifecycles.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? 0
        #expect(count > 100, "\(lifecycles ?? "no lifecycle line")")
    }
}
