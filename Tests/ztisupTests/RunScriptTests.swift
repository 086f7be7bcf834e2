import Foundation
import Glibc
import Testing
import ZTITestKit

/// `bin/run.sh`, the README's first command: the demo PBX and the supervisor on the embedded configuration.
@Suite(.serialized) struct RunScriptTests {
    @Test func theDemoRecordsCallsAndLeavesNoProcessBehind() throws {
        let root = ZTISupProcess.repositoryRoot
        let binaries = (ZTISupProcess.executable as NSString).deletingLastPathComponent
        let outcome = try ChildProcess.run(
            root + "/bin/run.sh", ["--bin", binaries, "--duration", "45"], seconds: 120)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("bin/run.sh: the demo runs (simulated PBX on 127.0.0.1:15038"))
        #expect(outcome.stderr.contains("supervisor stopped"))
        let listed = try ZTISupProcess.run(["calls", "--conf", root + "/conf", "--json"])
        let calls = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
        #expect(calls.count >= 3)
        // Nothing the demo started is still running (the tests run one at a time, so any ztisup or zti-pbxsim
        // process now would be the demo's).
        let processes = try FileManager.default.contentsOfDirectory(atPath: "/proc").compactMap(Int32.init)
        let leftovers = processes.compactMap { pid -> String? in
            guard let command = try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8) else { return nil }
            let words = command.split(separator: "\0").map(String.init)
            guard let program = words.first, program == binaries + "/ztisup" || program == binaries + "/zti-pbxsim"
            else { return nil }
            return words.joined(separator: " ")
        }
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    /// With --avaya the simulated AES and the Avaya demo group run beside the Asterisk one, and the group file
    /// the run added is gone afterwards.
    @Test func withAvayaTheAESDemoGroupRecordsCallsToo() throws {
        let root = ZTISupProcess.repositoryRoot
        let binaries = (ZTISupProcess.executable as NSString).deletingLastPathComponent
        let outcome = try ChildProcess.run(
            root + "/bin/run.sh", ["--bin", binaries, "--avaya", "--duration", "20"], seconds: 90)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("simulated AES on 127.0.0.1:14721"))
        #expect(outcome.stderr.contains("PBX link of group demo-avaya up: AES session started"))
        #expect(!FileManager.default.fileExists(atPath: root + "/conf/groups/demo-avaya.properties"))
        let listed = try ZTISupProcess.run(["calls", "--conf", root + "/conf", "--json"])
        let calls = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
        #expect(calls.filter { $0["group"] as? String == "demo-avaya" }.count >= 2, "\(calls)")
    }
}
