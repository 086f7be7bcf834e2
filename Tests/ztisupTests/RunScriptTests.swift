import Foundation
import Glibc
import Testing
import ZTITestKit

/// `bin/run.sh`, the README's first command: the demo PBX and the supervisor on the embedded configuration.
@Suite(.serialized) struct RunScriptTests {
    /// Every file under `conf/` but the ignored `run/` and `state/`, with its mode and contents.
    static func trackedConf(_ root: String) throws -> [String: String] {
        let conf = root + "/conf"
        var files: [String: String] = [:]
        let enumerator = FileManager.default.enumerator(atPath: conf)
        while let path = enumerator?.nextObject() as? String {
            if path == "run" || path == "state" {
                enumerator?.skipDescendants()
                continue
            }
            var info = stat()
            guard stat(conf + "/" + path, &info) == 0 else { continue }
            let contents =
                (info.st_mode & S_IFMT) == S_IFREG
                ? try String(contentsOfFile: conf + "/" + path, encoding: .utf8) : "dir"
            files[path] = String(info.st_mode, radix: 8) + " " + contents
        }
        return files
    }

    @Test func theDemoRecordsCallsAndLeavesNoProcessBehind() throws {
        let root = ZTISupProcess.repositoryRoot
        let binaries = (ZTISupProcess.executable as NSString).deletingLastPathComponent
        let before = try Self.trackedConf(root)
        let outcome = try ChildProcess.run(
            root + "/bin/run.sh", ["--bin", binaries, "--duration", "45"], seconds: 120)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        // The demo writes nothing tracked: no file added, changed or given another mode outside conf/run and
        // conf/state.
        #expect(try Self.trackedConf(root) == before)
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

    /// With --avaya the simulated AES and the Avaya demo group run beside the Asterisk one, from a configuration
    /// composed under the ignored conf/run, with the same runtime and spool as `--conf conf`.
    @Test func withAvayaTheAESDemoGroupRecordsCallsToo() throws {
        let root = ZTISupProcess.repositoryRoot
        let binaries = (ZTISupProcess.executable as NSString).deletingLastPathComponent
        let before = try Self.trackedConf(root)
        let outcome = try ChildProcess.run(
            root + "/bin/run.sh", ["--bin", binaries, "--avaya", "--duration", "20"], seconds: 90)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("simulated AES on 127.0.0.1:14721"))
        #expect(outcome.stderr.contains("PBX link of group demo-avaya up: AES session started"))
        #expect(try Self.trackedConf(root) == before)
        let listed = try ZTISupProcess.run(["calls", "--conf", root + "/conf", "--json"])
        let calls = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
        #expect(calls.filter { $0["group"] as? String == "demo-avaya" }.count >= 2, "\(calls)")
    }
}
